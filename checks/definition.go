package checks

import (
	"math"

	"github.com/chiso-vn/chiso"
)

func init() {
	Register(Kind{Name: "definition",
		Doc:       "Reports areas whose latest figure uses another definition (indicator) or method than the earlier ones, so that a drop across definitions is not read as a change.",
		NewParams: func() Params { return &DefinitionParams{} }})
}

// DefinitionParams configures the definition check: indicators that are
// alternative definitions of one thing (BTS stations and BTS sites). An
// area whose latest figure is in one of them while its earlier figures
// were in another gets an informative finding, "definition change", rather
// than a change or a decrease (which never compare two indicators anyway).
// The latest figure's method is also compared with the previous figure of
// the same indicator: a change of method (mic → gso) is reported the same
// way.
type DefinitionParams struct {
	// Alternatives are the indicator codes that define the same thing
	// differently, e.g. [bts_stations, bts_sites]; one code checks only
	// its method changes.
	Alternatives []string `yaml:"alternatives" json:"alternatives"`
}

// Indicators returns the alternatives.
func (p *DefinitionParams) Indicators() []string { return p.Alternatives }

// Validate checks that the alternatives are known and distinct.
func (p *DefinitionParams) Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError {
	if len(p.Alternatives) == 0 {
		return []FieldError{fieldErr("alternatives", "list the indicators that define the same thing, e.g. [bts_stations, bts_sites]")}
	}
	errs := knownIndicators(cat, "alternatives", p.Alternatives)
	for i, a := range p.Alternatives {
		if contains(p.Alternatives[:i], a) {
			errs = append(errs, fieldErr("alternatives", "%q is listed twice", a))
		}
	}
	return errs
}

// Prepare does nothing: Evaluate reads the parameters as they are.
func (p *DefinitionParams) Prepare() error { return nil }

// Unit is ByArea: findings depend on several indicators of one area.
func (p *DefinitionParams) Unit() Unit { return ByArea }

// TimeDependent is false.
func (p *DefinitionParams) TimeDependent() bool { return false }

// Evaluate reports, per area, a latest figure in another definition or
// method than the figure before it.
func (p *DefinitionParams) Evaluate(env Env, scope Scope) ([]chiso.Finding, error) {
	out := env.findings(0)
	for _, area := range scope.Areas {
		series := make([]Series, len(p.Alternatives))
		for i, code := range p.Alternatives {
			series[i] = env.Data.Series(code, area)
		}
		if f, ok := p.judge(env, area, series); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// judge compares the latest figure of the area with the one before it.
func (p *DefinitionParams) judge(env Env, area string, series []Series) (chiso.Finding, bool) {
	x := -1 // the series holding the latest figure
	for i, s := range series {
		if s.Len() > 0 && (x < 0 || series[x].Period(series[x].Len()-1).Before(s.Period(s.Len()-1))) {
			x = i
		}
	}
	if x < 0 {
		return chiso.Finding{}, false
	}
	sx := series[x]
	latest := sx.point(sx.Len() - 1)
	if y, j := p.earlierDefinition(series, x, latest.period); y >= 0 {
		return p.definitionChange(env, area, sx.Indicator, latest, series[y].Indicator, series[y].point(j)), true
	}
	if sx.Len() > 1 {
		if prev := sx.point(sx.Len() - 2); prev.method != latest.method {
			return p.methodChange(env, area, sx.Indicator, latest, prev), true
		}
	}
	return chiso.Finding{}, false
}

// earlierDefinition finds the latest figure of another alternative before
// per for a period the latest definition has no figure for: it returns the
// series and point indexes, or -1.
func (p *DefinitionParams) earlierDefinition(series []Series, x int, per chiso.Period) (int, int) {
	y, j := -1, -1
	for i, s := range series {
		if i == x {
			continue
		}
		for k := s.Len() - 1; k >= 0; k-- {
			q := s.Period(k)
			if q.Before(per) && series[x].Find(q) < 0 {
				if y < 0 || series[y].Period(j).Before(q) {
					y, j = i, k
				}
				break
			}
		}
	}
	return y, j
}

// definitionChange builds the finding for figures in two definitions.
func (p *DefinitionParams) definitionChange(env Env, area, xCode string, latest point, yCode string, earlier point) chiso.Finding {
	xi, _ := env.Data.Indicator(xCode)
	yi, _ := env.Data.Indicator(yCode)
	msg := env.tr("%s: số liệu mới nhất (%s) là %s theo định nghĩa “%s”, còn số liệu trước đó (%s) là %s theo định nghĩa “%s”. Hai định nghĩa khác nhau nên không so sánh được: đây là thay đổi định nghĩa, không phải tăng hay giảm.",
		"%s: the latest figure (%s) is %s as “%s”, while the earlier one (%s) is %s as “%s”. The definitions differ, so the figures are not comparable: this is a change of definition, not a rise or a fall.",
		env.areaName(area), env.period(latest.period), env.fig(latest, xi), env.indName(xCode),
		env.period(earlier.period), env.fig(earlier, yi), env.indName(yCode))
	msg += env.sourceNote(latest.source, earlier.source)
	return chiso.Finding{Diagnosis: chiso.DefinitionChange, Status: chiso.Fail, Indicator: xCode, Area: area,
		Value: latest.value, Qualifier: latest.qual, Expected: math.NaN(), Message: msg, Source: latest.source, DataID: max(latest.id, earlier.id)}
}

// methodChange builds the finding for a change of method within a series.
func (p *DefinitionParams) methodChange(env Env, area, code string, latest, prev point) chiso.Finding {
	ind, _ := env.Data.Indicator(code)
	msg := env.tr("%s của %s: số liệu %s (%s) theo phương pháp “%s”, số liệu %s (%s) theo phương pháp “%s”; hai số liệu không so sánh trực tiếp được.",
		"%s in %s: the %s figure (%s) uses method “%s”, the %s figure (%s) method “%s”; they are not directly comparable.",
		env.indName(code), env.areaName(area), env.period(latest.period), env.fig(latest, ind), methodName(latest.method),
		env.period(prev.period), env.fig(prev, ind), methodName(prev.method))
	msg += env.sourceNote(latest.source, prev.source)
	return chiso.Finding{Diagnosis: chiso.DefinitionChange, Status: chiso.Fail, Indicator: code, Area: area,
		Value: latest.value, Qualifier: latest.qual, Expected: math.NaN(), Message: msg, Source: latest.source, DataID: max(latest.id, prev.id)}
}

func methodName(m string) string {
	if m == "" {
		return "default"
	}
	return m
}
