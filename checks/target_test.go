package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
)

// TestTargetSample runs the target check over the sample data at
// 2026-11-23: every 2025 deadline has passed and no 2025 figure exists, so
// the latest figure before it is judged where the area exists at the
// deadline (Điện Biên), and not at all where it ceased before it (the old
// Phú Thọ, whose successor PT25 answers for 2025).
func TestTargetSample(t *testing.T) {
	env := sampleEnv(t, "en")
	inds := []string{"electronic_document_rate", "online_dossier_rate", "digital_economy_share",
		"adult_epayment_account_rate", "level4_public_services_rate", "commune_centre_fibre_coverage"}
	got := evaluate((&TargetParams{OnTrack: true}), env, Scope{Indicators: inds, Areas: allAreas(env.Data)})
	tests := []struct {
		area, ind string
		status    chiso.Status // empty: no finding
		period    string
		value     float64
		expected  float64
	}{
		{"DB", "electronic_document_rate", chiso.Indeterminate, "2022", 95, 100},
		{"PT", "online_dossier_rate", "", "", 0, 0},
		{"PT", "digital_economy_share", "", "", 0, 0},
		{"PT", "adult_epayment_account_rate", "", "", 0, 0},
		{"DB", "level4_public_services_rate", "", "", 0, 0},
		{"DB", "commune_centre_fibre_coverage", "", "", 0, 0},
	}
	for _, tt := range tests {
		fs := only(got, tt.area, tt.ind)
		if tt.status == "" {
			if len(fs) != 0 {
				t.Errorf("%s %s: want no finding, got %+v", tt.area, tt.ind, fs)
			}
			continue
		}
		if len(fs) != 1 {
			t.Errorf("%s %s: got %d findings, want 1", tt.area, tt.ind, len(fs))
			continue
		}
		f := fs[0]
		if f.Status != tt.status || f.Diagnosis != chiso.BelowTarget || f.Period.String() != tt.period || f.Value != tt.value || f.Expected != tt.expected {
			t.Errorf("%s %s: got %s %s %s %g/%g", tt.area, tt.ind, f.Status, f.Diagnosis, f.Period, f.Value, f.Expected)
		}
		if !strings.Contains(f.Text(), "no figure for 2025") || !strings.Contains(f.Text(), "latest figure before the deadline ("+tt.period+")") {
			t.Errorf("%s %s: message does not say the latest value was used: %q", tt.area, tt.ind, f.Text())
		}
		if f.DataID == 0 || f.Source == "" {
			t.Errorf("%s %s: no provenance", tt.area, tt.ind)
		}
	}
	if len(got) != 1 {
		t.Errorf("got %d findings, want 1: %+v", len(got), got)
	}
}

// sampleEnvWith is sampleEnv with more observations.
func sampleEnvWith(t *testing.T, lang string, obs ...chiso.Observation) Env {
	env := sampleEnv(t, lang)
	d := env.Data.(*fakeData)
	for _, s := range d.obs {
		obs = append(obs, s...)
	}
	env.Data = newFake(d.cat, obs)
	return env
}

func TestTargetMessageVietnamese(t *testing.T) {
	o := ob("digital_economy_share", "DB", "2024", 12.5, "")
	o.Source = "000_fda3ff747248bcf6.txt"
	env := sampleEnvWith(t, "vi", o)
	got := evaluate((&TargetParams{}), env, Scope{Indicators: []string{"digital_economy_share"}, Areas: []string{"DB"}})
	if len(got) != 1 {
		t.Fatalf("got %d findings", len(got))
	}
	for _, want := range []string{"Tỷ trọng kinh tế số trong GRDP", "Điện Biên", "12,5%", "20%", "năm 2025", "năm 2024", "Quyết định 749", "000_fda3ff747248bcf6.txt"} {
		if !strings.Contains(got[0].Text(), want) {
			t.Errorf("message %q lacks %q", got[0].Text(), want)
		}
	}
}

