package console

import (
	"cmp"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
)

// seriesData is what the series page draws and lists.
type seriesData struct {
	Indicator chiso.Indicator
	Area      chiso.Area
	Figures   []periodFigures // by period (chiso.Period.Compare)
	Preds     []predSum       // the predecessors' sums before the merger, by period
	PredNote  string          // why there is no sum, when the area has predecessors
	Findings  []chiso.Finding
	Messages  []string // what each finding found, in the page's language
	Targets   []chiso.Target
}

// periodFigures is the current figure of one period and the revisions
// before it, oldest first.
type periodFigures struct {
	Period  chiso.Period
	Current chiso.Observation
	Earlier []chiso.Observation
}

// predSum is the sum of the predecessors' current figures for a period
// before the merger, when each of them has one.
type predSum struct {
	Period    chiso.Period
	Value     float64
	Qualifier chiso.Qualifier     // what the parts' qualifiers make of the sum
	Parts     []chiso.Observation // one per predecessor, in lineage order
}

// loadSeries reads everything the page shows of one series.
func (c *Console) loadSeries(r *http.Request, cat *chiso.Catalogue, ind chiso.Indicator, area chiso.Area) (*seriesData, error) {
	hist, err := c.deps.History(r.Context(), ind.Code, area.Code)
	if err != nil {
		return nil, err
	}
	d := &seriesData{Indicator: ind, Area: area, Figures: byPeriod(hist)}
	if err := c.loadPreds(r, cat, d); err != nil {
		return nil, err
	}
	for f := range c.deps.Status.Findings() {
		if f.Indicator == ind.Code && f.Area == area.Code {
			d.Findings = append(d.Findings, f)
		}
	}
	slices.SortStableFunc(d.Findings, func(a, b chiso.Finding) int {
		return cmp.Or(a.Period.Compare(b.Period), cmp.Compare(b.Severity.Rank(), a.Severity.Rank()))
	})
	for _, t := range cat.TargetsFor(ind.Code, area.Code) {
		if area.HoldsAt(t.Period) { // a target binds the area that exists at its deadline
			d.Targets = append(d.Targets, t)
		}
	}
	return d, nil
}

// byPeriod splits a history (ordered by period, then revision) into the
// current figure of each period and the revisions before it.
func byPeriod(hist []chiso.Observation) []periodFigures {
	var out []periodFigures
	for _, o := range hist {
		if n := len(out); n > 0 && out[n-1].Period == o.Period {
			pf := &out[n-1]
			pf.Earlier = append(pf.Earlier, pf.Current)
			pf.Current = o
			continue
		}
		out = append(out, periodFigures{Period: o.Period, Current: o})
	}
	return out
}

// sumQualifier is the qualifier of a sum: over when some parts are over
// and the rest exact (nearly likewise), about when they pull both ways, an
// estimate when a part is provisional.
func sumQualifier(parts []chiso.Observation) chiso.Qualifier {
	var lower, upper, approx, provisional bool
	for _, o := range parts {
		switch {
		case o.Qualifier.Provisional():
			provisional = true
		case o.Qualifier.Bound() == chiso.Lower:
			lower = true
		case o.Qualifier.Bound() == chiso.Upper:
			upper = true
		case o.Qualifier.Bound() == chiso.Approximate:
			approx = true
		}
	}
	switch {
	case provisional:
		return chiso.Estimate
	case approx || lower && upper:
		return chiso.About
	case lower:
		return chiso.Over
	case upper:
		return chiso.Nearly
	}
	return chiso.Exact
}

