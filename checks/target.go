package checks

import (
	"math"
	"time"

	"github.com/chiso-vn/chiso"
)

func init() {
	Register(Kind{Name: "target",
		Doc:       "Reports indicators that missed a national or provincial target by its deadline, or (with on_track) are projected to miss it.",
		NewParams: func() Params { return &TargetParams{} }})
}

// The projections of the target check's on_track mode.
const (
	ProjectLeastSquares = "least_squares"
	ProjectLastTwo      = "last_two"
)

// TargetParams configures the target check. Targets come from the
// catalogue (Data.Targets: the area's own, else the national ones). Once a
// deadline period has ended, the figure for it is judged; when there is
// none, the latest figure before it, and the message says so. Before the
// deadline nothing is reported unless on_track is set. A series gets at
// most one finding: the one for the earliest deadline it misses.
type TargetParams struct {
	// OnTrack makes the check project the trend of like periods to the
	// deadline and warn (off_track) when the projection misses the target;
	// it needs at least two figures. False means deadlines are judged only
	// once they have passed.
	OnTrack bool `yaml:"on_track" json:"on_track,omitempty"`
	// Projection is how the trend is projected: least_squares (a straight
	// line through every like figure, the default) or last_two (through the
	// last two).
	Projection string `yaml:"projection" json:"projection,omitempty" jsonschema:"enum=least_squares,enum=last_two"`
	// Points is how many of the latest like figures the least-squares line
	// goes through (a trend from 2004 says little of 2025); unset or 0 means
	// all of them.
	Points int `yaml:"points" json:"points,omitempty"`
	// Slack is how far, as a fraction of the figure, a qualified figure
	// ("over", "nearly", "about") may lie from the true value; unset means
	// 0.1, so "over 95%" may be 100% and is indeterminate against 100%.
	Slack *float64 `yaml:"slack" json:"slack,omitempty"`
	// Tolerance is the relative tolerance of a ≈ target (0.01 is 1%); unset
	// means 0.01.
	Tolerance *float64 `yaml:"tolerance" json:"tolerance,omitempty"`
}

// Validate checks the projection name, slack and tolerance.
func (p *TargetParams) Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError {
	errs := validateSlack(p.Slack)
	errs = append(errs, needIndicators(rule)...)
	errs = append(errs, nonNegative("tolerance", p.Tolerance)...)
	switch p.Projection {
	case "", ProjectLeastSquares, ProjectLastTwo:
	default:
		errs = append(errs, fieldErr("projection", "unknown projection %q (want least_squares or last_two)", p.Projection))
	}
	if p.Projection != "" && !p.OnTrack {
		errs = append(errs, fieldErr("projection", "has no effect without on_track: true"))
	}
	if p.Points < 0 || p.Points == 1 {
		errs = append(errs, fieldErr("points", "must be 0 (all) or at least 2; got %d", p.Points))
	}
	return errs
}

// Prepare does nothing: Evaluate reads the parameters as they are.
func (p *TargetParams) Prepare() error { return nil }

// Unit is BySeries.
func (p *TargetParams) Unit() Unit { return BySeries }

// TimeDependent is true: a deadline passes with time alone.
func (p *TargetParams) TimeDependent() bool { return true }

// Evaluate judges every series of the scope against its targets.
func (p *TargetParams) Evaluate(env Env, scope Scope) ([]chiso.Finding, error) {
	out := env.findings(0)
	d := deadlines{today: localDate(env)}
	eachSeries(env, scope, func(ind chiso.Indicator, s Series) {
		if f, ok := p.judgeSeries(env, ind, s, &d); ok {
			out = append(out, f)
		}
	})
	return out, nil
}

// judgeSeries returns the finding for the earliest deadline the series
// misses, if any.
func (p *TargetParams) judgeSeries(env Env, ind chiso.Indicator, s Series, d *deadlines) (chiso.Finding, bool) {
	var best chiso.Finding
	var bestDeadline chiso.Period
	area, known := env.Data.Area(s.Area)
	for _, t := range env.Data.Targets(ind.Code, s.Area) {
		if known && !area.HoldsAt(t.Period) {
			continue // the area that exists at the deadline answers for it: Phú Yên owes no 2025 figure
		}
		var f chiso.Finding
		var ok bool
		if d.passed(t.Period) {
			f, ok = p.judgeDeadline(env, ind, s, t)
		} else if p.OnTrack {
			f, ok = p.judgeTrend(env, ind, s, t)
		}
		if ok && (bestDeadline.IsZero() || t.Period.Before(bestDeadline)) {
			best, bestDeadline = f, t.Period
		}
	}
	return best, !bestDeadline.IsZero()
}