// targetCatalogue adds targets to the small catalogue: a national 2025
// target of 80% and A2's own of 60%.
func targetEnv(now time.Time, obs ...chiso.Observation) Env {
	cat := smallCatalogue()
	cat.Targets = []chiso.Target{
		{Indicator: "rate", Area: chiso.AnyArea, Period: chiso.MustParsePeriod("2025"), Op: chiso.OpGE, Value: 80, Source: "QĐ 1"},
		{Indicator: "rate", Area: "A2", Period: chiso.MustParsePeriod("2025"), Op: chiso.OpGE, Value: 60, Source: "NQ 2"},
		{Indicator: "rate", Area: chiso.AnyArea, Period: chiso.MustParsePeriod("2030"), Op: chiso.OpGE, Value: 95, Source: "QĐ 3"},
	}
	return Env{Data: newFake(cat, obs), Now: now, Location: ict, Lang: "en", Skips: &Skips{}}
}

func TestTargetCases(t *testing.T) {
	after := time.Date(2026, 5, 1, 0, 0, 0, 0, ict)
	before := time.Date(2025, 6, 1, 0, 0, 0, 0, ict)
	tests := []struct {
		name   string
		now    time.Time
		params TargetParams
		obs    []chiso.Observation
		diag   chiso.Diagnosis // empty: no finding
		status chiso.Status
		period string
		msg    string
	}{
		{"deadline figure judged", after, TargetParams{}, []chiso.Observation{ob("rate", "A1", "2024", 90, ""), ob("rate", "A1", "2025", 70, "")},
			chiso.BelowTarget, chiso.Fail, "2025", "70%"},
		{"deadline figure met", after, TargetParams{}, []chiso.Observation{ob("rate", "A1", "2024", 70, ""), ob("rate", "A1", "2025", 85, "")},
			"", "", "", ""},
		{"estimate fails, said so", after, TargetParams{}, []chiso.Observation{ob("rate", "A1", "2025", 70, "estimate")},
			chiso.BelowTarget, chiso.Fail, "2025", "estimate"},
		{"own target overrides national", after, TargetParams{}, []chiso.Observation{ob("rate", "A2", "2025", 70, "")},
			"", "", "", ""},
		{"before the deadline, no on_track", before, TargetParams{}, []chiso.Observation{ob("rate", "A1", "2023", 10, ""), ob("rate", "A1", "2024", 20, "")},
			"", "", "", ""},
		{"on track: one point is too little", before, TargetParams{OnTrack: true}, []chiso.Observation{ob("rate", "A1", "2024", 20, "")},
			"", "", "", ""},
		{"on track: projection misses", before, TargetParams{OnTrack: true}, []chiso.Observation{ob("rate", "A1", "2022", 50, ""), ob("rate", "A1", "2023", 55, ""), ob("rate", "A1", "2024", 60, "")},
			chiso.OffTrack, chiso.Fail, "2024", "projected at 65%"},
		{"on track: projection meets", before, TargetParams{OnTrack: true}, []chiso.Observation{ob("rate", "A1", "2022", 60, ""), ob("rate", "A1", "2023", 70, ""), ob("rate", "A1", "2024", 75, "")},
			"", "", "", ""},
		{"on track: last two differ from least squares", before, TargetParams{OnTrack: true, Projection: ProjectLastTwo},
			[]chiso.Observation{ob("rate", "A1", "2022", 40, ""), ob("rate", "A1", "2023", 70, ""), ob("rate", "A1", "2024", 72, "")},
			chiso.OffTrack, chiso.Fail, "2024", "projected at 74%"},
		{"on track: qualified figures leave it open", before, TargetParams{OnTrack: true},
			[]chiso.Observation{ob("rate", "A1", "2023", 70, ""), ob("rate", "A1", "2024", 74, "over")},
			chiso.OffTrack, chiso.Indeterminate, "2024", "leave the verdict open"},
		{"on track: only the latest points", before, TargetParams{OnTrack: true, Points: 2},
			[]chiso.Observation{ob("rate", "A1", "2020", 60, ""), ob("rate", "A1", "2021", 60, ""), ob("rate", "A1", "2023", 60, ""), ob("rate", "A1", "2024", 75, "")},
			"", "", "", ""},
		{"on track: all points", before, TargetParams{OnTrack: true},
			[]chiso.Observation{ob("rate", "A1", "2020", 60, ""), ob("rate", "A1", "2021", 60, ""), ob("rate", "A1", "2023", 60, ""), ob("rate", "A1", "2024", 75, "")},
			chiso.OffTrack, chiso.Fail, "2024", "on the trend from 2020 to 2024 (latest 75%), it is projected at 73%"},
		{"H1 figures are not like a year", before, TargetParams{OnTrack: true},
			[]chiso.Observation{ob("rate", "A1", "2023-H1", 10, ""), ob("rate", "A1", "2024-H1", 20, "")},
			"", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := targetEnv(tt.now, tt.obs...)
			area := tt.obs[0].Area
			got := evaluate(&tt.params, env, Scope{Indicators: []string{"rate"}, Areas: []string{area}})
			if tt.diag == "" {
				if len(got) != 0 {
					t.Fatalf("want no finding, got %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d findings, want 1: %+v", len(got), got)
			}
			f := got[0]
			if f.Diagnosis != tt.diag || f.Status != tt.status || f.Period.String() != tt.period {
				t.Errorf("got %s %s %s, want %s %s %s", f.Diagnosis, f.Status, f.Period, tt.diag, tt.status, tt.period)
			}
			if !strings.Contains(f.Text(), tt.msg) {
				t.Errorf("message %q lacks %q", f.Text(), tt.msg)
			}
		})
	}
}

