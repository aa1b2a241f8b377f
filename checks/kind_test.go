package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

// oneIndicator is a rule naming one indicator, for Validate tests.
var oneIndicator = RuleContext{Indicators: []string{"rate"}}

// TestKindsRegistered: every kind is registered with a doc sentence, and
// its parameters are a fresh pointer to an Evaluator whose exported fields
// all carry yaml and json tags.
func TestKindsRegistered(t *testing.T) {
	want := []string{"change", "consistency", "definition", "freshness", "monotonic", "outlier", "range", "scale", "target"}
	var got []string
	for _, k := range Kinds() {
		got = append(got, k.Name)
		if !strings.HasSuffix(k.Doc, ".") {
			t.Errorf("%s: doc %q is not a sentence", k.Name, k.Doc)
		}
		p := k.NewParams()
		if _, ok := p.(Evaluator); !ok {
			t.Errorf("%s: params %T are no Evaluator", k.Name, p)
		}
		if p == k.NewParams() {
			t.Errorf("%s: NewParams returns a shared value", k.Name)
		}
		typ := reflect.TypeOf(p).Elem()
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.IsExported() && (f.Tag.Get("yaml") == "" || f.Tag.Get("json") == "") {
				t.Errorf("%s: field %s lacks yaml or json tag", k.Name, f.Name)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
}

// TestKindsNeedIndicators: the kinds that judge the rule's indicators
// refuse a rule without any; consistency and definition name their own.
func TestKindsNeedIndicators(t *testing.T) {
	cat := smallCatalogue()
	for _, k := range Kinds() {
		p := k.NewParams()
		switch k.Name {
		case "change":
			p.(*ChangeParams).MaxIncrease = ptr(1)
		case "consistency":
			p.(*ConsistencyParams).Expr = "stations <= sites"
		case "definition":
			p.(*DefinitionParams).Alternatives = []string{"stations", "sites"}
		}
		errs := p.Validate(&cat, RuleContext{})
		names := k.Name == "consistency" || k.Name == "definition"
		if names != (len(errs) == 0) {
			t.Errorf("%s without indicators: %+v", k.Name, errs)
		}
		if errs := p.Validate(&cat, RuleContext{Indicators: []string{"stations"}}); len(errs) != 0 {
			t.Errorf("%s with an indicator: %+v", k.Name, errs)
		}
	}
}

// TestEveryFindingHasProvenance runs every kind over the sample and checks
// what the engine relies on: the fields a check fills.
func TestEveryFindingHasProvenance(t *testing.T) {
	env := sampleEnv(t, "en")
	cat := &env.Data.(*fakeData).cat
	var all []string
	for _, ind := range cat.Indicators {
		all = append(all, ind.Code)
	}
	params := []Evaluator{&RangeParams{}, &TargetParams{OnTrack: true}, &ChangeParams{MaxIncrease: ptr(0.3), MaxDecrease: ptr(0.3)},
		&ScaleParams{}, &MonotonicParams{}, &FreshnessParams{}, &OutlierParams{MinAreas: intPtr(3)},
		&ConsistencyParams{Expr: "commune_radio_stations_it <= commune_radio_stations <= communes"},
		&DefinitionParams{Alternatives: []string{"bts_stations", "bts_sites"}}}
	n := 0
	for _, p := range params {
		for _, f := range evaluate(p, env, Scope{Indicators: all, Areas: allAreas(env.Data)}) {
			n++
			if f.Diagnosis == "" || f.Status == "" || f.Indicator == "" || f.Area == "" || f.Text() == "" || f.DataID == 0 {
				t.Errorf("%T: incomplete finding %+v", p, f)
			}
			if f.Diagnosis.PointDiagnosis() && f.Period.IsZero() {
				t.Errorf("%T: point finding without a period: %+v", p, f)
			}
			if f.Rule != "" || f.Severity != "" {
				t.Errorf("%T: fills what the engine owns: %+v", p, f)
			}
			if _, ok := cat.Indicator(f.Indicator); !ok {
				t.Errorf("%T: unknown indicator %q", p, f.Indicator)
			}
		}
	}
	if n == 0 {
		t.Error("no findings at all")
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v          float64
		unit, lang string
		want       string
	}{
		{183001, "billion_vnd", "vi", "183.001 tỷ đồng"},
		{183001, "billion_vnd", "en", "183,001 billion VND"},
		{81.7, "percent", "vi", "81,7%"},
		{81.7, "percent", "en", "81.7%"},
		{1307.44, "billion_vnd", "vi", "1.307,44 tỷ đồng"},
		{8.6, "billion_usd", "en", "8.6 billion USD"},
		{2500, "station", "vi", "2.500 trạm"},
		{1300000, "card", "en", "1,300,000 cards"},
		{6, "rank", "vi", "hạng 6"},
		{83.72093023, "percent", "vi", "83,72%"},
		{-1234.5, "widget", "en", "-1,234.5 widget"},
		{0.00012, "", "en", "0.00012"},
		{100, "percent", "vi", "100%"},
	}
	for _, tt := range tests {
		if got := FormatQuantity(tt.v, tt.unit, tt.lang); got != tt.want {
			t.Errorf("FormatQuantity(%g, %s, %s) = %q, want %q", tt.v, tt.unit, tt.lang, got, tt.want)
		}
	}
	for _, tt := range []struct{ p, vi, en string }{
		{"2024", "năm 2024", "2024"}, {"2023-H1", "6 tháng đầu năm 2023", "H1 2023"},
		{"2023-H2", "6 tháng cuối năm 2023", "H2 2023"}, {"2024-Q3", "quý 3/2024", "Q3 2024"}, {"2023-08", "tháng 8/2023", "August 2023"},
	} {
		p := chiso.MustParsePeriod(tt.p)
		if FormatPeriod(p, "vi") != tt.vi || FormatPeriod(p, "en") != tt.en {
			t.Errorf("FormatPeriod(%s) = %q, %q", tt.p, FormatPeriod(p, "vi"), FormatPeriod(p, "en"))
		}
	}
}

func TestSkipsNil(t *testing.T) {
	var s *Skips
	s.Add(SkipNoData)
	if s.Count(SkipNoData) != 0 || s.Reasons() != nil {
		t.Error("a nil Skips counted")
	}
}
