package checks

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chiso-vn/chiso"
)

func init() {
	Register(Kind{Name: "freshness",
		Doc:       "Reports figures not published by their due date on the publication calendar (e.g. annual figures by 31 March of the next year).",
		NewParams: func() Params { return &FreshnessParams{} }})
}

// FreshnessParams configures the freshness check: a publication calendar.
// At each evaluation the check finds the latest period of the kind whose
// due date has passed and reports each series of the scope that has no
// figure for it (nor for any later period of the kind) — only for areas
// that existed for the whole period: Phú Yên, which ceased on 2025-07-01,
// owes no 2025 figure, and neither does the new Phú Thọ created that day.
type FreshnessParams struct {
	// Kind is the period kind figures are published for: year (the
	// default), half, quarter or month.
	Kind string `yaml:"kind" json:"kind,omitempty" jsonschema:"enum=year,enum=half,enum=quarter,enum=month"`
	// Due is when a period's figure is due: "MM-DD", the first such date
	// after the period ends ("03-31": an annual figure by 31 March of the
	// next year), or "+Nd" / "+Nm", N days or N whole months after its
	// last day.
	// Unset means "03-31" for years and "+45d" otherwise.
	Due string `yaml:"due" json:"due,omitempty"`
	// RequireHistory, true unless set to false, reports only series that
	// had a figure before the missing period (the area's own or its
	// predecessors'), so that a catalogue of 45 indicators does not flood a
	// province that never reported most of them.
	RequireHistory *bool `yaml:"require_history" json:"require_history,omitempty"`

	cal *calendar // Kind and Due parsed by Prepare; nil before
}

// calendar is a freshness rule's publication calendar, parsed.
type calendar struct {
	kind chiso.PeriodKind
	due  dueRule
}

// Validate checks the kind and the due date.
func (p *FreshnessParams) Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError {
	errs := needIndicators(rule)
	if _, err := p.kind(); err != nil {
		errs = append(errs, fieldErr("kind", "%v", err))
	}
	if _, err := parseDue(p.due()); err != nil {
		errs = append(errs, fieldErr("due", "%v", err))
	}
	return errs
}

// Prepare parses the kind and the due date, which Validate has accepted,
// for Evaluate.
func (p *FreshnessParams) Prepare() error {
	kind, err := p.kind()
	if err != nil {
		return fmt.Errorf("kind: %w", err)
	}
	due, err := parseDue(p.due())
	if err != nil {
		return fmt.Errorf("due: %w", err)
	}
	p.cal = &calendar{kind: kind, due: due}
	return nil
}

func (p *FreshnessParams) kind() (chiso.PeriodKind, error) {
	switch p.Kind {
	case "", "year":
		return chiso.Year, nil
	case "half":
		return chiso.Half, nil
	case "quarter":
		return chiso.Quarter, nil
	case "month":
		return chiso.Month, nil
	}
	return 0, fmt.Errorf("unknown period kind %q (want year, half, quarter or month)", p.Kind)
}

func (p *FreshnessParams) due() string {
	switch {
	case p.Due != "":
		return p.Due
	case p.Kind == "" || p.Kind == "year":
		return "03-31"
	}
	return "+45d"
}

// dueRule is a parsed due date: a calendar day, or an offset after the
// period's last day.
type dueRule struct {
	month, day   int // calendar day, when month > 0
	days, months int // offset
}

// parseDue reads "MM-DD", "+Nd" or "+Nm".
func parseDue(s string) (dueRule, error) {
	if strings.HasPrefix(s, "+") && len(s) > 2 {
		n, err := strconv.Atoi(s[1 : len(s)-1])
		if err != nil || n < 0 || n > 3660 {
			return dueRule{}, fmt.Errorf("invalid due %q (want MM-DD, +Nd or +Nm with N up to 3660)", s)
		}
		switch s[len(s)-1] {
		case 'd':
			return dueRule{days: n}, nil
		case 'm':
			return dueRule{months: n}, nil
		}
		return dueRule{}, fmt.Errorf("invalid due %q: unit must be d (days) or m (months)", s)
	}
	t, err := time.Parse("01-02", s)
	if err != nil || len(s) != 5 {
		return dueRule{}, fmt.Errorf("invalid due %q (want MM-DD such as 03-31, +Nd or +Nm)", s)
	}
	return dueRule{month: int(t.Month()), day: t.Day()}, nil
}

