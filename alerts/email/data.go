package email

import (
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
)

// Data is what the e-mail templates (subject, HTML and text) see. Shipped
// and operator templates get the same data; see Alert for one alert.
type Data struct {
	Lang           string            // vi or en
	Reason         string            // firing, resolved, repeat, digest or test
	ReasonText     string            // the reason in words, in Lang
	Receiver       string            // the receiver's name
	GroupKey       string            // the route path and group labels
	GroupLabels    map[string]string // the labels the group is grouped by
	Alerts         []Alert           // every alert of the notification, firing ones first
	Firing         []Alert           // the alerts still firing
	Resolved       []Alert           // the alerts resolved since the previous notification
	First          *Alert            // the first of Alerts; nil if none
	Others         int               // len(Alerts) - 1, at least 0: "and N more"
	Digest         *Digest           // set for a digest; nil otherwise
	ExternalURL    string            // the daemon's URL; empty if unknown
	NotificationID int64             // the outbox id, also in the Message-ID
	CreatedAt      string            // when the notification was queued, formatted in Lang
}

// Digest is a digest's window and sections.
type Digest struct {
	From, To     string  // the window, formatted in Lang
	Fired        []Alert // started firing in the window (đã phát sinh)
	StillFiring  []Alert // firing before the window and still firing (vẫn đang cảnh báo)
	Resolved     []Alert // resolved in the window (đã được xử lý)
	Acknowledged []Alert // acknowledged in the window (đã được xác nhận)
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

// Alert is one alert as the templates see it; every text is ready to print.
type Alert struct {
	Name          string // the alert name (the rule)
	Group         string // the rule group
	Status        string // firing, pending or resolved
	StatusText    string // the status in words
	Severity      string // info, warning or critical
	SeverityText  string // the severity in words
	Diagnosis     string // e.g. below_target
	DiagnosisText string // the diagnosis in words
	Indicator     string // indicator code
	IndicatorName string // indicator name in Lang; the code when unknown
	Area          string // area code
	AreaName      string // area name; the code when unknown
	Period        string // e.g. 2024, 2024-H1; empty if none
	Value         string // the figure judged with its unit, e.g. 1.234,5 tỷ đồng; empty if none
	Expected      string // the bound or target with its unit; empty if none
	Message       string // the finding's explanation
	Source        string // the publication of the figure; empty if none
	Summary       string // the rule's summary annotation
	Description   string // the rule's description annotation
	FiredAt       string // when it started firing, formatted; empty if never
	ResolvedAt    string // when it resolved, formatted; empty if not resolved
	Ack           *Ack   // the data steward's acknowledgement; nil if none
	URL           string // a link to the finding in the daemon's API; empty without ExternalURL
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
	for _, a := range sortAlerts(n.Alerts) {
		v := b.alert(a, n.ExternalURL)
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
	if n.Digest != nil {
		d.Digest = b.digest(n.Digest, n.ExternalURL)
	} else if n.Reason == alerts.ReasonDigest {
		d.Digest = b.digest(&alerts.Digest{}, n.ExternalURL)
	}
	return d
}

// digest builds a digest's sections.
func (b builder) digest(g *alerts.Digest, ext string) *Digest {
	list := func(as []chiso.Alert) []Alert {
		var out []Alert
		for _, a := range sortAlerts(as) {
			out = append(out, b.alert(a, ext))
		}
		return out
	}
	d := &Digest{From: b.time(g.From), To: b.time(g.To), Fired: list(g.Fired),
		StillFiring: list(g.StillFiring), Resolved: list(g.Resolved), Acknowledged: list(g.Acknowledged)}
	d.Sections = []Section{{b.word("fired"), d.Fired}, {b.word("still_firing"), d.StillFiring},
		{b.word("section_resolved"), d.Resolved}, {b.word("acknowledged"), d.Acknowledged}}
	d.Total = len(d.Fired) + len(d.StillFiring) + len(d.Resolved) + len(d.Acknowledged)
	return d
}

// alert builds one alert's view.
func (b builder) alert(a chiso.Alert, ext string) Alert {
	f := a.Finding
	ind, area := b.names(a)
	v := Alert{Name: first(a.Labels["alertname"], f.Rule), Group: first(a.Labels["group"], f.Group),
		Status: string(a.State), StatusText: b.word(string(a.State)),
		Severity: first(a.Labels["severity"], string(f.Severity)), Diagnosis: first(a.Labels["diagnosis"], string(f.Diagnosis)),
		Indicator: ind.Code, IndicatorName: ind.Name(b.lang), Area: area.Code, AreaName: first(area.Name, area.Code),
		Period: first(a.Labels["period"], periodString(f.Period)), Message: f.Text(), Source: f.Source,
		Summary: a.Annotations["summary"], Description: a.Annotations["description"],
		FiredAt: b.time(a.FiredAt), ResolvedAt: b.time(a.ResolvedAt), URL: findingURL(ext, a),
		Fingerprint: a.Fingerprint, Labels: a.Labels, Annotations: a.Annotations}
	v.SeverityText, v.DiagnosisText = b.word(v.Severity), b.word(v.Diagnosis)
	v.Value, v.Expected = b.figure(a.Value, ind), b.figure(a.Expected, ind)
	if a.Ack != nil {
		v.Ack = &Ack{Kind: string(a.Ack.Kind), KindText: b.word(string(a.Ack.Kind)), By: a.Ack.By,
			At: b.time(a.Ack.At), Comment: a.Ack.Comment}
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

// figure writes a value with the indicator's unit; NaN is empty.
func (b builder) figure(v float64, ind chiso.Indicator) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	s := formatNumber(v, b.lang)
	if ind.Unit == "percent" {
		return s + "%"
	}
	if u := unitWord(ind.Unit, b.lang); u != "" {
		return s + " " + u
	}
	return s
}

// time formats t in the receiver's zone; zero is empty.
func (b builder) time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if b.lang == "en" {
		return t.In(b.loc).Format("2006-01-02 15:04 MST")
	}
	return t.In(b.loc).Format("15:04 02/01/2006")
}

// word translates a reason, state, severity, diagnosis or section key.
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

// findingURL links to the alert's finding in the daemon's API.
func findingURL(ext string, a chiso.Alert) string {
	if ext == "" {
		return ""
	}
	q := url.Values{}
	set := func(key, v string) {
		if v != "" {
			q.Set(key, v)
		}
	}
	set("rule", first(a.Labels["alertname"], a.Finding.Rule))
	set("area", first(a.Labels["area"], a.Finding.Area))
	set("indicator", first(a.Labels["indicator"], a.Finding.Indicator))
	return strings.TrimRight(ext, "/") + "/api/v1/findings?" + q.Encode()
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