func TestTargetTooLittleHistoryCounted(t *testing.T) {
	env := targetEnv(time.Date(2025, 6, 1, 0, 0, 0, 0, ict), ob("rate", "A1", "2024", 20, ""))
	evaluate((&TargetParams{OnTrack: true}), env, Scope{Indicators: []string{"rate"}, Areas: []string{"A1"}})
	if n := env.Skips.Count(SkipTooLittleHistory); n != 2 {
		t.Errorf("too little history counted %d times, want 2 (the 2025 and 2030 targets)", n)
	}
}

// TestTargetDeadlineTimeZone: at 00:30 on 1 January 2026 in Hanoi the 2025
// deadline has passed, though it is still 2025 in UTC.
func TestTargetDeadlineTimeZone(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 30, 0, 0, ict)
	for _, tt := range []struct {
		loc  *time.Location
		want int
	}{{ict, 1}, {time.UTC, 0}} {
		env := targetEnv(now, ob("rate", "A1", "2024", 20, ""))
		env.Location = tt.loc
		got := evaluate((&TargetParams{}), env, Scope{Indicators: []string{"rate"}, Areas: []string{"A1"}})
		if len(got) != tt.want {
			t.Errorf("in %s: got %d findings, want %d", tt.loc, len(got), tt.want)
		}
	}
}

// TestTargetEarliestMissedDeadline: a series gets one finding, for the
// earliest deadline it misses, so that alerts keep one identity.
func TestTargetEarliestMissedDeadline(t *testing.T) {
	env := targetEnv(time.Date(2026, 5, 1, 0, 0, 0, 0, ict), ob("rate", "A1", "2024", 50, ""), ob("rate", "A1", "2025", 60, ""))
	got := evaluate((&TargetParams{OnTrack: true}), env, Scope{Indicators: []string{"rate"}, Areas: []string{"A1"}})
	if len(got) != 1 || got[0].Diagnosis != chiso.BelowTarget || got[0].Expected != 80 {
		t.Fatalf("got %+v, want one below_target against 80", got)
	}
}

func TestTargetValidate(t *testing.T) {
	errs := (&TargetParams{Projection: "spline", Points: 1}).Validate(&chiso.Catalogue{}, oneIndicator)
	if len(errs) != 3 || errs[0].Field != "projection" || errs[2].Field != "points" {
		t.Errorf("got %+v, want unknown projection and no on_track", errs)
	}
}

// TestTargetDescriptionInTheMessagesLanguage: a target is described in the
// message's language, never the other's.
func TestTargetDescriptionInTheMessagesLanguage(t *testing.T) {
	for lang, want := range map[string][2]string{
		"vi": {"80% người từ 15 tuổi trở lên có tài khoản thanh toán", "people aged 15+"},
		"en": {"80% of people aged 15+ with a payment account", "người từ 15 tuổi"},
	} {
		env := sampleEnvWith(t, lang, ob("adult_epayment_account_rate", "DB", "2024", 74.3, ""))
		got := evaluate((&TargetParams{}), env, Scope{Indicators: []string{"adult_epayment_account_rate"}, Areas: []string{"DB"}})
		if len(got) != 1 || !strings.Contains(got[0].Text(), want[0]) || strings.Contains(got[0].Text(), want[1]) {
			t.Errorf("%s: %+v", lang, got)
		}
	}
}

