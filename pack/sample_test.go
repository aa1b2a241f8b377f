package pack

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/internal/setup"
	"github.com/chiso-vn/chiso/rules"
	"github.com/chiso-vn/chiso/store"
)

// evalSample evaluates the pack over a fresh database holding the sample
// data, at 2026-11-23 in Hanoi, with messages in Vietnamese.
func evalSample(t *testing.T) []chiso.Finding {
	t.Helper()
	fs, _, _ := evalSampleIn(t, "vi")
	return fs
}

// evalSampleIn is evalSample with messages in lang; it also returns the
// catalogue and the sample's figures.
func evalSampleIn(t *testing.T, lang string) ([]chiso.Finding, *chiso.Catalogue, []chiso.Observation) {
	t.Helper()
	ctx := context.Background()
	ict := time.FixedZone("ICT", 7*3600)
	now := time.Date(2026, 11, 23, 7, 0, 0, 0, ict)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "chiso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := setup.Init(ctx, db, true, now); err != nil {
		t.Fatal(err)
	}
	cat, err := db.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := rules.Load(FS(), Patterns, cat)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(cat, groups, engine.Options{Lang: lang, Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	res, err := eng.Evaluate(ctx, "", now)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := db.Current(ctx, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings.Slice(), cat, obs
}

// TestPackOnSample: what the pack finds in the sample data — each
// published problem — and nothing for the traps that only look like one.
func TestPackOnSample(t *testing.T) {
	fs := evalSample(t)
	find := func(rule, area, ind string) []chiso.Finding {
		var out []chiso.Finding
		for _, f := range fs {
			if f.Rule == rule && f.Area == area && (ind == "" || f.Indicator == ind) {
				out = append(out, f)
			}
		}
		return out
	}
	want := []struct {
		rule, area, ind string
		diag            chiso.Diagnosis
		status          chiso.Status
		period          string
		msg             string
	}{
		{"RevenueChangeImplausible", "VP", "ict_revenue", chiso.ImplausibleChange, chiso.Fail, "2022", "+75,6%/năm"},
		{"IndicatorBelowTarget", "DB", "electronic_document_rate", chiso.BelowTarget, chiso.Indeterminate, "2022", "trên 95%"},
		{"BTSDefinitionChanged", "PT", "bts_sites", chiso.DefinitionChange, chiso.Fail, "", "2.500 trạm"},
	}
	for _, w := range want {
		got := find(w.rule, w.area, w.ind)
		if len(got) != 1 {
			t.Errorf("%s %s %s: %d findings, want 1", w.rule, w.area, w.ind, len(got))
			continue
		}
		f := got[0]
		if f.Diagnosis != w.diag || f.Status != w.status || f.Period.String() != w.period || !strings.Contains(f.Text(), w.msg) {
			t.Errorf("%s %s %s: got %s %s %s %q", w.rule, w.area, w.ind, f.Diagnosis, f.Status, f.Period, f.Text())
		}
	}
	quiet := []struct{ rule, area, ind string }{
		{"IndicatorBelowTarget", "PT", ""},                        // ceased before the 2025 deadline: PT25 answers for it
		{"IndicatorBelowTarget", "PY", ""},                        // likewise: DL25 answers for it
		{"UnitSlip", "VP", "ict_revenue"},                         // ×51 is scope, not a slip
		{"InfrastructureChangeImplausible", "PT", ""},             // stations vs sites never compared
		{"ValueImpossible", "PT", "citizen_id_cards"},             //
		{"CommuneRadioPartsExceedWhole", "DB", ""},                // 30 ≤ 108 ≤ 129
		{"CommuneRadioRateMismatch", "DB", ""},                    // 83.7 ≈ 108/129
		{"PostOfficesExceedServicePoints", "PT", ""},              // 232 + 33 ≤ 280
		{"AnnualFigureMissing", "PY", ""},                         // ceased on 2025-07-01
		{"AnnualFigureMissing", "PT25", ""},                       // did not exist all 2025
		{"RevenueChangeImplausible", "VP", "ict_revenue/2023-H1"}, // never against 2022
	}
	for _, q := range quiet {
		ind, period, _ := strings.Cut(q.ind, "/")
		for _, f := range find(q.rule, q.area, ind) {
			if period == "" || f.Period.String() == period {
				t.Errorf("%s %s %s: unexpected %s %s %s", q.rule, q.area, q.ind, f.Diagnosis, f.Period, f.Text())
			}
		}
	}
	for _, f := range fs {
		if f.Diagnosis == chiso.ImplausibleChange && f.Period.Kind == chiso.Half {
			t.Errorf("a half-year compared: %+v", f)
		}
	}
}
