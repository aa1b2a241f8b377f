package email

import (
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
)

// Data is what the e-mail templates (subject, HTML and text) see. Shipped
// and operator templates get the same data; see Alert for one alert. Every
// text is in Lang: the shipped templates print no rule name, label,
// fingerprint or diagnosis code (those are in the X-Chiso-… headers).
type Data struct {
	Lang       string // vi or en
	Reason     string // firing, resolved, repeat, digest or test
	ReasonText string // the reason in words, in Lang
	// Title is the subject without its "[chiso] " prefix: the provinces
	// and how many figures, e.g. "Phú Thọ: 3 số liệu cần kiểm tra".
	Title string
	// Intro is the first paragraph after the greeting.
	Intro          string
	Receiver       string            // the receiver's name
	GroupKey       string            // the route path and group labels
	GroupLabels    map[string]string // the labels the group is grouped by
	Alerts         []Alert           // every alert of the notification, firing ones first
	Firing         []Alert           // the alerts still firing
	Resolved       []Alert           // the alerts resolved since the previous notification
	First          *Alert            // the first of Alerts; nil if none
	Others         int               // len(Alerts) - 1, at least 0: "and N more"
	Areas          string            // the alerts' provinces by name, e.g. "Phú Thọ, Vĩnh Phúc"
	Digest         *Digest           // set for a digest; nil otherwise
	ExternalURL    string            // the daemon's URL; empty if unknown
	NotificationID int64             // the outbox id, also in the Message-ID
	CreatedAt      string            // when the notification was queued, formatted in Lang
}

// Digest is a digest's window and sections.
type Digest struct {
	From, To     string  // the window, formatted in Lang
	Fired        []Alert // started firing in the window
	StillFiring  []Alert // firing before the window and still firing
	Resolved     []Alert // resolved in the window
	Acknowledged []Alert // acknowledged in the window
	// Sections are the four lists above in that order, each with its title
	// in Lang, empty ones included.
	Sections []Section
	Total    int // the number of alerts across the sections
}

// Section is one titled list of a digest.
type Section struct {
	Title  string
	Alerts []Alert
}

// Alert is one alert as the templates see it; every text is ready to print
// in the receiver's language.
type Alert struct {
	// Heading names the indicator, the province and the period:
	// "Tỷ trọng kinh tế số trong GRDP – Phú Thọ, năm 2024".
	Heading       string
	IndicatorName string // indicator name in Lang; the code when unknown
	AreaName      string // area name; the code when unknown
	PeriodText    string // the period in words, e.g. "năm 2024"; empty if none
	// Figure is the figure judged as published, with its qualifier and
	// its indicator's unit: "trên 81,7%", "gần 1.900 vị trí trạm".
	Figure string
	// ExpectedText is the target, bound or comparison value with the unit;
	// empty if none.
	ExpectedText string
	Problem      string // what is wrong, in one sentence
	Action       string // what to do, in one sentence
	SourceText   string // the publication: title, publisher, date; the id when unknown; empty if none
	SourceURL    string // the publication's link; empty if none
	// ResolvedText says why a resolved alert resolved; empty otherwise.
	ResolvedText string
	AckText      string // the data steward's acknowledgement in a sentence; empty if none
	FiredAt      string // when it started firing, formatted; empty if never
	ResolvedAt   string // when it resolved, formatted; empty if not resolved
	// URL links to the series in the daemon's console
	// (/series/{indicator}/{area}); empty without ExternalURL.
	URL string

	// The fields below are for operators' templates and the headers; the
	// shipped templates do not print them.
	Name          string // the alert name (the rule)
	Group         string // the rule group
	Status        string // firing, pending or resolved
	StatusText    string // the status in words
	Severity      string // info, warning or critical
	SeverityText  string // the severity in words
	Diagnosis     string // e.g. below_target
	DiagnosisText string // the diagnosis in words
	Indicator     string // indicator code
	Area          string // area code
	Period        string // e.g. 2024, 2024-H1; empty if none
	Value         string // the figure judged with its unit, without qualifier; empty if none
	Expected      string // the bound or target with its unit; empty if none
	Message       string // the finding's explanation, in the daemon's language
	Source        string // the source's id as cited; empty if none
	Summary       string // the rule's summary annotation
	Description   string // the rule's description annotation
	Ack           *Ack   // the data steward's acknowledgement; nil if none
	Fingerprint   string
	Labels        map[string]string
	Annotations   map[string]string
}

