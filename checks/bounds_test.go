package checks

import (
	"math"
	"testing"

	"github.com/chiso-vn/chiso"
)

// TestQualifierTruthTable judges qualified figures against targets: the
// spec's cases (Điện Biên "over 95" vs 100, Phú Thọ "over 81.7" vs 80) and
// every qualifier on both sides of a target.
func TestQualifierTruthTable(t *testing.T) {
	pct := chiso.Indicator{Kind: chiso.KindPercent, Min: 0, Max: 100}
	count := chiso.Indicator{Kind: chiso.KindCount, Min: 0, Max: math.NaN()}
	tests := []struct {
		name string
		ind  chiso.Indicator
		v    float64
		q    chiso.Qualifier
		op   chiso.Op
		t    float64
		want verdict
	}{
		{"ĐB over 95 vs >=100", pct, 95, chiso.Over, chiso.OpGE, 100, unsure},
		{"PT over 81.7 vs >=80", pct, 81.7, chiso.Over, chiso.OpGE, 80, holds},
		{"over exactly the target", pct, 80, chiso.Over, chiso.OpGE, 80, holds},
		{"over, far below the target", pct, 50, chiso.Over, chiso.OpGE, 80, fails},
		{"over on >", pct, 80, chiso.Over, chiso.OpGT, 80, holds},
		{"over on <=: may exceed the ceiling", pct, 79, chiso.Over, chiso.OpLE, 80, unsure},
		{"over on <= at the ceiling", pct, 80, chiso.Over, chiso.OpLE, 80, fails},
		{"nearly, just above the target", pct, 81, chiso.Nearly, chiso.OpGE, 80, unsure},
		{"nearly, far above the target", pct, 99, chiso.Nearly, chiso.OpGE, 80, holds},
		{"nearly the target: gần 80% has not reached 80%", pct, 80, chiso.Nearly, chiso.OpGE, 80, fails},
		{"nearly the target on >", pct, 80, chiso.Nearly, chiso.OpGT, 80, fails},
		{"nearly the target on <", pct, 80, chiso.Nearly, chiso.OpLT, 80, holds},
		{"over on < at the figure", pct, 80, chiso.Over, chiso.OpLT, 80, fails},
		{"about on <= at the figure: either side", pct, 80, chiso.About, chiso.OpLE, 80, unsure},
		{"about on < at the lower edge", pct, 88.9, chiso.About, chiso.OpLT, 80, fails},
		{"exact on <=", pct, 80, chiso.Exact, chiso.OpLE, 80, holds},
		{"exact on <", pct, 80, chiso.Exact, chiso.OpLT, 80, fails},
		{"≈ nearly just outside the band: the open end excluded", count, 1100, chiso.Nearly, chiso.OpApprox, 1000, unsure},
		{"≈ over at the band's edge: open, so outside", count, 1010, chiso.Over, chiso.OpApprox, 1000, fails},
		{"nearly, below the target", pct, 79, chiso.Nearly, chiso.OpGE, 80, fails},
		{"nearly on <=", pct, 80, chiso.Nearly, chiso.OpLE, 80, holds},
		{"about the target", pct, 80, chiso.About, chiso.OpGE, 80, unsure},
		{"about, well above", pct, 95, chiso.About, chiso.OpGE, 80, holds},
		{"exact below", pct, 79.9, chiso.Exact, chiso.OpGE, 80, fails},
		{"exact at", pct, 80, chiso.Exact, chiso.OpGE, 80, holds},
		{"exact on >", pct, 80, chiso.Exact, chiso.OpGT, 80, fails},
		{"estimate below: a failure, said to be an estimate", pct, 74, chiso.Estimate, chiso.OpGE, 80, fails},
		{"preliminary above", pct, 85, chiso.Preliminary, chiso.OpGE, 80, holds},
		{"derived below", pct, 70, chiso.Derived, chiso.OpGE, 80, fails},
		{"≈ within 1%", count, 1005, chiso.Exact, chiso.OpApprox, 1000, holds},
		{"≈ outside 1%", count, 1100, chiso.Exact, chiso.OpApprox, 1000, fails},
		{"≈ about straddles", count, 1000, chiso.About, chiso.OpApprox, 1000, unsure},
		{"< exact", count, 5, chiso.Exact, chiso.OpLT, 5, fails},
		{"< nearly: below by definition", count, 5, chiso.Nearly, chiso.OpLT, 5, holds},
	}
	for _, tt := range tests {
		iv, ok := figure(tt.v, tt.q, DefaultSlack).clip(tt.ind)
		if !ok {
			t.Errorf("%s: figure clipped away", tt.name)
			continue
		}
		if got := iv.meets(tt.op, tt.t, 0.01); got != tt.want {
			t.Errorf("%s: %s %g %s %g = %v, want %v (interval %+v)", tt.name, tt.q, tt.v, tt.op, tt.t, got, tt.want, iv)
		}
	}
}

// TestFigureClip checks which qualified figures are possible at all.
func TestFigureClip(t *testing.T) {
	pct := chiso.Indicator{Kind: chiso.KindPercent, Min: 0, Max: 100}
	count := chiso.Indicator{Kind: chiso.KindCount, Min: 0, Max: math.NaN()}
	tests := []struct {
		ind  chiso.Indicator
		v    float64
		q    chiso.Qualifier
		want bool
	}{
		{pct, 100, chiso.Over, false}, // over 100% cannot be
		{pct, 100, chiso.Exact, true},
		{pct, 100, chiso.Nearly, true},
		{pct, 99, chiso.Over, true},
		{pct, 101, chiso.Nearly, true}, // it may be 100
		{pct, 120, chiso.Nearly, false},
		{pct, 100.5, chiso.About, true},
		{count, 0, chiso.Nearly, true}, // nearly 0 is not below 0
		{count, -1, chiso.Exact, false},
		{count, -1, chiso.Over, false},
		{count, -0.05, chiso.About, false},
		{count, 0, chiso.Over, true},
		{count, 0, chiso.Exact, true},
	}
	for _, tt := range tests {
		if _, ok := figure(tt.v, tt.q, DefaultSlack).clip(tt.ind); ok != tt.want {
			t.Errorf("%s %g possible = %v, want %v", tt.q, tt.v, ok, tt.want)
		}
	}
}