// loadPreds sums the predecessors' figures for the periods that end by the
// merger, for an additive indicator; a share or a rank cannot be summed.
func (c *Console) loadPreds(r *http.Request, cat *chiso.Catalogue, d *seriesData) error {
	var merged []chiso.Lineage
	for _, l := range cat.Predecessors(d.Area.Code) {
		if l.Kind == chiso.Merge {
			merged = append(merged, l)
		}
	}
	if len(merged) == 0 {
		return nil
	}
	lang := langOf(r)
	if !d.Indicator.Additive {
		d.PredNote = tr(lang, "Chỉ số này không cộng được (tỷ lệ, hạng…): không có tổng của các tỉnh trước sáp nhập.",
			"This indicator cannot be summed (a share, a rank…): there is no predecessors' sum before the merger.")
		return nil
	}
	effective := merged[0].Effective
	per := map[chiso.Period][]chiso.Observation{}
	for _, l := range merged {
		hist, err := c.deps.History(r.Context(), d.Indicator.Code, l.From)
		if err != nil {
			return err
		}
		for _, pf := range byPeriod(hist) {
			if !pf.Period.End().After(effective) {
				per[pf.Period] = append(per[pf.Period], pf.Current)
			}
		}
	}
	for p, parts := range per {
		if len(parts) != len(merged) {
			continue // a predecessor has no figure: no sum
		}
		s := predSum{Period: p, Parts: parts}
		for _, o := range parts {
			s.Value += o.Value
		}
		s.Qualifier = sumQualifier(parts)
		d.Preds = append(d.Preds, s)
	}
	slices.SortFunc(d.Preds, func(a, b predSum) int { return a.Period.Compare(b.Period) })
	if len(d.Preds) == 0 {
		d.PredNote = tr(lang, "Chưa có kỳ nào mà mọi tỉnh trước sáp nhập đều có số liệu, nên chưa có tổng.",
			"No period before the merger has a figure from every predecessor, so there is no sum yet.")
	}
	return nil
}

type seriesView struct {
	Indicator string
	Code      string
	Area      string
	AreaCode  string
	Unit      string
	Chart     template.HTML
	Legend    []legendItem
	Figures   []figureRow
	Preds     []predRow
	PredNote  string
	Findings  []seriesFinding
	Targets   []string
}

type legendItem struct{ Class, Text string }

type figureRow struct {
	ID        string // the anchor, p-2022
	Period    string
	Kind      string
	Figure    string
	Raw       string
	Qualifier string
	Source    sourceRef
	Reported  string
	Ingested  string
	Revision  int
	Earlier   []revisionRow
	Findings  []int // numbers of the findings on this period
}

type revisionRow struct {
	Revision int
	Figure   string
	Raw      string
	Source   sourceRef
	Ingested string
}

type sourceRef struct{ Title, URL, ID string }

type predRow struct {
	Period string
	Sum    string
	Parts  string
}

type seriesFinding struct {
	N           int
	Severity    chiso.Severity
	SevClass    string
	Period      string
	Diagnosis   string
	Status      string
	Rule        string
	Message     string
	Fingerprint string // the alert's, to acknowledge it; empty without one
	Acked       string // the acknowledgement in words; empty if none
}