// Ack is a data steward's acknowledgement as the templates see it.
type Ack struct {
	Kind     string // correct or will_be_corrected
	KindText string // the kind in words
	By       string
	At       string // formatted
	Comment  string
}

// builder turns a notification into Data.
type builder struct {
	lang string
	cat  *chiso.Catalogue
	loc  *time.Location
}

// data builds the templates' data for n.
func (b builder) data(n *alerts.Notification) Data {
	d := Data{Lang: b.lang, Reason: string(n.Reason), ReasonText: b.word(string(n.Reason)),
		Receiver: n.Receiver, GroupKey: n.GroupKey, GroupLabels: n.GroupLabels,
		ExternalURL: n.ExternalURL, NotificationID: n.ID, CreatedAt: b.time(n.CreatedAt)}
	own := n.Lang == b.lang || (n.Lang == "" && b.lang == "vi")
	for _, a := range sortAlerts(n.Alerts) {
		v := b.alert(a, n.ExternalURL, own)
		d.Alerts = append(d.Alerts, v)
		if a.State == chiso.Resolved {
			d.Resolved = append(d.Resolved, v)
		} else {
			d.Firing = append(d.Firing, v)
		}
	}
	if len(d.Alerts) > 0 {
		d.First, d.Others = &d.Alerts[0], len(d.Alerts)-1
	}
	all := n.Alerts
	if n.Reason == alerting.ReasonDigest {
		g := n.Digest
		if g == nil {
			g = &alerts.Digest{}
		}
		d.Digest = b.digest(g, n.ExternalURL, own)
		all = concat(g.Fired, g.StillFiring, g.Resolved, g.Acknowledged)
	}
	d.Areas = b.areas(all)
	d.Title, d.Intro = b.title(&d, n.Receiver), b.intro(&d)
	return d
}

// digest builds a digest's sections.
func (b builder) digest(g *alerts.Digest, ext string, own bool) *Digest {
	list := func(as []chiso.Alert) []Alert {
		var out []Alert
		for _, a := range sortAlerts(as) {
			out = append(out, b.alert(a, ext, own))
		}
		return out
	}
	d := &Digest{From: b.date(g.From), To: b.date(g.To), Fired: list(g.Fired),
		StillFiring: list(g.StillFiring), Resolved: list(g.Resolved), Acknowledged: list(g.Acknowledged)}
	d.Sections = []Section{{b.word("fired"), d.Fired}, {b.word("still_firing"), d.StillFiring},
		{b.word("section_resolved"), d.Resolved}, {b.word("acknowledged"), d.Acknowledged}}
	d.Total = len(d.Fired) + len(d.StillFiring) + len(d.Resolved) + len(d.Acknowledged)
	return d
}

// alert builds one alert's view; own says whether the finding's message is
// in the receiver's language.
func (b builder) alert(a chiso.Alert, ext string, own bool) Alert {
	f := a.Finding
	ind, area := b.names(a)
	p := f.Period
	if p.IsZero() {
		p, _ = chiso.ParsePeriod(a.Labels["period"])
	}
	v := Alert{Name: first(a.Labels["alertname"], f.Rule), Group: first(a.Labels["group"], f.Group),
		Status: string(a.State), StatusText: b.word(string(a.State)),
		Severity: first(a.Labels["severity"], string(f.Severity)), Diagnosis: first(a.Labels["diagnosis"], string(f.Diagnosis)),
		Indicator: ind.Code, IndicatorName: ind.Name(b.lang), Area: area.Code, AreaName: first(area.Name, area.Code),
		Period: periodString(p), PeriodText: b.period(p), Message: f.Text(), Source: f.Source,
		Summary: a.Annotations["summary"], Description: a.Annotations["description"],
		FiredAt: b.time(a.FiredAt), ResolvedAt: b.time(a.ResolvedAt), URL: seriesURL(ext, ind.Code, area.Code),
		Fingerprint: a.Fingerprint, Labels: a.Labels, Annotations: a.Annotations}
	v.IndicatorName = first(v.IndicatorName, ind.Code)
	v.Heading = v.IndicatorName + " – " + v.AreaName
	if v.PeriodText != "" {
		v.Heading += ", " + v.PeriodText
	}
	v.SeverityText, v.DiagnosisText = b.word(v.Severity), b.word(v.Diagnosis)
	v.Value, v.Expected = b.figure(a.Value, ind), b.figure(a.Expected, ind)
	v.Figure, v.ExpectedText = b.published(a.Value, f.Qualifier, ind), v.Expected
	v.SourceText, v.SourceURL = b.source(f.Source)
	v.Problem = b.problem(f, v, own)
	v.Action = b.action(f, a, v, ind)
	if a.State == chiso.Resolved {
		v.ResolvedText = b.word("because_" + first(string(a.ResolvedBecause), "unknown"))
	}
	if a.Ack != nil {
		v.Ack = &Ack{Kind: string(a.Ack.Kind), KindText: b.word(string(a.Ack.Kind)), By: a.Ack.By,
			At: b.time(a.Ack.At), Comment: a.Ack.Comment}
		v.AckText = b.ackText(v.Ack)
	}
	return v
}

