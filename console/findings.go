package console

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts/email"
)

// findingsPageSize is how many findings a page of /findings lists.
const findingsPageSize = 50

type findingsView struct {
	Filter   findingFilter
	Options  findingOptions
	Rows     []findingRow
	Total    int // matching the filter
	Page     int // 1-based
	Pages    int
	PrevLink string
	NextLink string
	SortLink map[string]string // by sort key: the link that sorts by it
	Errors   []string
}

// findingFilter is what /findings was asked for.
type findingFilter struct {
	Area, Indicator, Diagnosis, Severity, Status, Rule string
	Sort                                               string // severity, area, indicator, period, rule
}

type option struct{ Value, Label string }

// findingOptions are the choices of the filter's selects: the values the
// current findings have.
type findingOptions struct {
	Areas, Indicators, Diagnoses, Severities, Statuses, Rules []option
}

type findingRow struct {
	Severity  chiso.Severity
	SevClass  string
	Area      string
	Indicator string
	Period    string
	Diagnosis string
	Status    string
	Rule      string
	Message   string
	Link      string
}

var sortKeys = []string{"severity", "area", "indicator", "period", "rule"}

func (c *Console) findings(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	q := r.URL.Query()
	f := findingFilter{Area: q.Get("area"), Indicator: q.Get("indicator"), Diagnosis: q.Get("diagnosis"),
		Severity: q.Get("severity"), Status: q.Get("status"), Rule: q.Get("rule"), Sort: cmp.Or(q.Get("sort"), "severity")}
	v := findingsView{Filter: f, Page: 1, SortLink: map[string]string{}}
	if !slices.Contains(sortKeys, f.Sort) {
		v.Errors = append(v.Errors, tr(lang, "Tham số sort ", "Query parameter sort ")+quote(f.Sort)+
			tr(lang, " không phải một trong: ", " is not one of: ")+strings.Join(sortKeys, ", "))
		f.Sort, v.Filter.Sort = "severity", "severity"
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			v.Errors = append(v.Errors, tr(lang, "Tham số page ", "Query parameter page ")+quote(p)+
				tr(lang, " không phải số trang (1, 2, …)", " is not a page number (1, 2, …)"))
		} else {
			v.Page = n
		}
	}
	if len(v.Errors) > 0 {
		c.render(w, r, http.StatusBadRequest, "findings", tr(lang, "Phát hiện", "Findings"), "findings", v)
		return
	}
	cat, err := c.deps.Querier.Catalogue(r.Context())
	if err != nil {
		c.problem(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	names := c.names(cat, lang)
	var all []chiso.Finding
	seen := map[string]map[string]bool{}
	note := func(kind, val string) {
		if seen[kind] == nil {
			seen[kind] = map[string]bool{}
		}
		seen[kind][val] = true
	}
	for fd := range c.deps.Status.Findings() {
		note("area", fd.Area)
		note("indicator", fd.Indicator)
		note("diagnosis", string(fd.Diagnosis))
		note("severity", string(fd.Severity))
		note("status", string(fd.Status))
		note("rule", fd.Rule)
		if f.matches(&fd) {
			all = append(all, fd)
		}
	}
	v.Options = findingOptions{
		Areas:      options(seen["area"], names.area),
		Indicators: options(seen["indicator"], names.indicator),
		Diagnoses:  options(seen["diagnosis"], func(s string) string { return diagnosisText(chiso.Diagnosis(s), lang) }),
		Severities: options(seen["severity"], func(s string) string { return severityText(chiso.Severity(s), lang) }),
		Statuses:   options(seen["status"], func(s string) string { return statusText(chiso.Status(s), lang) }),
		Rules:      options(seen["rule"], func(s string) string { return s }),
	}
	sortFindings(all, f.Sort, names)
	v.Total = len(all)
	v.Pages = max(1, (len(all)+findingsPageSize-1)/findingsPageSize)
	if v.Page > v.Pages {
		v.Errors = append(v.Errors, tr(lang, "Chỉ có ", "There are only ")+strconv.Itoa(v.Pages)+tr(lang, " trang", " pages"))
		c.render(w, r, http.StatusNotFound, "findings", tr(lang, "Phát hiện", "Findings"), "findings", v)
		return
	}
	first := (v.Page - 1) * findingsPageSize
	for _, fd := range all[first:min(len(all), first+findingsPageSize)] {
		v.Rows = append(v.Rows, findingRow{Severity: fd.Severity, SevClass: severityClass(fd.Severity.Rank()),
			Area: names.area(fd.Area), Indicator: names.indicator(fd.Indicator), Period: periodText(fd.Period, lang),
			Diagnosis: diagnosisText(fd.Diagnosis, lang), Status: statusText(fd.Status, lang), Rule: fd.Rule,
			Message: names.message(&fd), Link: findingLink(&fd)})
	}
	if v.Page > 1 {
		v.PrevLink = f.link(v.Page - 1)
	}
	if v.Page < v.Pages {
		v.NextLink = f.link(v.Page + 1)
	}
	for _, k := range sortKeys {
		g := f
		g.Sort = k
		v.SortLink[k] = g.link(1)
	}
	c.render(w, r, http.StatusOK, "findings", tr(lang, "Phát hiện", "Findings"), "findings", v)
}

func (f *findingFilter) matches(fd *chiso.Finding) bool {
	ok := func(want, got string) bool { return want == "" || want == got }
	return ok(f.Area, fd.Area) && ok(f.Indicator, fd.Indicator) && ok(f.Diagnosis, string(fd.Diagnosis)) &&
		ok(f.Severity, string(fd.Severity)) && ok(f.Status, string(fd.Status)) && ok(f.Rule, fd.Rule)
}

// link is /findings with the filter, the sort and the page.
func (f findingFilter) link(page int) string {
	q := url.Values{}
	for k, v := range map[string]string{"area": f.Area, "indicator": f.Indicator, "diagnosis": f.Diagnosis,
		"severity": f.Severity, "status": f.Status, "rule": f.Rule} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Sort != "severity" {
		q.Set("sort", f.Sort)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/findings"
	}
	return "/findings?" + q.Encode()
}

func sortFindings(fs []chiso.Finding, by string, names *namer) {
	periodCmp := func(a, b *chiso.Finding) int { return a.Period.Compare(b.Period) }
	bySev := func(a, b *chiso.Finding) int { return cmp.Compare(b.Severity.Rank(), a.Severity.Rank()) }
	byArea := func(a, b *chiso.Finding) int { return cmp.Compare(names.area(a.Area), names.area(b.Area)) }
	byInd := func(a, b *chiso.Finding) int {
		return cmp.Compare(names.indicator(a.Indicator), names.indicator(b.Indicator))
	}
	byRule := func(a, b *chiso.Finding) int { return cmp.Compare(a.Rule, b.Rule) }
	order := map[string][]func(a, b *chiso.Finding) int{
		"severity":  {bySev, byArea, byInd, periodCmp},
		"area":      {byArea, byInd, periodCmp, bySev},
		"indicator": {byInd, byArea, periodCmp, bySev},
		"period":    {func(a, b *chiso.Finding) int { return periodCmp(b, a) }, bySev, byArea, byInd},
		"rule":      {byRule, byArea, byInd, periodCmp},
	}[by]
	slices.SortStableFunc(fs, func(a, b chiso.Finding) int {
		for _, o := range order {
			if c := o(&a, &b); c != 0 {
				return c
			}
		}
		return 0
	})
}

// options lists the values of a set, labelled and sorted by label.
func options(set map[string]bool, label func(string) string) []option {
	var out []option
	for v := range set {
		if v != "" {
			out = append(out, option{v, label(v)})
		}
	}
	slices.SortFunc(out, func(a, b option) int { return cmp.Compare(a.Label, b.Label) })
	return out
}

// findingLink is the series page of a finding, at its point.
func findingLink(f *chiso.Finding) string {
	if f.Indicator == "" || f.Area == "" {
		return ""
	}
	l := "/series/" + pathEscape(f.Indicator) + "/" + pathEscape(f.Area)
	if !f.Period.IsZero() {
		l += "#p-" + f.Period.String()
	}
	return l
}

func pathEscape(s string) string { return url.PathEscape(s) }

// namer names codes in a language, falling back to the code, and says
// what a finding found in that language.
type namer struct {
	areas, indicators map[string]string
	cat               *chiso.Catalogue
	lang              string
	// own is the language the findings' messages are written in (the
	// daemon's); "" reads every message as written.
	own string
	loc *time.Location // where times are written
}

// names is a namer for a page in lang.
func (c *Console) names(cat *chiso.Catalogue, lang string) *namer {
	n := newNamer(cat, lang)
	n.own, n.loc = cmp.Or(c.deps.Lang, "vi"), c.deps.Location
	return n
}

func newNamer(cat *chiso.Catalogue, lang string) *namer {
	n := &namer{areas: make(map[string]string, len(cat.Areas)), indicators: make(map[string]string, len(cat.Indicators)),
		cat: cat, lang: lang, loc: time.UTC}
	count := map[string]int{}
	for _, a := range cat.Areas {
		count[a.Name]++
	}
	for _, a := range cat.Areas {
		n.areas[a.Code] = a.Name
		if count[a.Name] > 1 { // the old and the new Phú Thọ
			n.areas[a.Code] += " (" + a.Code + ")"
		}
	}
	for _, ind := range cat.Indicators {
		n.indicators[ind.Code] = ind.Name(lang)
	}
	return n
}

func (n *namer) area(code string) string { return cmp.Or(n.areas[code], code) }

// time writes an instant in the daemon's zone.
func (n *namer) time(t time.Time) string { return timeText(t, n.lang, n.loc) }

// message says what f found: its message when that is in the page's
// language, else a sentence written from its figures, as e-mails in the
// other language do.
func (n *namer) message(f *chiso.Finding) string {
	if n.own == "" || n.own == n.lang {
		return n.citeByTitle(f.Text())
	}
	return email.Problem(*f, n.cat, n.lang)
}

// citeByTitle names the sources a message cites at its end ("Nguồn: ID."
// or "Source: ID; ID.") by their titles where the catalogue knows them:
// people read "“Tổng kết năm 2023”" (or the publisher, when the title is
// unknown), not a file's id.
func (n *namer) citeByTitle(msg string) string {
	at := max(strings.LastIndex(msg, " Nguồn: "), strings.LastIndex(msg, " Source: "))
	if at < 0 || n.cat == nil || !strings.HasSuffix(msg, ".") {
		return msg
	}
	head, list, _ := strings.Cut(msg[at+1:], ": ")
	ids := strings.Split(strings.TrimSuffix(list, "."), "; ")
	for i, id := range ids {
		src, ok := n.cat.Source(id)
		switch {
		case ok && src.Title != "":
			ids[i] = "“" + src.Title + "”"
		case ok && src.Publisher != "":
			ids[i] = src.Publisher
		}
	}
	return msg[:at+1] + head + ": " + strings.Join(ids, "; ") + "."
}
func (n *namer) indicator(code string) string { return cmp.Or(n.indicators[code], code) }
