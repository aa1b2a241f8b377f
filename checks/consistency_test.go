package checks

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

// TestConsistencySample: the sample's parts and wholes hold — Điện Biên
// 2022 (30 ≤ 108 ≤ 129, and 108/129 = 83.7% as published) and Phú Thọ 2017
// postal points (232 + 33 ≤ 280).
func TestConsistencySample(t *testing.T) {
	env := sampleEnv(t, "vi")
	for _, e := range []string{
		"commune_radio_stations_it <= commune_radio_stations <= communes",
		"commune_radio_rate ~= 100 * commune_radio_stations / communes",
		"commune_radio_rate ≈ 100 * commune_radio_stations / communes ± 0.05",
		"commune_cultural_post_offices + post_offices_level12 <= postal_service_points",
		"communes_fixed_broadband <= communes",
	} {
		p := &ConsistencyParams{Expr: e}
		cat := sampleCatalogue(t, env)
		if errs := p.Validate(cat, RuleContext{}); len(errs) != 0 {
			t.Fatalf("%s: %+v", e, errs)
		}
		if got := evaluate(p, env, Scope{Indicators: p.Indicators(), Areas: allAreas(env.Data)}); len(got) != 0 {
			t.Errorf("%s: want no finding, got %+v", e, got)
		}
	}
}

func sampleCatalogue(t *testing.T, env Env) *chiso.Catalogue {
	t.Helper()
	return &env.Data.(*fakeData).cat
}

// consistencyCatalogue: communes, stations, it_stations, rate.
func consistencyEnv(obs ...chiso.Observation) Env {
	nan := math.NaN()
	cat := chiso.Catalogue{
		Indicators: []chiso.Indicator{
			{Code: "communes", NameEN: "Communes", Unit: "commune", Kind: chiso.KindCount, Additive: true, Min: 0, Max: nan},
			{Code: "radio", NameEN: "Communes with a radio", Unit: "commune", Kind: chiso.KindCount, Additive: true, Min: 0, Max: nan},
			{Code: "radio_it", NameEN: "Communes with an IT radio", Unit: "commune", Kind: chiso.KindCount, Additive: true, Min: 0, Max: nan},
			{Code: "radio_rate", NameEN: "Radio share", Unit: "percent", Kind: chiso.KindPercent, Min: 0, Max: 100},
		},
		Areas: []chiso.Area{{Code: "A1", Name: "Area One", Level: chiso.LevelProvince}},
	}
	return Env{Data: newFake(cat, obs), Now: evalTime, Location: ict, Lang: "en", Skips: &Skips{}}
}

// firstNamed returns the first indicator of the part of expr that contains
// frag, as written.
func firstNamed(expr, frag string, inds []string) string {
	for _, part := range strings.Split(expr, "&&") {
		if !strings.Contains(part, strings.TrimSpace(frag)) && !strings.Contains(frag, "%") {
			continue
		}
		best, at := "", len(part)
		for _, ind := range inds {
			if i := strings.Index(part, ind); i >= 0 && i < at && (i+len(ind) == len(part) || !isIdentPart(part[i+len(ind)])) {
				best, at = ind, i
			}
		}
		return best
	}
	return inds[0]
}