// names finds the alert's indicator and area in the catalogue, falling
// back to the codes (and to indicator_name/area_name labels).
func (b builder) names(a chiso.Alert) (chiso.Indicator, chiso.Area) {
	ind := chiso.Indicator{Code: first(a.Labels["indicator"], a.Finding.Indicator)}
	area := chiso.Area{Code: first(a.Labels["area"], a.Finding.Area)}
	if b.cat != nil {
		if i, ok := b.cat.Indicator(ind.Code); ok {
			ind = i
		}
		if ar, ok := b.cat.Area(area.Code); ok {
			area = ar
		}
	}
	if ind.NameVI == "" && ind.NameEN == "" {
		ind.NameVI, ind.NameEN = a.Labels["indicator_name"], a.Labels["indicator_name"]
	}
	area.Name = first(area.Name, a.Labels["area_name"])
	return ind, area
}

// areas names the provinces of the alerts, in order of first appearance:
// all of them up to three, else how many.
func (b builder) areas(as []chiso.Alert) string {
	var names []string
	seen := map[string]bool{}
	for _, a := range sortAlerts(as) {
		_, area := b.names(a)
		name := first(area.Name, area.Code)
		if name != "" && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	if len(names) > 3 {
		return b.sprintf("n_areas", len(names))
	}
	return strings.Join(names, ", ")
}

// title is the subject's text after "[chiso] ".
func (b builder) title(d *Data, receiver string) string {
	prefix := ""
	if d.Areas != "" {
		prefix = d.Areas + ": "
	}
	switch alerting.Reason(d.Reason) {
	case alerting.ReasonTest:
		return b.sprintf("title_test", receiver)
	case alerting.ReasonDigest:
		g := d.Digest
		return prefix + b.sprintf("title_digest", g.From, g.To, len(g.Fired)+len(g.StillFiring), len(g.Resolved))
	case alerting.ReasonResolved:
		if len(d.Firing) == 0 {
			return prefix + b.sprintf("title_resolved", len(d.Resolved))
		}
	case alerting.ReasonRepeat:
		return b.word("reminder") + " – " + prefix + b.sprintf("title_repeat", len(d.Firing))
	}
	return prefix + b.sprintf("title_firing", len(d.Firing))
}

// intro is the first paragraph after the greeting.
func (b builder) intro(d *Data) string {
	areas := first(d.Areas, b.word("your_area"))
	switch alerting.Reason(d.Reason) {
	case alerting.ReasonTest:
		return b.sprintf("intro_test", d.Receiver)
	case alerting.ReasonDigest:
		return b.sprintf("intro_digest", d.Digest.From, d.Digest.To, areas)
	case alerting.ReasonResolved:
		if len(d.Firing) == 0 {
			return b.sprintf("intro_resolved", areas)
		}
	case alerting.ReasonRepeat:
		return b.sprintf("intro_repeat", len(d.Firing), areas)
	}
	return b.sprintf("intro_firing", len(d.Firing), areas)
}

// published writes a figure as it was published: the qualifier's word,
// the number and the unit ("trên 81,7%", "gần 1.900 vị trí trạm").
func (b builder) published(v float64, q chiso.Qualifier, ind chiso.Indicator) string {
	s := b.figure(v, ind)
	if s == "" || q == chiso.Exact {
		return s
	}
	if pre := b.word("q_" + q.String()); pre != "" && !strings.HasPrefix(pre, "(") {
		return pre + " " + s
	} else if pre != "" {
		return s + " " + pre
	}
	return s
}

// figure writes a value with the indicator's unit; NaN is empty.
func (b builder) figure(v float64, ind chiso.Indicator) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	s := formatNumber(v, b.lang)
	switch {
	case ind.Unit == "percent":
		return s + "%"
	case ind.Unit == "rank":
		return b.sprintf("rank", s)
	}
	if u := unitWord(ind.Unit, b.lang); u != "" {
		return s + " " + u
	}
	return s
}