// TestTargetAreaAtDeadline: a target applies to an area only if the area
// exists on the last day of the deadline, and a successor inherits the
// targets its predecessors had for deadlines after the merger.
func TestTargetAreaAtDeadline(t *testing.T) {
	after := time.Date(2026, 5, 1, 0, 0, 0, 0, ict)
	tgt := func(area, period string, v float64) chiso.Target {
		return chiso.Target{Indicator: "rate", Area: area, Period: chiso.MustParsePeriod(period), Op: chiso.OpGE, Value: v, Source: "NQ " + area}
	}
	tests := []struct {
		name    string
		targets []chiso.Target
		obs     chiso.Observation
		want    float64 // the target missed; 0: no finding
	}{
		{"dissolved before the deadline: nothing owed", []chiso.Target{tgt("*", "2025", 80)}, ob("rate", "PT", "2024", 50, ""), 0},
		{"dissolved before the deadline: not even its own", []chiso.Target{tgt("PT", "2025", 80)}, ob("rate", "PT", "2025-H1", 50, ""), 0},
		{"a deadline it saw the end of still applies", []chiso.Target{tgt("*", "2025-H1", 80)}, ob("rate", "PT", "2025-H1", 50, ""), 80},
		{"the successor inherits its predecessor's target", []chiso.Target{tgt("*", "2025", 80), tgt("VP", "2025", 90)}, ob("rate", "PT25", "2025", 85, ""), 90},
		{"several predecessors: every inherited target applies", []chiso.Target{tgt("PT", "2025", 70), tgt("VP", "2025", 90)}, ob("rate", "PT25", "2025", 85, ""), 90},
		{"the successor's own target overrides the inherited", []chiso.Target{tgt("VP", "2025", 90), tgt("PT25", "2025", 80)}, ob("rate", "PT25", "2025", 85, ""), 0},
		{"a predecessor's earlier deadline is not inherited", []chiso.Target{tgt("VP", "2024", 90)}, ob("rate", "PT25", "2025", 85, ""), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := smallCatalogue()
			cat.Targets = tt.targets
			env := Env{Data: newFake(cat, []chiso.Observation{tt.obs}), Now: after, Location: ict, Lang: "en", Skips: &Skips{}}
			got := evaluate((&TargetParams{}), env, Scope{Indicators: []string{"rate"}, Areas: []string{tt.obs.Area}})
			switch {
			case tt.want == 0 && len(got) != 0:
				t.Errorf("want no finding, got %s", got[0].Text())
			case tt.want != 0 && (len(got) != 1 || got[0].Expected != tt.want):
				t.Errorf("want one finding against %g, got %+v", tt.want, got)
			case tt.want == 90 && !strings.Contains(got[0].Text(), "The target was set for VP, which Phú Thọ succeeded."):
				t.Errorf("message does not say the target was inherited: %s", got[0].Text())
			}
		})
	}
}

// TestTargetInForceAtDeadline: a target applies only when it is in force
// on its deadline's last day; one withdrawn before then is not judged,
// and the one that replaced it is.
func TestTargetInForceAtDeadline(t *testing.T) {
	cat := smallCatalogue()
	cat.Targets = []chiso.Target{
		{Indicator: "rate", Area: chiso.AnyArea, Period: chiso.MustParsePeriod("2025"), Op: chiso.OpGE, Value: 90, ValidTo: day(2025, 6, 30)},
		{Indicator: "rate", Area: chiso.AnyArea, Period: chiso.MustParsePeriod("2025"), Op: chiso.OpGE, Value: 70, ValidFrom: day(2025, 7, 1)},
	}
	env := Env{Data: newFake(cat, []chiso.Observation{ob("rate", "A1", "2025", 75, ""), ob("rate", "A2", "2025", 65, "")}),
		Now: time.Date(2026, 5, 1, 0, 0, 0, 0, ict), Location: ict, Lang: "en", Skips: &Skips{}}
	got := evaluate((&TargetParams{}), env, Scope{Indicators: []string{"rate"}, Areas: []string{"A1", "A2"}})
	if len(got) != 1 || got[0].Area != "A2" || got[0].Expected != 70 {
		t.Errorf("got %+v, want one finding for A2 against 70", got)
	}
}