func (c *Console) series(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	cat, err := c.deps.Querier.Catalogue(r.Context())
	if err != nil {
		c.problem(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	code, areaCode := r.PathValue("indicator"), r.PathValue("area")
	ind, okI := cat.Indicator(code)
	area, okA := cat.Area(areaCode)
	if !okI || !okA {
		msg := ""
		if !okI {
			msg += tr(lang, "Không có chỉ số ", "There is no indicator ") + quote(code) + tr(lang, " trong danh mục. ", " in the catalogue. ")
		}
		if !okA {
			msg += tr(lang, "Không có địa bàn ", "There is no area ") + quote(areaCode) + tr(lang, " trong danh mục.", " in the catalogue.")
		}
		c.problem(w, r, http.StatusNotFound, msg)
		return
	}
	d, err := c.loadSeries(r, cat, ind, area)
	if err != nil {
		c.problem(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	v := c.seriesView(d, cat, lang)
	c.render(w, r, http.StatusOK, "series", v.Indicator+" · "+v.Area, "", v)
}

// seriesView turns the data into what the template prints.
func (c *Console) seriesView(d *seriesData, cat *chiso.Catalogue, lang string) seriesView {
	names := c.names(cat, lang)
	d.Messages = make([]string, len(d.Findings))
	for i := range d.Findings {
		d.Messages[i] = names.message(&d.Findings[i])
	}
	v := seriesView{Indicator: d.Indicator.Name(lang), Code: d.Indicator.Code, Area: names.area(d.Area.Code),
		AreaCode: d.Area.Code, Unit: checks.FormatQuantity(1, d.Indicator.Unit, lang), PredNote: d.PredNote}
	v.Chart = drawChart(d, lang)
	v.Legend = legend(d, lang)
	alertsOf := c.alertsOf(d)
	findingsAt := map[chiso.Period][]int{}
	for i, f := range d.Findings {
		sf := seriesFinding{N: i + 1, Severity: f.Severity, SevClass: severityClass(f.Severity.Rank()),
			Period: periodText(f.Period, lang), Diagnosis: diagnosisText(f.Diagnosis, lang),
			Status: statusText(f.Status, lang), Rule: f.Rule, Message: d.Messages[i]}
		if a, ok := alertsOf[alertKey{f.Rule, f.Period, f.Diagnosis}]; ok {
			sf.Fingerprint = a.Fingerprint
			if a.Ack != nil {
				sf.Acked = ackText(a.Ack, names)
			}
		}
		v.Findings = append(v.Findings, sf)
		findingsAt[f.Period] = append(findingsAt[f.Period], i+1)
	}
	for _, pf := range d.Figures {
		o := pf.Current
		row := figureRow{ID: "p-" + pf.Period.String(), Period: periodText(pf.Period, lang),
			Kind: kindText(pf.Period.Kind, lang), Figure: checks.FormatFigure(o.Value, o.Qualifier, d.Indicator.Unit, lang),
			Raw: o.Raw, Qualifier: qualifierText(o.Qualifier, lang), Source: sourceOf(cat, o.Source),
			Reported: dateText(o.ReportedOn, lang), Ingested: names.time(o.IngestedAt), Revision: o.Revision,
			Findings: findingsAt[pf.Period]}
		for _, e := range pf.Earlier {
			row.Earlier = append(row.Earlier, revisionRow{Revision: e.Revision,
				Figure: checks.FormatFigure(e.Value, e.Qualifier, d.Indicator.Unit, lang), Raw: e.Raw,
				Source: sourceOf(cat, e.Source), Ingested: names.time(e.IngestedAt)})
		}
		v.Figures = append(v.Figures, row)
	}
	for _, s := range d.Preds {
		pr := predRow{Period: periodText(s.Period, lang), Sum: checks.FormatFigure(s.Value, s.Qualifier, d.Indicator.Unit, lang)}
		for i, o := range s.Parts {
			if i > 0 {
				pr.Parts += " + "
			}
			pr.Parts += names.area(o.Area) + " " + checks.FormatFigure(o.Value, o.Qualifier, d.Indicator.Unit, lang)
		}
		v.Preds = append(v.Preds, pr)
	}
	for _, t := range d.Targets {
		v.Targets = append(v.Targets, opText(t.Op)+" "+checks.FormatQuantity(t.Value, d.Indicator.Unit, lang)+" · "+
			periodText(t.Period, lang)+" · "+cmp.Or(t.Description(lang), t.Source)+" ("+t.Source+")")
	}
	return v
}

// alertKey finds a finding's alert.
type alertKey struct {
	rule      string
	period    chiso.Period
	diagnosis chiso.Diagnosis
}

// alertsOf returns the alerts of the series by the finding they carry.
func (c *Console) alertsOf(d *seriesData) map[alertKey]chiso.Alert {
	out := map[alertKey]chiso.Alert{}
	if c.deps.Alerting == nil {
		return out
	}
	for _, st := range c.deps.Alerting.Alerts(c.deps.Now()) {
		f := st.Finding
		if f.Indicator == d.Indicator.Code && f.Area == d.Area.Code && st.State != chiso.Resolved {
			out[alertKey{f.Rule, f.Period, f.Diagnosis}] = st.Alert
		}
	}
	return out
}

func ackText(a *chiso.Acknowledgement, names *namer) string {
	lang := names.lang
	kind := tr(lang, "số liệu đúng", "the figure is correct")
	if a.Kind == chiso.AckWillBeCorrect {
		kind = tr(lang, "sẽ được sửa", "will be corrected")
	}
	s := a.By + ": " + kind + " (" + names.time(a.At) + ")"
	if a.Comment != "" {
		s += " — " + a.Comment
	}
	return s
}

func sourceOf(cat *chiso.Catalogue, id string) sourceRef {
	s, ok := cat.Source(id)
	if !ok {
		return sourceRef{Title: id, ID: id}
	}
	return sourceRef{Title: cmp.Or(s.Title, s.Publisher, id), URL: safeURL(s.URL), ID: id}
}

// safeURL keeps only http and https links.
func safeURL(u string) string {
	if len(u) > 7 && (u[:7] == "http://" || len(u) > 8 && u[:8] == "https://") {
		return u
	}
	return ""
}

func dateText(t time.Time, lang string) string {
	if t.IsZero() {
		return "—"
	}
	if lang == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02/01/2006")
}

func kindText(k chiso.PeriodKind, lang string) string {
	w := words["kind_"+k.String()]
	return tr(lang, w[0], w[1])
}

// message is what the i-th finding found, in the page's language once
// seriesView has written it.
func (d *seriesData) message(i int) string {
	if i < len(d.Messages) {
		return d.Messages[i]
	}
	return d.Findings[i].Text()
}