// gap writes how far a figure is from its target: percentage points for
// a percent, the unit otherwise.
func (b builder) gap(v, target float64, ind chiso.Indicator) string {
	d := math.Abs(target - v)
	if ind.Unit == "percent" {
		return b.sprintf("points", formatNumber(d, b.lang))
	}
	return b.figure(d, ind)
}

// period writes a period in words: "năm 2024", "6 tháng đầu năm 2023",
// "quý 3/2024", "tháng 8/2024"; "2024", "the first half of 2023" in English.
func (b builder) period(p chiso.Period) string {
	if p.IsZero() {
		return ""
	}
	y := strconv.Itoa(p.Year)
	switch p.Kind {
	case chiso.Year:
		return b.sprintf("p_year", y)
	case chiso.Half:
		return b.sprintf("p_half"+strconv.Itoa(p.N), y)
	case chiso.Quarter:
		return b.sprintf("p_quarter", strconv.Itoa(p.N), y)
	case chiso.Month:
		if b.lang == "en" {
			return time.Month(p.N).String() + " " + y
		}
		return b.sprintf("p_month", strconv.Itoa(p.N), y)
	}
	return p.String()
}

// source writes the publication a figure came from, from the catalogue:
// "«title», publisher, date" and its link; an unknown id is written as is.
func (b builder) source(id string) (text, link string) {
	if id == "" {
		return "", ""
	}
	s, ok := chiso.Source{}, false
	if b.cat != nil {
		s, ok = b.cat.Source(id)
	}
	if !ok || (s.Title == "" && s.Publisher == "") {
		return id, s.URL
	}
	var parts []string
	if s.Title != "" {
		parts = append(parts, "“"+s.Title+"”")
	}
	if s.Publisher != "" {
		parts = append(parts, s.Publisher)
	}
	if !s.Published.IsZero() {
		parts = append(parts, b.date(s.Published))
	}
	return strings.Join(parts, ", "), s.URL
}

// problem says what is wrong in one sentence: the first sentence of the
// finding's message when it is in the receiver's language, else a
// sentence written from the finding's fields.
func (b builder) problem(f chiso.Finding, v Alert, own bool) string {
	if own && f.Diagnosis == chiso.Missing {
		// What is owed, then the latest figure: the source cited below is
		// that figure's, so the sentence naming it must be there too.
		if s := withoutCitation(f.Text()); s != "" {
			return s
		}
	}
	if own {
		if s := firstSentence(f.Text()); s != "" {
			return s
		}
	}
	key := "problem_" + string(f.Diagnosis)
	if f.Status == chiso.Indeterminate {
		key += "_indeterminate"
	}
	fig := first(v.Figure, b.word("the_figure"))
	s := b.sprintf(key, fig, first(v.ExpectedText, "?"), v.PeriodText)
	if strings.HasPrefix(s, key) { // a diagnosis without words of its own
		s = b.sprintf("problem_other", fig, v.PeriodText)
	}
	return capitalize(s)
}

// capitalize upper-cases the first letter of a sentence.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// action says what to do in one sentence: how far a target is, or which
// figure to check against which publication.
func (b builder) action(f chiso.Finding, a chiso.Alert, v Alert, ind chiso.Indicator) string {
	src := first(v.SourceText, b.word("its_publication"))
	fig := first(v.Figure, b.word("the_figure"))
	switch {
	case a.State == chiso.Resolved:
		return ""
	case f.Status == chiso.Indeterminate:
		return b.sprintf("action_indeterminate", fig, first(v.ExpectedText, "?"))
	case (f.Diagnosis == chiso.BelowTarget || f.Diagnosis == chiso.OffTrack) && v.ExpectedText != "" && v.Figure != "":
		return b.sprintf("action_target", v.ExpectedText, b.gap(a.Value, a.Expected, ind))
	case f.Diagnosis == chiso.Missing:
		return b.sprintf("action_missing", first(v.PeriodText, "?"))
	case f.Diagnosis == chiso.DefinitionChange:
		return b.word("action_definition_change")
	case f.Diagnosis == chiso.UnitSlip:
		return b.sprintf("action_unit_slip", fig, src)
	}
	return b.sprintf("action_check", fig, src)
}

// ackText writes an acknowledgement in a sentence.
func (b builder) ackText(k *Ack) string {
	s := b.sprintf("ack_"+k.Kind, first(k.By, "?"), k.At)
	if k.Comment != "" {
		s += " “" + k.Comment + "”"
	}
	return s
}

// time formats t in the receiver's zone; zero is empty.
func (b builder) time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if b.lang == "en" {
		return t.In(b.loc).Format("2 January 2006, 15:04 MST")
	}
	return t.In(b.loc).Format("15:04 ngày 02/01/2006")
}