func isIdentPart(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func TestConsistencyCases(t *testing.T) {
	base := func(it, radio, communes float64) []chiso.Observation {
		return []chiso.Observation{ob("radio_it", "A1", "2022", it, ""), ob("radio", "A1", "2022", radio, ""), ob("communes", "A1", "2022", communes, "")}
	}
	with := func(obs []chiso.Observation, more ...chiso.Observation) []chiso.Observation {
		return append(obs, more...)
	}
	tests := []struct {
		name   string
		params ConsistencyParams
		obs    []chiso.Observation
		status chiso.Status // empty: no finding
		part   string
	}{
		{"chain holds", ConsistencyParams{Expr: "radio_it <= radio <= communes"}, base(30, 108, 129), "", ""},
		{"chain: first link fails", ConsistencyParams{Expr: "radio_it <= radio <= communes"}, base(110, 108, 129), chiso.Fail, "radio_it <= radio"},
		{"chain: second link fails", ConsistencyParams{Expr: "radio_it <= radio <= communes"}, base(30, 130, 129), chiso.Fail, "radio <= communes"},
		{"published share matches", ConsistencyParams{Expr: "radio_rate ~= 100 * radio / communes"}, with(base(30, 108, 129), ob("radio_rate", "A1", "2022", 83.7, "")), "", ""},
		{"share to whole percent matches", ConsistencyParams{Expr: "radio_rate ~= 100 * radio / communes"}, with(base(30, 108, 129), ob("radio_rate", "A1", "2022", 84, "")), "", ""},
		{"a published share against an integer quotient", ConsistencyParams{Expr: "radio_rate ~= 100 * radio / communes"}, with(base(30, 25, 100), ob("radio_rate", "A1", "2022", 25.3, "")), chiso.Fail, "~="},
		{"the same share, to the unit", ConsistencyParams{Expr: "radio_rate ~= 100 * radio / communes"}, with(base(30, 25, 100), ob("radio_rate", "A1", "2022", 25, "")), "", ""},
		{"a share impossible and inconsistent", ConsistencyParams{Expr: "radio_rate ~= 100 * radio / communes"}, with(base(30, 108, 129), ob("radio_rate", "A1", "2022", 101, "")), chiso.Fail, "101%"},
		{"share off by a tenth", ConsistencyParams{Expr: "radio_rate ~= 100 * radio / communes"}, with(base(30, 108, 129), ob("radio_rate", "A1", "2022", 83.6, "")), chiso.Fail, "radio_rate ~= 100 * radio / communes"},
		{"share with the wrong denominator", ConsistencyParams{Expr: "radio_rate ≈ 100 * radio / communes"}, with(base(30, 108, 129), ob("radio_rate", "A1", "2022", 23.3, "")), chiso.Fail, "radio_rate ≈ 100 * radio / communes"},
		{"explicit ± too tight", ConsistencyParams{Expr: "radio_rate ~= 100 * radio / communes ± 0.01"}, with(base(30, 108, 129), ob("radio_rate", "A1", "2022", 83.7, "")), chiso.Fail, "± 0.01"},
		{"approx() with a tolerance", ConsistencyParams{Expr: "approx(radio_rate, 100 * radio / communes, 0.01)"}, with(base(30, 108, 129), ob("radio_rate", "A1", "2022", 83.7, "")), chiso.Fail, "approx"},
		{"approx() qualified: indeterminate", ConsistencyParams{Expr: "radio_it <= radio && approx(radio_rate, 100 * radio / communes)"}, with(base(30, 108, 129), ob("radio_rate", "A1", "2022", 83, "over")), chiso.Indeterminate, "approx"},
		{"rule tolerance", ConsistencyParams{Expr: "radio_rate ~= 100 * radio / communes", Tolerance: ptr(0.2)}, with(base(30, 108, 129), ob("radio_rate", "A1", "2022", 83.6, "")), "", ""},
		{"over a share below its parts: indeterminate", ConsistencyParams{Expr: "radio_rate ~= 100 * radio / communes"}, with(base(30, 108, 129), ob("radio_rate", "A1", "2022", 83, "over")), chiso.Indeterminate, "~="},
		{"nearly a part above the whole: indeterminate", ConsistencyParams{Expr: "radio <= communes"},
			[]chiso.Observation{ob("radio", "A1", "2022", 135, "nearly"), ob("communes", "A1", "2022", 129, "")}, chiso.Indeterminate, "radio <= communes"},
		{"a part far above the whole, qualified: still fails", ConsistencyParams{Expr: "radio <= communes"},
			[]chiso.Observation{ob("radio", "A1", "2022", 200, "about"), ob("communes", "A1", "2022", 129, "")}, chiso.Fail, "radio <= communes"},
		{"a missing figure: the links whose figures are published are judged", ConsistencyParams{Expr: "radio_it <= radio <= communes"},
			[]chiso.Observation{ob("radio_it", "A1", "2022", 300, ""), ob("radio", "A1", "2022", 108, "")}, chiso.Fail, "radio_it <= radio"},
		{"no IT count: 131 radios in 129 communes still fail", ConsistencyParams{Expr: "radio_it <= radio <= communes"},
			[]chiso.Observation{ob("radio", "A1", "2022", 131, ""), ob("communes", "A1", "2022", 129, "")}, chiso.Fail, "radio <= communes"},
		{"a missing figure in every link: no verdict", ConsistencyParams{Expr: "radio_it <= radio <= communes"},
			[]chiso.Observation{ob("radio_it", "A1", "2022", 300, ""), ob("communes", "A1", "2022", 108, "")}, "", ""},
		{"different periods never meet", ConsistencyParams{Expr: "radio <= communes"},
			[]chiso.Observation{ob("radio", "A1", "2022", 300, ""), ob("communes", "A1", "2023", 129, "")}, "", ""},
		{"or is judged whole", ConsistencyParams{Expr: "radio <= communes || radio_it == 0"}, base(0, 130, 129), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := consistencyEnv(tt.obs...)
			if errs := tt.params.Validate(sampleCatalogue(t, env), RuleContext{}); len(errs) != 0 {
				t.Fatalf("validate: %+v", errs)
			}
			got := evaluate(&tt.params, env, Scope{Indicators: tt.params.Indicators(), Areas: []string{"A1"}})
			if tt.status == "" {
				if len(got) != 0 {
					t.Fatalf("want no finding, got %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d findings, want 1: %+v", len(got), got)
			}
			f := got[0]
			// The finding is on the first indicator the failing part names.
			wantInd, _, _ := strings.Cut(strings.TrimPrefix(tt.part, "approx("), " ")
			if !slices.Contains(tt.params.Indicators(), wantInd) {
				wantInd = firstNamed(tt.params.Expr, tt.part, tt.params.Indicators())
			}
			if f.Status != tt.status || f.Diagnosis != chiso.Inconsistent || f.Period.String() != "2022" || f.Indicator != wantInd {
				t.Errorf("got %s %s %s %s", f.Status, f.Diagnosis, f.Period, f.Indicator)
			}
			// The message says the part with names, not codes.
			cat := sampleCatalogue(t, env)
			codes, names := make([]string, len(cat.Indicators)), make([]string, len(cat.Indicators))
			for i, ind := range cat.Indicators {
				codes[i], names[i] = ind.Code, ind.NameEN
			}
			if said := sayExpression(tt.part, codes, names); !strings.Contains(f.Text(), said) {
				t.Errorf("message %q does not name %q", f.Text(), said)
			}
			if f.DataID != int64(len(tt.obs)) && f.DataID == 0 {
				t.Errorf("DataID %d", f.DataID)
			}
		})
	}
}

func TestConsistencyMissingCounted(t *testing.T) {
	env := consistencyEnv(ob("radio", "A1", "2022", 1, ""))
	p := &ConsistencyParams{Expr: "radio <= communes"}
	evaluate(p, env, Scope{Areas: []string{"A1"}})
	if env.Skips.Count(SkipMissingValues) != 1 {
		t.Errorf("missing values counted %d times, want 1", env.Skips.Count(SkipMissingValues))
	}
}

func TestConsistencyValidate(t *testing.T) {
	env := consistencyEnv()
	cat := sampleCatalogue(t, env)
	tests := []struct {
		expr    string
		offsets []int
		msg     string
	}{
		{"radio <= comunes", []int{9}, `unknown indicator "comunes"`},
		{"radioo <= radio <= comunes", []int{0, 19}, "unknown indicator"},
		{"radio + communes", []int{-1}, "must be a condition"},
		{"1 < 2", []int{-1}, "names no indicator"},
		{"radio <= (communes", []int{9}, `unclosed "("`},
		{"radio <= communes)", []int{17}, `unmatched ")"`},
		{"radio <= 'communes", []int{9}, "unterminated string"},
		{"radio <= communes @ 2", []int{18}, "unexpected character"},
		{"", []int{-1}, "empty"},
		{"radio <= communes ± 2", []int{18}, "may only follow the right side of ~="},
		{"radio <= communes <=", []int{-1}, ""},
	}
	for _, tt := range tests {
		errs := (&ConsistencyParams{Expr: tt.expr}).Validate(cat, RuleContext{})
		if len(errs) != len(tt.offsets) {
			t.Errorf("%q: got %+v, want %d errors", tt.expr, errs, len(tt.offsets))
			continue
		}
		for i, e := range errs {
			if e.Field != "expr" || !strings.Contains(e.Msg, tt.msg) || (tt.offsets[i] >= 0 && e.Offset != tt.offsets[i]) {
				t.Errorf("%q: error %d = %+v, want offset %d and %q", tt.expr, i, e, tt.offsets[i], tt.msg)
			}
		}
	}
}

func TestConsistencyIndicators(t *testing.T) {
	p := &ConsistencyParams{Expr: "radio_rate ~= 100 * radio / communes && radio <= communes && max(radio, 1) > 0"}
	if got, want := p.Indicators(), []string{"radio_rate", "radio", "communes"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Indicators() = %v, want %v", got, want)
	}
	var _ IndicatorLister = p
}

// TestSayExpression: a part of an expression is said with the indicators'
// names and the mathematical signs, leaving numbers, functions and other
// words as written.
func TestSayExpression(t *testing.T) {
	codes := []string{"radio_it", "radio", "communes", "radio_rate"}
	names := []string{"Communes with an IT radio", "Communes with a radio", "Communes", "Radio share"}
	for in, want := range map[string]string{
		"radio_it <= radio":                     "Communes with an IT radio ≤ Communes with a radio",
		"radio_rate ~= 100 * radio / communes":  "Radio share ≈ 100 * Communes with a radio / Communes",
		"radio >= 1 && radio != radio_it":       "Communes with a radio ≥ 1 && Communes with a radio ≠ Communes with an IT radio",
		"approx(radio_rate, 2) || radios2 == 0": "approx(Radio share, 2) || radios2 == 0",
	} {
		if got := sayExpression(in, codes, names); got != want {
			t.Errorf("sayExpression(%q) = %q, want %q", in, got, want)
		}
	}
}