// deadlines tells which deadline periods have ended by the evaluation's
// date, remembering the periods it was asked about.
type deadlines struct {
	today time.Time // Now's calendar date in the configured zone, as midnight UTC
	seen  []chiso.Period
	ended []bool
}

// passed reports whether the period has ended by today.
func (d *deadlines) passed(p chiso.Period) bool {
	for i, q := range d.seen {
		if q == p {
			return d.ended[i]
		}
	}
	ended := !d.today.Before(p.End())
	if len(d.seen) < 16 {
		d.seen, d.ended = append(d.seen, p), append(d.ended, ended)
	}
	return ended
}

// localDate returns Now's calendar date in Location, as midnight UTC (the
// convention of chiso.Period's Start and End).
func localDate(env Env) time.Time {
	loc := env.Location
	if loc == nil {
		loc = time.UTC
	}
	n := env.Now.In(loc)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

func (p *TargetParams) tolerance() float64 { return orDefault(p.Tolerance, 0.01) }

// judgeDeadline judges the figure for a deadline that has passed, or the
// latest figure before it when there is none.
func (p *TargetParams) judgeDeadline(env Env, ind chiso.Indicator, s Series, t chiso.Target) (chiso.Finding, bool) {
	i, stale := s.Find(t.Period), false
	if i < 0 {
		i, stale = s.latestBefore(t.Period), true
	}
	if i < 0 {
		env.skip(SkipNoData)
		return chiso.Finding{}, false
	}
	pt := s.point(i)
	iv, possible := figure(pt.value, pt.qual, slackOr(p.Slack)).clip(ind.At(pt.period))
	if !possible {
		return chiso.Finding{}, false // an impossible figure is the range check's finding
	}
	v := iv.meets(t.Op, t.Value, p.tolerance())
	if v == holds {
		return chiso.Finding{}, false
	}
	msg := env.trs("%s của %s: %s (%s) chưa đạt mục tiêu %s %s vào %s.",
		"%s in %s: %s (%s) misses the target %s %s by %s.",
		env.indName(ind.Code), env.areaName(s.Area), env.fig(pt, ind), env.period(pt.period),
		opSymbol(t.Op), env.qty(t.Value, ind), env.period(t.Period))
	if v == unsure {
		msg = env.trs("%s của %s: %s (%s) — chưa thể kết luận có đạt mục tiêu %s %s vào %s hay không, vì giá trị thật có thể ở hai phía của mục tiêu.",
			"%s in %s: %s (%s) — cannot tell whether it meets the target %s %s by %s, since the true value may lie on either side of it.",
			env.indName(ind.Code), env.areaName(s.Area), env.fig(pt, ind), env.period(pt.period),
			opSymbol(t.Op), env.qty(t.Value, ind), env.period(t.Period))
	}
	if stale {
		msg += env.trs(" Chưa có số liệu %s; đã dùng số liệu mới nhất trước hạn (%s).",
			" There is no figure for %s; the latest figure before the deadline (%s) was used.",
			env.period(t.Period), env.period(pt.period))
	}
	msg += env.provisionalNote(pt) + env.targetSource(t, s.Area) + env.sourceNote(pt.source)
	return chiso.Finding{Diagnosis: chiso.BelowTarget, Status: statusOf(v), Indicator: ind.Code, Area: s.Area,
		Period: pt.period, Value: pt.value, Qualifier: pt.qual, Expected: t.Value, Message: msg, Source: pt.source, DataID: pt.id}, true
}

// opSymbol writes a comparator as people read it: ≥, >, ≤, <, ≈.
func opSymbol(op chiso.Op) string {
	switch op {
	case chiso.OpGE:
		return "≥"
	case chiso.OpLE:
		return "≤"
	}
	return string(op)
}

// targetSource cites the decision that set the target, and the area it
// was set for when area inherited it from a predecessor.
func (e Env) targetSource(t chiso.Target, area string) string {
	inherited := ""
	if t.Area != chiso.AnyArea && t.Area != area {
		inherited = e.trs(" Mục tiêu này đặt cho %s, địa bàn tiền thân của %s.", " The target was set for %s, which %s succeeded.",
			e.areaName(t.Area), e.areaName(area))
	}
	return inherited + e.targetCitation(t)
}

// targetCitation cites the decision that set the target.
func (e Env) targetCitation(t chiso.Target) string {
	if t.Source == "" {
		return ""
	}
	if d := t.Description(e.Lang); d != "" {
		return e.trs(" Mục tiêu theo %s: %s.", " Target set by %s: %s.", t.Source, d)
	}
	return e.trs(" Mục tiêu theo %s.", " Target set by %s.", t.Source)
}

// judgeTrend projects the like figures up to the deadline and reports a
// projection that misses the target.
func (p *TargetParams) judgeTrend(env Env, ind chiso.Indicator, s Series, t chiso.Target) (chiso.Finding, bool) {
	deadline, n := chiso.PeriodKey(t.Period.Key()), 0
	for i := range s.keys { // the like periods up to the deadline, from the keys
		if k := s.key(i); k.IsLike(deadline) && k.Year() <= t.Period.Year {
			n++
		}
	}
	if n < 2 {
		env.skip(SkipTooLittleHistory)
		return chiso.Finding{}, false
	}
	var pts []point
	for i := 0; i < s.Len(); i++ {
		if q := s.Period(i); q.Kind == t.Period.Kind && q.N == t.Period.N && q.Compare(t.Period) <= 0 {
			pts = append(pts, s.point(i))
		}
	}
	if len(pts) < 2 {
		env.skip(SkipTooLittleHistory)
		return chiso.Finding{}, false
	}
	if p.Points >= 2 && len(pts) > p.Points {
		pts = pts[len(pts)-p.Points:]
	}
	w := projectionWeights(pts, t.Period, p.Projection == ProjectLastTwo)
	raw := project(pts, w, slackOr(p.Slack))
	ind = ind.At(t.Period) // the bounds of the deadline's period
	iv, possible := raw.clip(ind)
	if !possible { // the trend runs past the possible values: it ends at the bound
		b := ind.Min
		if !math.IsNaN(ind.Max) && raw.lo >= ind.Max {
			b = ind.Max
		}
		iv = interval{lo: b, hi: b}
	}
	v := iv.meets(t.Op, t.Value, p.tolerance())
	if v == holds {
		return chiso.Finding{}, false
	}
	return p.offTrack(env, ind, s.Area, pts, (iv.lo+iv.hi)/2, t, v), true
}

// offTrack builds the off_track finding.
func (p *TargetParams) offTrack(env Env, ind chiso.Indicator, area string, pts []point, proj float64, t chiso.Target, v verdict) chiso.Finding {
	last := pts[len(pts)-1]
	msg := env.trs("%s của %s: theo xu hướng từ %s đến %s (mới nhất %s), dự báo %s vào %s, không đạt mục tiêu %s %s.",
		"%s in %s: on the trend from %s to %s (latest %s), it is projected at %s by %s, missing the target %s %s.",
		env.indName(ind.Code), env.areaName(area), env.period(pts[0].period), env.period(last.period),
		env.fig(last, ind), env.qty(roundToFigures(proj, values(pts)...), ind), env.period(t.Period), opSymbol(t.Op), env.qty(t.Value, ind))
	if v == unsure {
		msg += env.trs(" Vì số liệu có định tính (trên/gần/khoảng), chưa thể kết luận.",
			" The qualified figures (over/nearly/about) leave the verdict open.")
	}
	sources := make([]string, len(pts))
	for i, q := range pts {
		sources[i] = q.source
	}
	msg += env.provisionalNote(last) + env.targetSource(t, area) + env.sourceNote(sources...)
	return chiso.Finding{Diagnosis: chiso.OffTrack, Status: statusOf(v), Indicator: ind.Code, Area: area,
		Period: last.period, Value: last.value, Qualifier: last.qual, Expected: t.Value, Message: msg, Source: last.source, DataID: maxID(pts...)}
}

// projectionWeights returns w such that the projection to the deadline is
// Σ w[i]·y[i]: least squares through every point, or the line through the
// last two. The x axis is years since the first point.
func projectionWeights(pts []point, deadline chiso.Period, lastTwo bool) []float64 {
	w := make([]float64, len(pts))
	x := make([]float64, len(pts))
	for i, q := range pts {
		x[i] = pts[0].period.YearsBetween(q.period)
	}
	xd := pts[0].period.YearsBetween(deadline)
	if lastTwo {
		n := len(pts)
		k := (xd - x[n-1]) / (x[n-1] - x[n-2])
		w[n-1], w[n-2] = 1+k, -k
		return w
	}
	var mean, sxx float64
	for _, xi := range x {
		mean += xi / float64(len(x))
	}
	for _, xi := range x {
		sxx += (xi - mean) * (xi - mean)
	}
	for i, xi := range x {
		w[i] = 1/float64(len(x)) + (xi-mean)*(xd-mean)/sxx
	}
	return w
}

// project returns the projections the figures allow: the weighted sum at
// the ends of every figure's interval that make it smallest and largest.
func project(pts []point, w []float64, slack float64) interval {
	var iv interval
	for i, q := range pts {
		f := figure(q.value, q.qual, slack)
		if w[i] >= 0 {
			iv.lo, iv.hi = iv.lo+w[i]*f.lo, iv.hi+w[i]*f.hi
		} else {
			iv.lo, iv.hi = iv.lo+w[i]*f.hi, iv.hi+w[i]*f.lo
		}
	}
	return iv
}
