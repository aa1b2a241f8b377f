package alerts_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
)

// figures is a fixed answer to Figure: PT's 2025 coverage at a revision.
type figures struct {
	id   int64
	qual chiso.Qualifier
}

func (f figures) Figure(indicator, area string, p chiso.Period) (chiso.Observation, bool) {
	if indicator != "coverage" || area != "PT" || p != chiso.MustParsePeriod("2025") {
		return chiso.Observation{}, false
	}
	return chiso.Observation{Indicator: indicator, Area: area, Period: p, Value: 91.5, Qualifier: f.qual,
		Source: "phutho.txt", ID: f.id}, true
}

// TestResolvedSaysWhy resolves PT's below-target alert in each of the ways
// an alert can resolve, and checks the reason the alert, its history and
// the resolved notification carry.
func TestResolvedSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		figs   alerts.Figures // at the resolving evaluation
		reload func(g alerts.Group) []alerts.Group
		want   chiso.ResolveReason
	}{
		{"the figure got a new revision", figures{id: 11}, nil, chiso.ResolvedRevised},
		{"other data arrived", figures{id: 10}, nil, chiso.ResolvedNewData},
		{"no figures known", nil, nil, ""},
		{"rule removed", figures{id: 10}, func(alerts.Group) []alerts.Group { return nil }, chiso.ResolvedRuleChanged},
		{"rule changed", figures{id: 10}, func(g alerts.Group) []alerts.Group {
			g.Rules = slices.Clone(g.Rules)
			g.Rules[0].Finds = "a range check up to 90"
			return []alerts.Group{g}
		}, chiso.ResolvedRuleChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, baseConfig)
			ctx := context.Background()
			if err := e.m.SetRules(ctx, []alerts.Group{e.grp}, t0); err != nil {
				t.Fatal(err)
			}
			e.process(t0, finding("BelowTarget", "PT"))
			e.tick(t0.Add(time.Minute))
			at := t0.Add(time.Hour)
			if tc.reload != nil {
				groups := tc.reload(e.grp)
				if err := e.m.SetRules(ctx, groups, at); err != nil {
					t.Fatal(err)
				}
				for _, g := range groups {
					if err := e.m.Process(ctx, alerts.Evaluation{Group: g, Findings: slices.Values([]chiso.Finding(nil)), Now: at, Figures: tc.figs}); err != nil {
						t.Fatal(err)
					}
				}
			} else if err := e.m.Process(ctx, alerts.Evaluation{Group: e.grp, Findings: slices.Values([]chiso.Finding(nil)), Now: at, Figures: tc.figs}); err != nil {
				t.Fatal(err)
			}
			e.tick(at.Add(10 * time.Minute))
			as := e.m.Alerts(at)
			if len(as) != 1 || as[0].State != chiso.Resolved || as[0].ResolvedBecause != tc.want {
				t.Fatalf("alerts = %+v, want one resolved because %q", as, tc.want)
			}
			e.restart(at.Add(time.Hour))
			if got := e.m.Alerts(at)[0].ResolvedBecause; got != tc.want {
				t.Errorf("after a restart: resolved because %q, want %q", got, tc.want)
			}
			evs, err := e.db.AlertHistory(ctx, alerting.HistoryFilter{})
			if err != nil || len(evs) == 0 || evs[0].To != chiso.Resolved || evs[0].Note != string(tc.want) {
				t.Errorf("newest event = %+v (%v), want the resolve noting %q", evs[0], err, tc.want)
			}
			ns := e.outbox()
			last := ns[len(ns)-1]
			if last.Reason != alerting.ReasonResolved || last.Alerts[0].ResolvedBecause != tc.want {
				t.Errorf("last notification %s, alert resolved because %q; want resolved, %q", last.Reason, last.Alerts[0].ResolvedBecause, tc.want)
			}
		})
	}
}

// TestAlertKeepsHowTheFigureWasPublished gives a finding without a
// qualifier or source the figure's own ("trên", the article).
func TestAlertKeepsHowTheFigureWasPublished(t *testing.T) {
	e := newEnv(t, baseConfig)
	f := finding("BelowTarget", "PT")
	if err := e.m.Process(context.Background(), alerts.Evaluation{Group: e.grp, Findings: slices.Values([]chiso.Finding{f}),
		Now: t0, Figures: figures{id: 10, qual: chiso.Over}}); err != nil {
		t.Fatal(err)
	}
	a := e.m.Alerts(t0)[0]
	if a.Finding.Qualifier != chiso.Over || a.Finding.Source != "phutho.txt" {
		t.Errorf("finding qualifier %s, source %q; want over, phutho.txt", a.Finding.Qualifier, a.Finding.Source)
	}
	e.restart(t0.Add(time.Minute))
	if a := e.m.Alerts(t0)[0]; a.Finding.Qualifier != chiso.Over {
		t.Errorf("after a restart: qualifier %s, want over", a.Finding.Qualifier)
	}
}
