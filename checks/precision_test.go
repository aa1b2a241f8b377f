package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
)

// TestDerivedFiguresAsPrecise: a value a check derives from published
// figures — a projection, a predicted value, a threshold — is said and
// kept as precisely as those figures were published, in every language:
// "70%", not "70,33%"; 1.254 stations, not 1.253,33.
func TestDerivedFiguresAsPrecise(t *testing.T) {
	before := time.Date(2025, 6, 1, 0, 0, 0, 0, ict)
	hb := append(peersObs("stations", "2023", 1000, 2000, 500, 800, 1500, 1200, 900),
		peersObs("stations", "2024", 1050, 2080, 530, 830, 1560, 3600, 940)...)
	tests := []struct {
		name     string
		eval     func(lang string) []chiso.Finding
		expected float64
		vi, en   string // in the message
	}{
		{"a projection to the deadline", func(lang string) []chiso.Finding {
			env := targetEnv(before, ob("rate", "A1", "2022", 50, ""), ob("rate", "A1", "2023", 53, ""), ob("rate", "A1", "2024", 57, ""))
			env.Lang = lang
			return evaluate((&TargetParams{OnTrack: true}), env, Scope{Indicators: []string{"rate"}, Areas: []string{"A1"}})
		}, 80, "dự báo 60% vào năm 2025", "projected at 60% by 2025"},
		{"a ratio's predicted value", func(lang string) []chiso.Finding {
			env := synthEnv(hb...)
			env.Lang = lang
			return evaluate((&OutlierParams{Method: OutlierHB}), env, Scope{Indicators: []string{"stations"}, Areas: areasN(7)})
		}, 1253, "3.600 trạm (năm 2024) so với 1.200 trạm (năm 2023)", "3,600 stations (2024) against 1,200 stations (2023)"},
	}
	for _, tt := range tests {
		for _, lang := range []string{"vi", "en"} {
			got := tt.eval(lang)
			if len(got) != 1 {
				t.Fatalf("%s, %s: %d findings, want 1: %+v", tt.name, lang, len(got), got)
			}
			want := tt.vi
			if lang == "en" {
				want = tt.en
			}
			if f := got[0]; f.Expected != tt.expected || !strings.Contains(f.Text(), want) {
				t.Errorf("%s, %s: expected %v, want %v; message %q, want %q in it", tt.name, lang, f.Expected, tt.expected, f.Text(), want)
			}
		}
	}
}
