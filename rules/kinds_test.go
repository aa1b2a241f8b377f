package rules

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
)

// The test kinds are registered under names no real kind uses, so that the
// tests do not change when the checks package gains kinds.
func init() {
	checks.Register(checks.Kind{Name: "t_bounds", Doc: "Test kind with bounds.", NewParams: func() checks.Params { return &boundsParams{} }})
	checks.Register(checks.Kind{Name: "t_expr", Doc: "Test kind with an expression.", NewParams: func() checks.Params { return &exprParams{} }})
	checks.Register(checks.Kind{Name: "t_unprepared", Doc: "Test kind whose preparation fails.", NewParams: func() checks.Params { return &unpreparedParams{} }})
	checks.Register(checks.Kind{Name: "t_panic", Doc: "Test kind whose validation panics.", NewParams: func() checks.Params { return &panicParams{} }})
}

// boundsParams has optional bounds, a nested mapping and an inline struct.
type boundsParams struct {
	Min    *float64      `yaml:"min" json:"min"`
	Max    *float64      `yaml:"max" json:"max"`
	Window time.Duration `yaml:"window" json:"window" doc:"How far back to look."`
	Bands  struct {
		Low  float64 `yaml:"low" json:"low"`
		High float64 `yaml:"high" json:"high"`
	} `yaml:"bands" json:"bands"`
	common `yaml:",inline"`
}

// common is inlined into boundsParams.
type common struct {
	MinBase int `yaml:"min_base" json:"min_base" jsonschema:"minimum=0,enum=1,enum=10,enum=x"`
}

func (p *boundsParams) Validate(cat *chiso.Catalogue, rule checks.RuleContext) []checks.FieldError {
	var errs []checks.FieldError
	if p.Min != nil && p.Max != nil && *p.Min > *p.Max {
		errs = append(errs, checks.FieldError{Field: "max", Offset: -1, Msg: "below min"})
	}
	if p.Bands.Low > p.Bands.High {
		errs = append(errs, checks.FieldError{Field: "bands.high", Offset: -1, Msg: "below bands.low"})
	}
	if len(rule.Indicators) == 0 {
		errs = append(errs, checks.FieldError{Field: "indicator", Offset: -1, Msg: "required by t_bounds"})
	}
	if p.MinBase < 0 {
		errs = append(errs, checks.FieldError{Field: "min_base", Offset: -1, Msg: "negative"})
	}
	if p.MinBase > 1000 {
		errs = append(errs, checks.FieldError{Offset: -1, Msg: "min_base too large for any series"})
	}
	return errs
}

// exprParams has an expression whose problems have offsets.
type exprParams struct {
	Expr      string  `yaml:"expr" json:"expr"`
	Tolerance float64 `yaml:"tolerance" json:"tolerance"`
}

func (p *exprParams) Validate(cat *chiso.Catalogue, rule checks.RuleContext) []checks.FieldError {
	var errs []checks.FieldError
	if p.Expr == "" {
		errs = append(errs, checks.FieldError{Field: "expr", Offset: -1, Msg: "required"})
	}
	for off, word := range wordsAt(p.Expr) {
		if _, ok := cat.Indicator(word); !ok && !strings.ContainsAny(word[:1], "0123456789") {
			errs = append(errs, checks.FieldError{Field: "expr", Offset: off, Msg: "unknown indicator " + word})
		}
	}
	if math.IsNaN(p.Tolerance) || p.Tolerance < 0 {
		errs = append(errs, checks.FieldError{Field: "tolerance", Offset: -1, Msg: "must be ≥ 0"})
	}
	return errs
}

// wordsAt returns the identifiers of s by byte offset.
func wordsAt(s string) map[int]string {
	out := map[int]string{}
	start := -1
	for i := 0; i <= len(s); i++ {
		word := i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= '0' && s[i] <= '9')
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out[start] = s[start:i]
			start = -1
		}
	}
	return out
}

// panicParams panics in Validate, like a buggy kind.
type panicParams struct{}

func (p *panicParams) Validate(*chiso.Catalogue, checks.RuleContext) []checks.FieldError {
	panic("boom")
}

// unpreparedParams validate but cannot be prepared: the rule must be
// refused at load, not find nothing when it runs.
type unpreparedParams struct {
	Mode string `yaml:"mode" json:"mode"`
}

func (p *unpreparedParams) Validate(*chiso.Catalogue, checks.RuleContext) []checks.FieldError {
	return nil
}
func (p *unpreparedParams) Prepare() error {
	return fmt.Errorf("mode %q cannot be prepared", p.Mode)
}
func (p *unpreparedParams) Unit() checks.Unit   { return checks.BySeries }
func (p *unpreparedParams) TimeDependent() bool { return false }
func (p *unpreparedParams) Evaluate(checks.Env, checks.Scope) ([]chiso.Finding, error) {
	return nil, &checks.UnpreparedError{Check: "t_unprepared"}
}

// testCatalogue is a small catalogue for the tests.
func testCatalogue() *chiso.Catalogue {
	nan := math.NaN()
	return &chiso.Catalogue{
		Indicators: []chiso.Indicator{
			{Code: "village_mobile_broadband_coverage", Unit: "percent", Kind: chiso.KindPercent, Min: 0, Max: 100},
			{Code: "ict_revenue", Unit: "billion_vnd", Kind: chiso.KindMoney, Additive: true, Min: 0, Max: nan},
			{Code: "bts_stations", Unit: "station", Kind: chiso.KindCount, Additive: true, Min: 0, Max: nan},
			{Code: "communes", Unit: "commune", Kind: chiso.KindCount, Additive: true, Min: 0, Max: nan},
		},
		Areas: []chiso.Area{
			{Code: "VN", Name: "Việt Nam", Level: chiso.LevelCountry},
			{Code: "PT", Name: "Phú Thọ", Level: chiso.LevelProvince, Parent: "VN"},
			{Code: "VP", Name: "Vĩnh Phúc", Level: chiso.LevelProvince, Parent: "VN"},
			{Code: "DB", Name: "Điện Biên", Level: chiso.LevelProvince, Parent: "VN"},
		},
	}
}