// date formats the day of t: 27/11/2024, or 27 November 2024 in English.
// Dates of publications are days, not instants: they are not moved to the
// receiver's zone.
func (b builder) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if t.Hour() != 0 || t.Minute() != 0 || t.Location() != time.UTC {
		t = t.In(b.loc)
	}
	if b.lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("02/01/2006")
}

// word translates a key of the words tables; an unknown key is itself.
func (b builder) word(key string) string {
	table := wordsVI
	if b.lang == "en" {
		table = wordsEN
	}
	if w, ok := table[key]; ok {
		return w
	}
	return strings.ReplaceAll(key, "_", " ")
}

// sprintf fills the words table's pattern for key: {0}, {1} … are the
// arguments, numbers written in the receiver's language. When the first
// argument is the number 1 and the table has key_one, that pattern is
// used: English counts need a singular.
func (b builder) sprintf(key string, args ...any) string {
	if n, ok := firstInt(args); ok && n == 1 {
		if _, one := wordsEN[key+"_one"]; one && b.lang == "en" {
			key += "_one"
		}
	}
	s := b.word(key)
	for i, a := range args {
		var v string
		switch a := a.(type) {
		case int:
			v = formatNumber(float64(a), b.lang)
		case string:
			v = a
		}
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i)+"}", v)
	}
	return s
}

// firstInt returns the first argument if it is an int.
func firstInt(args []any) (int, bool) {
	if len(args) == 0 {
		return 0, false
	}
	n, ok := args[0].(int)
	return n, ok
}

// withoutCitation is s without its trailing " Nguồn: …" or " Source: …"
// citation (the e-mail cites the source by its title on a line of its own).
func withoutCitation(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	for _, c := range []string{" Nguồn: ", " Source: "} {
		if i := strings.LastIndex(s, c); i >= 0 {
			return s[:i]
		}
	}
	return s
}

// firstSentence is s up to its first full stop followed by a space or the
// end, without a trailing "Nguồn:/Source:" citation.
func firstSentence(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' {
			return s[:i+1]
		}
	}
	return s
}

// sortAlerts orders alerts firing first, then by severity (most urgent
// first), area and indicator, so that messages read the same every time.
func sortAlerts(as []chiso.Alert) []chiso.Alert {
	out := append([]chiso.Alert(nil), as...)
	key := func(a chiso.Alert) (bool, int) {
		return a.State == chiso.Resolved, -chiso.Severity(first(a.Labels["severity"], string(a.Finding.Severity))).Rank()
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, si := key(out[i])
		rj, sj := key(out[j])
		if ri != rj {
			return !ri
		}
		if si != sj {
			return si < sj
		}
		return out[i].Labels["area"]+"\x00"+out[i].Labels["indicator"] < out[j].Labels["area"]+"\x00"+out[j].Labels["indicator"]
	})
	return out
}

// concat joins lists of alerts.
func concat(lists ...[]chiso.Alert) []chiso.Alert {
	var out []chiso.Alert
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// seriesURL links to the series of the indicator in the area on the
// daemon's console.
func seriesURL(ext, indicator, area string) string {
	if ext == "" || indicator == "" || area == "" {
		return ""
	}
	return strings.TrimRight(ext, "/") + "/series/" + url.PathEscape(indicator) + "/" + url.PathEscape(area)
}

// periodString writes a period; zero is empty.
func periodString(p chiso.Period) string {
	if p.IsZero() {
		return ""
	}
	return p.String()
}

// first returns the first non-empty string.
func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// formatNumber writes v with thousands separators and at most three
// decimals: 1.234,5 in Vietnamese, 1,234.5 in English.
func formatNumber(v float64, lang string) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	whole, frac, _ := strings.Cut(s, ".")
	group, dec := ",", "."
	if lang == "vi" {
		group, dec = ".", ","
	}
	var b strings.Builder
	if v < 0 && s != "0" {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString(dec + frac)
	}
	return b.String()
}

// Problem says in one sentence, in lang ("vi" or "en"), what is wrong
// with a finding, written from its figures as an e-mail in a language
// other than the daemon's writes it: for pages read in that language. cat
// names the indicator and the area; nil leaves their codes.
func Problem(f chiso.Finding, cat *chiso.Catalogue, lang string) string {
	b := builder{lang: lang, cat: cat, loc: vietnam}
	return b.alert(chiso.Alert{Finding: f, Value: f.Value, Expected: f.Expected}, "", false).Problem
}