// date returns the last day a period's figure may arrive, as midnight UTC.
func (d dueRule) date(p chiso.Period) time.Time {
	last := p.End().AddDate(0, 0, -1)
	if d.months > 0 { // the end of the month: +1m after January is 28 February
		return p.End().AddDate(0, d.months, -1)
	}
	if d.month == 0 {
		return last.AddDate(0, 0, d.days)
	}
	due := time.Date(last.Year(), time.Month(d.month), d.day, 0, 0, 0, 0, time.UTC)
	if !due.After(last) {
		due = due.AddDate(1, 0, 0)
	}
	return due
}

// Unit is BySeries.
func (p *FreshnessParams) Unit() Unit { return BySeries }

// TimeDependent is true: a figure becomes late with time alone.
func (p *FreshnessParams) TimeDependent() bool { return true }

// Evaluate reports the series of the scope that lack the latest due period.
// It first finds them, then builds their findings into a slice of the
// right size, with the names and the due date written once.
func (p *FreshnessParams) Evaluate(env Env, scope Scope) ([]chiso.Finding, error) {
	if p.cal == nil {
		return nil, &UnpreparedError{Check: "freshness"}
	}
	due := p.cal.due
	per := latestDue(p.cal.kind, due, localDate(env))
	dueDate := due.date(per)
	covers := make([]bool, len(scope.Areas)) // the area existed for the whole period
	for a, area := range scope.Areas {
		if ar, ok := env.Data.Area(area); ok && ar.Covers(per) {
			covers[a] = true
		}
	}
	scratch := owedScratch.Get().(*freshnessScratch)
	defer scratch.release()
	found, series := scratch.found[:0], scratch.series
	inds := make([]chiso.Indicator, len(scope.Indicators))
	for k, code := range scope.Indicators {
		ind, ok := env.Data.Indicator(code)
		if !ok {
			env.skip(SkipUnknown)
			continue
		}
		inds[k] = ind
		for lo := 0; lo < len(scope.Areas); lo += seriesBlock {
			hi := min(lo+seriesBlock, len(scope.Areas))
			series = appendSeries(env.Data, series[:0], ind.Code, scope.Areas[lo:hi])
			for a := lo; a < hi; a++ {
				if !covers[a] {
					continue
				}
				s := series[a-lo]
				if last, ok := p.owes(env, ind.Code, scope.Areas[a], s, per); ok {
					o := owed{ind: int32(k), area: int32(a), last: last >= 0, id: maxSeriesID(s)}
					if o.last {
						o.key, o.value, o.qual, o.source = s.keys[last], s.values[last], s.quals[last], s.source(last)
					}
					found = append(found, o)
				}
			}
		}
	}
	scratch.found, scratch.series = found, series
	if len(found) == 0 {
		return nil, nil
	}
	found = byArea(found, len(scope.Areas))
	notes := &missingNotes{lang: env.Lang, perName: env.period(per), due: formatDate(dueDate, env.Lang),
		areaName: env.areaNamer(), inds: inds, indNames: make([]string, len(inds))}
	for k := range inds {
		if inds[k].Code != "" {
			notes.indNames[k] = env.indName(inds[k].Code)
		}
	}
	out := env.findings(len(found))
	for i := range found {
		o := &found[i]
		o.notes = notes
		out = append(env.spill(out), missing(env, inds[o.ind].Code, scope.Areas[o.area], per, o))
	}
	return out, nil
}

// freshnessScratch is what an evaluation of the freshness check uses
// only while it runs: the owed series before they are sorted into the
// slice the findings keep, and a block of series.
type freshnessScratch struct {
	found  []owed
	series []Series
}

// owedScratch keeps freshness scratch between evaluations: memory the
// process has not touched yet costs a page fault to write.
var owedScratch = sync.Pool{New: func() any { return new(freshnessScratch) }}

// release drops what refers to the data and returns s to the pool.
func (s *freshnessScratch) release() {
	clear(s.found)
	clear(s.series)
	s.found, s.series = s.found[:0], s.series[:0]
	owedScratch.Put(s)
}

// byArea orders the owed series by area, keeping the order of the
// indicators within each: with the scope's areas and indicators sorted, as
// the engine's are, the findings are then in the engine's order already.
func byArea(found []owed, areas int) []owed {
	start := make([]int, areas+1)
	for i := range found {
		start[found[i].area+1]++
	}
	for a := range areas {
		start[a+1] += start[a]
	}
	out := make([]owed, len(found))
	for i := range found {
		a := found[i].area
		out[start[a]] = found[i]
		start[a]++
	}
	return out
}

