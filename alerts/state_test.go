package alerts

import (
	"slices"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

var t0 = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// at is t0 plus n hours.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }

func TestAdvance(t *testing.T) {
	type step struct {
		hour  int
		seen  bool
		state chiso.AlertState
	}
	tests := []struct {
		name  string
		t     timing
		steps []step
	}{
		{"for zero fires at once, resolves at once", timing{}, []step{
			{0, true, chiso.Firing}, {1, true, chiso.Firing}, {2, false, chiso.Resolved}, {3, false, chiso.Resolved}}},
		{"for holds it pending", timing{hold: 2 * time.Hour}, []step{
			{0, true, chiso.Pending}, {1, true, chiso.Pending}, {2, true, chiso.Firing}}},
		{"pending that clears resolves without firing", timing{hold: 2 * time.Hour}, []step{
			{0, true, chiso.Pending}, {1, false, chiso.Resolved}, {2, true, chiso.Pending}, {3, true, chiso.Pending}, {4, true, chiso.Firing}}},
		{"keep_firing_for holds it firing after the finding clears", timing{keep: 2 * time.Hour}, []step{
			{0, true, chiso.Firing}, {1, false, chiso.Firing}, {2, false, chiso.Firing}, {3, false, chiso.Resolved}}},
		{"a finding back within keep_firing_for restarts it", timing{keep: 2 * time.Hour}, []step{
			{0, true, chiso.Firing}, {1, false, chiso.Firing}, {2, true, chiso.Firing}, {3, false, chiso.Firing},
			{4, false, chiso.Firing}, {5, false, chiso.Resolved}}},
		{"resolved then seen again starts over", timing{hold: time.Hour}, []step{
			{0, true, chiso.Pending}, {1, true, chiso.Firing}, {2, false, chiso.Resolved}, {3, true, chiso.Pending}, {4, true, chiso.Firing}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a chiso.Alert
			for _, s := range tt.steps {
				advance(&a, s.seen, tt.t, at(s.hour))
				if a.State != s.state {
					t.Fatalf("hour %d (seen %v): state %s, want %s", s.hour, s.seen, a.State, s.state)
				}
			}
		})
	}
}

func TestAdvanceTimes(t *testing.T) {
	var a chiso.Alert
	tm := timing{hold: time.Hour, keep: time.Hour}
	advance(&a, true, tm, at(0))
	advance(&a, true, tm, at(1))
	advance(&a, false, tm, at(2))
	if !a.ActiveAt.Equal(at(0)) || !a.FiredAt.Equal(at(1)) || !a.KeepFiringSince.Equal(at(2)) || !a.LastEval.Equal(at(1)) {
		t.Fatalf("times: active %v fired %v keep %v last %v", a.ActiveAt, a.FiredAt, a.KeepFiringSince, a.LastEval)
	}
	if changed := advance(&a, false, tm, at(3)); !changed || !a.ResolvedAt.Equal(at(3)) || !a.KeepFiringSince.IsZero() {
		t.Fatalf("resolve: changed %v resolved %v keep %v", changed, a.ResolvedAt, a.KeepFiringSince)
	}
}

func TestIdentityWithAndWithoutPeriod(t *testing.T) {
	base := chiso.Finding{Rule: "R", Group: "g", Area: "PT", Indicator: "i"}
	with := func(d chiso.Diagnosis, p string) chiso.Finding {
		f := base
		f.Diagnosis, f.Period = d, chiso.MustParsePeriod(p)
		return f
	}
	tests := []struct {
		name string
		a, b chiso.Finding
		same bool
	}{
		{"status diagnosis follows the latest period", with(chiso.BelowTarget, "2024"), with(chiso.BelowTarget, "2025"), true},
		{"missing follows the latest period", with(chiso.Missing, "2024"), with(chiso.Missing, "2025"), true},
		{"point diagnosis is one alert per period", with(chiso.OutOfRange, "2024"), with(chiso.OutOfRange, "2025"), false},
		{"unit slip per period", with(chiso.UnitSlip, "2024-Q1"), with(chiso.UnitSlip, "2024-Q2"), false},
		{"same period same alert", with(chiso.Outlier, "2024"), with(chiso.Outlier, "2024"), true},
	}
	for _, tt := range tests {
		fa, fb := Fingerprint(IdentityLabels(tt.a)), Fingerprint(IdentityLabels(tt.b))
		if (fa == fb) != tt.same {
			t.Errorf("%s: fingerprints %s and %s, want same=%v", tt.name, fa, fb, tt.same)
		}
	}
	if _, ok := IdentityLabels(with(chiso.BelowTarget, "2024"))[alerting.LabelPeriod]; ok {
		t.Error("a status diagnosis has a period label")
	}
}

func TestFingerprintIsStableAndOrderFree(t *testing.T) {
	a := Fingerprint(map[string]string{"alertname": "R", "area": "PT", "group": "g", "indicator": "i"})
	b := Fingerprint(map[string]string{"indicator": "i", "group": "g", "area": "PT", "alertname": "R"})
	if a != b || len(a) != 16 {
		t.Fatalf("fingerprints %s, %s", a, b)
	}
	// Label boundaries matter: a=bc is not ab=c.
	if Fingerprint(map[string]string{"a": "bc"}) == Fingerprint(map[string]string{"ab": "c"}) {
		t.Error("a=bc and ab=c collide")
	}
}

func TestCandidates(t *testing.T) {
	g := Group{Name: "g", Rules: []Rule{{Name: "Opt", AlertIndeterminate: true}, {Name: "Plain"}}}
	f := func(rule string, st chiso.Status, sev chiso.Severity, area string) chiso.Finding {
		return chiso.Finding{Rule: rule, Group: "g", Status: st, Severity: sev, Area: area, Indicator: "i",
			Diagnosis: chiso.BelowTarget}
	}
	fs := []chiso.Finding{
		f("Opt", chiso.Indeterminate, chiso.Warning, "A"),
		f("Plain", chiso.Indeterminate, chiso.Warning, "A"), // not opted in: no alert
		f("Plain", chiso.Fail, chiso.Warning, "B"),
		f("Plain", chiso.Fail, chiso.Critical, "B"), // same identity, more severe: wins
		f("Plain", chiso.Fail, chiso.Info, "B"),
		f("Gone", chiso.Fail, chiso.Warning, "A"), // no such rule
	}
	ev := Evaluation{Group: g, Findings: slices.Values(fs)}
	cs := candidates(ev)
	if len(cs) != 2 {
		t.Fatalf("got %d candidates, want 2: %v", len(cs), cs)
	}
	opt := cs[Fingerprint(IdentityLabels(fs[0]))]
	if opt.rule == nil || opt.f.Status != chiso.Indeterminate {
		t.Errorf("opted-in indeterminate finding missing: %+v", opt)
	}
	plain := cs[Fingerprint(IdentityLabels(fs[2]))]
	if plain.f.Severity != chiso.Critical {
		t.Errorf("severity %s kept, want critical", plain.f.Severity)
	}
}

func TestAlertLabelsKeepIdentity(t *testing.T) {
	f := chiso.Finding{Rule: "R", Group: "g", Area: "PT", Indicator: "i", Severity: chiso.Warning,
		Status: chiso.Fail, Diagnosis: chiso.OutOfRange, Period: chiso.MustParsePeriod("2024")}
	g := Group{Name: "g", Labels: map[string]string{"team": "infra", "severity": "info"}}
	r := Rule{Name: "R", Labels: map[string]string{"area": "XX", "severity": "critical", "owner": "ops"}}
	l := alertLabels(f, g, r)
	want := map[string]string{"alertname": "R", "group": "g", "area": "PT", "indicator": "i", "period": "2024",
		"severity": "critical", "diagnosis": "out_of_range", "status": "fail", "team": "infra", "owner": "ops"}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("label %s = %q, want %q", k, l[k], v)
		}
	}
	if len(l) != len(want) {
		t.Errorf("labels %v, want %v", l, want)
	}
}
