package alerts_test

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
)

// TestFiringAndResolvingAreLogged wants one info line when an alert fires
// and one when it resolves, and none for a pending alert that never fired.
func TestFiringAndResolvingAreLogged(t *testing.T) {
	var logs strings.Builder
	e := newEnv(t, baseConfig)
	e.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e.restart(t0)
	e.process(t0, finding("BelowTarget", "PT"), finding("Slow", "HN"))
	e.process(t0.Add(time.Hour), finding("Slow", "HN")) // BelowTarget PT clears; Slow HN is still pending
	e.process(t0.Add(2*time.Hour), finding("Slow", "HN"))
	e.process(t0.Add(3*time.Hour), finding("Slow", "HN"))
	got := logs.String()
	for _, re := range []string{
		`level=INFO msg="alert firing" alertname=BelowTarget group=g area=PT .*\n`,
		`level=INFO msg="alert resolved" alertname=BelowTarget group=g area=PT .* because=\S*\n`,
		`level=INFO msg="alert firing" alertname=Slow group=g area=HN .*\n`,
	} {
		if n := len(regexp.MustCompile(re).FindAllString(got, -1)); n != 1 {
			t.Errorf("%d lines match %s, want 1:\n%s", n, re, got)
		}
	}
	if n := strings.Count(got, "msg=\"alert"); n != 3 {
		t.Errorf("%d alert lines, want 3:\n%s", n, got)
	}
}

// TestDeliveryAfterRetriesIsLoggedAndTimed wants one line for a
// notification delivered after failing, none for one delivered at once,
// and the time of the last success per receiver.
func TestDeliveryAfterRetriesIsLoggedAndTimed(t *testing.T) {
	e := newEnv(t, baseConfig)
	queueFiring(e, 2)
	clk := &clock{t: t0.Add(time.Minute)}
	nf := newFlaky(2, clk.now)
	var logs strings.Builder
	reg := prometheus.NewRegistry()
	d, err := alerts.NewDeliverer(alerts.DelivererOptions{Outbox: e.db, Now: clk.now, Rand: func() float64 { return 0.5 },
		Registerer: reg, Notifiers: alerts.Notifiers{"heads": {"webhook": nf}},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var lastSuccess time.Time
	for range 10 {
		if _, err := d.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, delivered := nf.snapshot(); len(delivered) == 2 && lastSuccess.IsZero() {
			lastSuccess = clk.now()
		}
		clk.add(10 * time.Second)
	}
	if lastSuccess.IsZero() {
		t.Fatal("nothing delivered")
	}
	re := regexp.MustCompile(`level=INFO msg="notification delivered after retries" receiver=heads integration=webhook id=\d+ attempts=3 `)
	if n := len(re.FindAllString(logs.String(), -1)); n != 2 {
		t.Errorf("%d lines for deliveries after retries, want 2:\n%s", n, logs.String())
	}
	got := testutil.ToFloat64(gaugeOf(t, reg, "chiso_notification_last_success_timestamp_seconds"))
	if want := float64(lastSuccess.UnixNano()) / 1e9; got != want {
		t.Errorf("last success = %v, want %v", got, want)
	}
}

// gaugeOf returns the one series of a gathered family as a collector.
func gaugeOf(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "copy"})
			g.Set(f.GetMetric()[0].GetGauge().GetValue())
			return g
		}
	}
	t.Fatalf("no single series of %s", name)
	return nil
}

// TestManyTransitionsAreSummed wants at most 50 lines for one batch, then
// one line that counts the rest.
func TestManyTransitionsAreSummed(t *testing.T) {
	var logs strings.Builder
	e := newEnv(t, baseConfig)
	e.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e.restart(t0)
	var fs []chiso.Finding
	for i := range 60 {
		fs = append(fs, finding("BelowTarget", fmt.Sprintf("A%02d", i)))
	}
	e.process(t0, fs...)
	got := logs.String()
	if n := strings.Count(got, `msg="alert firing"`); n != 50 {
		t.Errorf("%d firing lines, want 50", n)
	}
	if !strings.Contains(got, `msg="more alerts fired and resolved than are logged one by one; GET /api/v1/alerts lists them" more_firing=10 more_resolved=0`) {
		t.Errorf("no summary of the other 10:\n%s", got)
	}
}
