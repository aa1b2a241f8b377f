package checks

import (
	"github.com/chiso-vn/chiso"
)

func init() {
	Register(Kind{Name: "monotonic",
		Doc:       "Reports decreases of cumulative indicators between like periods, lineage- and method-aware like change.",
		NewParams: func() Params { return &MonotonicParams{} }})
}

// MonotonicParams configures the monotonic check, for cumulative
// indicators (accounts opened, cards issued) that cannot go down. Each
// figure is compared with the previous like period's as the change check
// does (a merged area with its predecessors' sum; never across methods). A
// decrease that every true value the qualifiers allow would make fails; one
// that only some would make ("hơn 1,3 triệu" after 1.320.000, "nearly
// 1,900" after "over 1,890") is indeterminate: shown, and alerted only with
// alert_indeterminate, as for every other check.
type MonotonicParams struct {
	// Tolerance is the largest decrease, as a fraction of the earlier
	// figure, that is let pass (rounding between publications); unset
	// means 0.
	Tolerance *float64 `yaml:"tolerance" json:"tolerance,omitempty"`
	// Slack is how far, as a fraction of the figure, a qualified figure may
	// lie from the true value; unset means 0.1.
	Slack *float64 `yaml:"slack" json:"slack,omitempty"`
}

// Validate checks the tolerance and slack.
func (p *MonotonicParams) Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError {
	errs := validateSlack(p.Slack)
	errs = append(errs, needIndicators(rule)...)
	if p.Tolerance != nil && (*p.Tolerance < 0 || *p.Tolerance >= 1) {
		errs = append(errs, fieldErr("tolerance", "must be a fraction in [0, 1), e.g. 0.01 for 1%%; got %g", *p.Tolerance))
	}
	return errs
}

// Prepare does nothing: Evaluate reads the parameters as they are.
func (p *MonotonicParams) Prepare() error { return nil }

// Unit is BySeries (and the predecessors' series, for merged areas).
func (p *MonotonicParams) Unit() Unit { return BySeries }

// TimeDependent is false.
func (p *MonotonicParams) TimeDependent() bool { return false }

// Evaluate judges every figure of the scope against its base.
func (p *MonotonicParams) Evaluate(env Env, scope Scope) ([]chiso.Finding, error) {
	out := env.findings(0)
	slack, tol := slackOr(p.Slack), orDefault(p.Tolerance, 0)
	eachSeries(env, scope, func(ind chiso.Indicator, s Series) {
		for i := 0; i < s.Len(); i++ {
			cur := s.point(i)
			b, reason, ok := baseline(env, &ind, &s, i)
			if !ok {
				env.skip(reason)
				continue
			}
			c, _ := figure(cur.value, cur.qual, slack).clip(ind)
			if v := c.atLeast(b.interval(slack).lo * (1 - tol)); v != holds {
				out = append(out, decrease(env, ind, s.Area, cur, b, v))
			}
		}
	})
	return out, nil
}

// decrease builds the decrease finding: a certain fall (v fails) or one the
// qualifiers allow (unsure).
func decrease(env Env, ind chiso.Indicator, area string, cur point, b base, v verdict) chiso.Finding {
	msg := env.trs("%s của %s giảm từ %s (%s) xuống %s (%s), trong khi đây là chỉ tiêu lũy kế, không thể giảm.",
		"%s in %s fell from %s (%s) to %s (%s), though it is cumulative and cannot decrease.",
		env.indName(ind.Code), env.areaName(area), env.fig(b.point, ind), env.describe(b), env.fig(cur, ind), env.period(cur.period))
	if v == unsure {
		msg = env.trs("%s của %s: %s (%s) sau %s (%s) có thể là đã giảm, nhưng các số liệu có định tính cho phép cả hai khả năng; chỉ tiêu lũy kế không thể giảm, cần số liệu chính xác để kết luận.",
			"%s in %s: %s (%s) after %s (%s) may be a fall, but the qualified figures allow either; a cumulative indicator cannot decrease, and exact figures would tell.",
			env.indName(ind.Code), env.areaName(area), env.fig(cur, ind), env.period(cur.period), env.fig(b.point, ind), env.describe(b))
	}
	msg += env.provisionalNote(cur) + env.sourceNote(cur.source, b.source)
	return chiso.Finding{Diagnosis: chiso.Decrease, Status: statusOf(v), Indicator: ind.Code, Area: area,
		Period: cur.period, Value: cur.value, Qualifier: cur.qual, Expected: b.value, Message: msg, Source: cur.source, DataID: max(cur.id, b.id)}
}
