package checks

import (
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

// TestDefinitionSample: Phú Thọ reported 2,500 BTS stations for 2017 and
// "nearly 1,900" sites for 2024 — a definition change, not a 24% drop; and
// change and monotonic, which never compare two indicators, stay silent.
func TestDefinitionSample(t *testing.T) {
	env := sampleEnv(t, "en")
	p := &DefinitionParams{Alternatives: []string{"bts_stations", "bts_sites"}}
	if errs := p.Validate(&env.Data.(*fakeData).cat, RuleContext{}); len(errs) != 0 {
		t.Fatal(errs)
	}
	got := evaluate(p, env, Scope{Indicators: p.Indicators(), Areas: allAreas(env.Data)})
	if len(got) != 1 {
		t.Fatalf("got %+v, want one finding", got)
	}
	f := got[0]
	if f.Area != "PT" || f.Diagnosis != chiso.DefinitionChange || f.Indicator != "bts_sites" || !f.Period.IsZero() || f.Value != 1900 {
		t.Errorf("got %s %s %s %s %g", f.Area, f.Diagnosis, f.Indicator, f.Period, f.Value)
	}
	for _, s := range []string{"nearly 1,900 sites", "2,500 stations", "2017", "2024", "change of definition"} {
		if !strings.Contains(f.Text(), s) {
			t.Errorf("message %q lacks %q", f.Text(), s)
		}
	}
	scope := Scope{Indicators: []string{"bts_stations", "bts_sites"}, Areas: []string{"PT"}}
	if n := len(evaluate((&ChangeParams{MaxDecrease: ptr(0.1)}), env, scope)) + len(evaluate((&MonotonicParams{}), env, scope)); n != 0 {
		t.Errorf("change or monotonic compared stations with sites: %d findings", n)
	}
}

func TestDefinitionCases(t *testing.T) {
	alts := []string{"stations", "sites"}
	tests := []struct {
		name string
		alts []string
		obs  []chiso.Observation
		want string // indicator of the finding; empty: none
	}{
		{"one definition throughout", alts, []chiso.Observation{ob("stations", "A1", "2020", 1, ""), ob("stations", "A1", "2024", 2, "")}, ""},
		{"switched to sites", alts, []chiso.Observation{ob("stations", "A1", "2020", 1, ""), ob("sites", "A1", "2024", 2, "")}, "sites"},
		{"switched back to stations", alts, []chiso.Observation{ob("sites", "A1", "2020", 1, ""), ob("stations", "A1", "2024", 2, "")}, "stations"},
		{"both reported for the earlier year", alts, []chiso.Observation{ob("stations", "A1", "2020", 1, ""), ob("sites", "A1", "2020", 1, ""), ob("sites", "A1", "2024", 2, "")}, ""},
		{"method change", []string{"rate"}, []chiso.Observation{withMethod(ob("rate", "A1", "2023", 10, ""), "mic"), withMethod(ob("rate", "A1", "2024", 14, ""), "gso")}, "rate"},
		{"no data", alts, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := synthEnv(tt.obs...)
			p := &DefinitionParams{Alternatives: tt.alts}
			got := evaluate(p, env, Scope{Areas: []string{"A1"}})
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("want no finding, got %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Indicator != tt.want || got[0].Diagnosis != chiso.DefinitionChange {
				t.Fatalf("got %+v, want one definition change on %s", got, tt.want)
			}
		})
	}
}

func TestDefinitionValidate(t *testing.T) {
	cat := smallCatalogue()
	for _, alts := range [][]string{nil, {"stations", "towers"}, {"stations", "stations"}} {
		if errs := (&DefinitionParams{Alternatives: alts}).Validate(&cat, RuleContext{}); len(errs) != 1 {
			t.Errorf("%v: got %+v, want one error", alts, errs)
		}
	}
}