// owed is a series that owes the figure: its latest earlier point, if any,
// and its highest store sequence number.
type owed struct {
	notes     *missingNotes
	ind, area int32 // indexes in the scope
	last      bool  // the latest earlier point is set: key, value, qual and source
	qual      chiso.Qualifier
	key       int32
	value     float64
	source    string
	id        int64
}

// latestDue returns the latest period of the kind whose due date is before
// today.
func latestDue(kind chiso.PeriodKind, due dueRule, today time.Time) chiso.Period {
	p := chiso.PeriodOf(kind, today)
	for !due.date(p).Before(today) {
		p = p.Prev()
	}
	return p
}

// owes reports whether the series s owes a figure for per, and the index
// of its latest earlier point, or -1. The caller has checked that the area
// existed for the whole period.
func (p *FreshnessParams) owes(env Env, indicator, area string, s Series, per chiso.Period) (int, bool) {
	// The points before per are those before the first one that does not
	// end before it; none of that one and the later ones may be of per's
	// kind: the figure, or a later one, would be there.
	lo := s.firstFrom(periodOrder(per))
	for _, k := range s.keys[lo:] {
		if chiso.PeriodKey(k).Kind() == per.Kind {
			return -1, false
		}
	}
	last := lo - 1
	if (p.RequireHistory == nil || *p.RequireHistory) && last < 0 && !predecessorHistory(env, indicator, area, per) {
		return -1, false
	}
	return last, true
}

// predecessorHistory reports whether an area's predecessors had a figure
// for the indicator before per.
func predecessorHistory(env Env, indicator, area string, per chiso.Period) bool {
	for _, l := range env.Data.Predecessors(area) {
		if s := env.Data.Series(indicator, l.From); s.Len() > 0 && s.Period(0).Before(per) {
			return true
		}
	}
	return false
}

// missing returns the missing finding of the series o, whose note is o
// itself: its message is written only when asked for.
func missing(env Env, ind, area string, per chiso.Period, o *owed) chiso.Finding {
	f := chiso.Finding{Diagnosis: chiso.Missing, Status: chiso.Fail, Indicator: ind, Area: area,
		Period: per, Value: math.NaN(), Expected: math.NaN(), DataID: o.id, Note: o}
	if o.last {
		f.Source = o.source
	}
	for _, l := range env.Data.Predecessors(area) { // their history made the figure owed
		f.DataID = max(f.DataID, maxSeriesID(env.Data.Series(ind, l.From)))
	}
	return f
}

// missingNotes is what the messages of one evaluation's missing findings
// share.
type missingNotes struct {
	lang     string
	perName  string // the period owed, in the language
	due      string // its due date, in the language
	areaName func(code string) string
	inds     []chiso.Indicator // the scope's, for their units
	indNames []string          // their names in the language
}

// Text writes the message of a missing finding: what is owed, by when, and
// the latest earlier figure.
func (o *owed) Text(f *chiso.Finding) string {
	n := o.notes
	b := make([]byte, 0, 192)
	if n.lang == "en" {
		b = append(b, "No figure yet for "...)
		b = append(b, n.indNames[o.ind]...)
		b = append(b, ", "...)
		b = append(b, n.perName...)
		b = append(b, ", in "...)
		b = append(b, n.areaName(f.Area)...)
		b = append(b, "; it was due by "...)
	} else {
		b = append(b, "Chưa có số liệu "...)
		b = append(b, n.indNames[o.ind]...)
		b = append(b, ' ')
		b = append(b, n.perName...)
		b = append(b, " của "...)
		b = append(b, n.areaName(f.Area)...)
		b = append(b, ", hạn công bố là "...)
	}
	b = append(b, n.due...)
	b = append(b, '.')
	if o.last {
		if n.lang == "en" {
			b = append(b, " The latest figure is "...)
		} else {
			b = append(b, " Số liệu mới nhất: "...)
		}
		b = append(b, qualifierWord(o.qual, n.lang)...)
		b = appendQuantity(b, o.value, n.inds[o.ind].Unit, n.lang)
		b = append(b, " ("...)
		b = append(b, FormatPeriod(keyPeriod(o.key), n.lang)...)
		b = append(b, ")."...)
		b = appendSourceNote(b, n.lang, []string{o.source})
	}
	return string(b)
}

// maxSeriesID returns the highest store sequence number of the series.
func maxSeriesID(s Series) int64 {
	if s.maxID > 0 {
		return s.maxID
	}
	var m int64
	for i := 0; i < s.Len(); i++ {
		m = max(m, s.ID(i))
	}
	return m
}
