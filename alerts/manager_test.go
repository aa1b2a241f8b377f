package alerts_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/store"
)

var t0 = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC) // a Monday

// env is a manager on a real database in a temporary folder.
type env struct {
	t    testing.TB
	path string
	cfg  *alerts.Config
	db   *store.DB
	m    *alerts.Manager
	grp  alerts.Group
	log  *slog.Logger // the manager's; nil discards
}

// parseConfig decodes an alerting section as the daemon does: strictly.
func parseConfig(t testing.TB, src string) *alerts.Config {
	t.Helper()
	var c alerts.Config
	if err := yaml.UnmarshalWithOptions([]byte(src), &c, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	return &c
}

const baseConfig = `
route:
  receiver: heads
  group_by: [alertname, area]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 1d
receivers:
  - name: heads
    to_from_label: area
    webhook: {url: "http://127.0.0.1:1/hook"}
departments:
  PT: {name: "Phú Thọ", head: "head.pt@example.vn"}
  HN: {name: "Hà Nội", head: "head.hn@example.vn", cc: ["cc.hn@example.vn"]}
`

func newEnv(t testing.TB, cfgSrc string) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "chiso.db"), cfg: parseConfig(t, cfgSrc),
		grp: alerts.Group{Name: "g", Rules: []alerts.Rule{
			{Name: "BelowTarget"},
			{Name: "Slow", For: 2 * time.Hour},
			{Name: "Sticky", KeepFiringFor: time.Hour},
			{Name: "Maybe", AlertIndeterminate: true},
		}}}
	e.open(t0)
	return e
}

// open opens the database and starts a manager on it at now.
func (e *env) open(now time.Time) {
	e.t.Helper()
	db, err := store.Open(context.Background(), e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	m, err := alerts.New(alerts.Options{Store: db, Config: e.cfg, Logger: e.log})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := m.Start(context.Background(), now); err != nil {
		e.t.Fatal(err)
	}
	e.db, e.m = db, m
}

// restart closes the database and starts again, as after a crash.
func (e *env) restart(now time.Time) {
	e.t.Helper()
	e.db.Close()
	e.open(now)
}

func (e *env) process(now time.Time, fs ...chiso.Finding) {
	e.t.Helper()
	if err := e.m.Process(context.Background(), alerts.Evaluation{Group: e.grp, Findings: slices.Values(fs), Now: now}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) tick(now time.Time) {
	e.t.Helper()
	if err := e.m.Tick(context.Background(), now); err != nil {
		e.t.Fatal(err)
	}
}

// outbox returns the queued notifications, oldest first, decoded.
func (e *env) outbox() []*alerts.Notification {
	e.t.Helper()
	entries, err := e.db.Notifications(context.Background(), store.OutboxFilter{Limit: 10000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []*alerts.Notification
	for i := len(entries) - 1; i >= 0; i-- {
		n, err := alerts.DecodeNotification(entries[i])
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// reasons lists the outbox's reasons with their alerts' areas.
func reasons(ns []*alerts.Notification) []string {
	var out []string
	for _, n := range ns {
		s := string(n.Reason) + ":"
		for _, a := range n.Alerts {
			s += a.Labels["area"] + "/" + string(a.State) + " "
		}
		out = append(out, s)
	}
	return out
}

func finding(rule, area string) chiso.Finding {
	return chiso.Finding{Rule: rule, Group: "g", Check: "target", Diagnosis: chiso.BelowTarget, Severity: chiso.Warning,
		Status: chiso.Fail, Indicator: "coverage", Area: area, Period: chiso.MustParsePeriod("2025"),
		Value: 91.5, Expected: 95, Message: "Độ phủ " + area + " 91,5% < 95%", DataID: 10}
}

func TestFiringThenResolvedNotifiedOnce(t *testing.T) {
	e := newEnv(t, baseConfig)
	e.process(t0, finding("BelowTarget", "PT"))
	e.tick(t0.Add(29 * time.Second))
	if got := e.outbox(); len(got) != 0 {
		t.Fatalf("queued before group_wait: %v", reasons(got))
	}
	e.tick(t0.Add(30 * time.Second))
	e.tick(t0.Add(6 * time.Minute))
	e.process(t0.Add(time.Hour), finding("BelowTarget", "PT"))
	e.tick(t0.Add(time.Hour + 10*time.Minute))
	e.process(t0.Add(2*time.Hour), finding("BelowTarget", "HN")) // PT cleared
	e.tick(t0.Add(2*time.Hour + 10*time.Minute))
	got := reasons(e.outbox())
	// PT's group is due at 2h (its interval ran out at 1h15m), so its
	// resolution is queued by the evaluation itself; HN waits group_wait.
	want := []string{"firing:PT/firing ", "resolved:PT/resolved ", "firing:HN/firing "}
	if !slices.Equal(got, want) {
		t.Fatalf("outbox %q, want %q", got, want)
	}
	n := e.outbox()[0]
	if !slices.Equal(n.Recipients, []string{"head.pt@example.vn"}) || n.Integration != "webhook" || n.GroupLabels["area"] != "PT" {
		t.Errorf("first notification: recipients %v integration %s group %v", n.Recipients, n.Integration, n.GroupLabels)
	}
	if a := n.Alerts[0]; a.Annotations["summary"] != "Độ phủ PT 91,5% < 95%" || a.Value != 91.5 || a.Labels["severity"] != "warning" {
		t.Errorf("alert in notification: %+v", a)
	}
	hn := e.outbox()[2]
	if !slices.Equal(hn.Recipients, []string{"head.hn@example.vn"}) || !slices.Equal(hn.Cc, []string{"cc.hn@example.vn"}) {
		t.Errorf("HN to %v cc %v, want the head, with the cc copied on the same message", hn.Recipients, hn.Cc)
	}
}

func TestHistoryRecordsEveryTransition(t *testing.T) {
	e := newEnv(t, baseConfig)
	f := finding("Slow", "PT")
	e.process(t0, f)
	e.process(t0.Add(time.Hour), f)
	e.process(t0.Add(2*time.Hour), f)
	e.process(t0.Add(3 * time.Hour))
	fp := alerts.Fingerprint(alerts.IdentityLabels(f))
	hist, err := e.db.AlertHistory(context.Background(), alerting.HistoryFilter{Fingerprint: fp})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		got = append(got, string(h.From)+">"+string(h.To)+"@"+h.At.Sub(t0).String())
	}
	want := []string{">pending@0s", "pending>firing@2h0m0s", "firing>resolved@3h0m0s"}
	if !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	byArea, _ := e.db.AlertHistory(context.Background(), alerting.HistoryFilter{Area: "HN"})
	if len(byArea) != 0 {
		t.Errorf("history of HN: %v", byArea)
	}
}

func TestKeepFiringForAndIndeterminateOptIn(t *testing.T) {
	e := newEnv(t, baseConfig)
	maybe := finding("Maybe", "HN")
	maybe.Status = chiso.Indeterminate
	plain := finding("BelowTarget", "VP")
	plain.Status = chiso.Indeterminate
	e.process(t0, finding("Sticky", "PT"), maybe, plain)
	states := map[string]chiso.AlertState{}
	for _, a := range e.m.Alerts(t0) {
		states[a.Labels["alertname"]+"/"+a.Labels["area"]] = a.State
	}
	want := map[string]chiso.AlertState{"Sticky/PT": chiso.Firing, "Maybe/HN": chiso.Firing}
	if len(states) != 2 || states["Sticky/PT"] != chiso.Firing || states["Maybe/HN"] != chiso.Firing {
		t.Fatalf("states %v, want %v", states, want)
	}
	e.process(t0.Add(30 * time.Minute))
	fp := alerts.Fingerprint(alerts.IdentityLabels(finding("Sticky", "PT")))
	if a, _ := e.m.Alert(fp); a.State != chiso.Firing || !a.KeepFiringSince.Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("within keep_firing_for: %s since %v", a.State, a.KeepFiringSince)
	}
	e.process(t0.Add(90 * time.Minute))
	if a, _ := e.m.Alert(fp); a.State != chiso.Resolved {
		t.Fatalf("after keep_firing_for: %s", a.State)
	}
}

func TestGroupWaitZeroQueuesWithTheStateChange(t *testing.T) {
	e := newEnv(t, baseConfig+"    \n")
	e.cfg.Route.GroupWait = "0s"
	e.restart(t0)
	e.process(t0, finding("BelowTarget", "PT"))
	if got := reasons(e.outbox()); !slices.Equal(got, []string{"firing:PT/firing "}) {
		t.Fatalf("outbox after Process alone: %v", got)
	}
}

func TestRepeatInterval(t *testing.T) {
	for _, tt := range []struct {
		repeat string
		want   []string
	}{
		{"1d", []string{"firing:PT/firing ", "repeat:PT/firing "}},
		{"never", []string{"firing:PT/firing "}},
	} {
		t.Run(tt.repeat, func(t *testing.T) {
			e := newEnv(t, baseConfig)
			e.cfg.Route.RepeatInterval = tt.repeat
			e.restart(t0)
			e.process(t0, finding("BelowTarget", "PT"))
			for m := 1; m <= 30*60; m += 5 { // 30 hours of group intervals
				e.tick(t0.Add(time.Duration(m) * time.Minute))
			}
			if got := reasons(e.outbox()); !slices.Equal(got, tt.want) {
				t.Fatalf("outbox %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAckQuietUntilNewRevision(t *testing.T) {
	e := newEnv(t, baseConfig)
	f := finding("BelowTarget", "PT")
	fp := alerts.Fingerprint(alerts.IdentityLabels(f))
	e.process(t0, f)
	if _, err := e.m.Ack(context.Background(), fp, chiso.AckCorrect, "lan", "số liệu đúng", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	e.tick(t0.Add(time.Minute))
	e.process(t0.Add(time.Hour), f) // same data: still quiet
	e.tick(t0.Add(time.Hour + time.Minute))
	if got := e.outbox(); len(got) != 0 {
		t.Fatalf("acknowledged alert notified: %v", reasons(got))
	}
	if st := e.m.Alerts(t0.Add(time.Hour)); len(st) != 1 || !st[0].Acknowledged || st[0].Ack.DataID != 10 {
		t.Fatalf("status %+v", st)
	}
	f.DataID = 11 // a new revision
	e.process(t0.Add(2*time.Hour), f)
	e.tick(t0.Add(2*time.Hour + 5*time.Minute))
	if got := reasons(e.outbox()); !slices.Equal(got, []string{"firing:PT/firing "}) {
		t.Fatalf("after the new revision: %v", got)
	}
	if a, _ := e.m.Alert(fp); a.Ack != nil {
		t.Errorf("acknowledgement kept after a new revision: %+v", a.Ack)
	}
	lapsed, _ := e.db.AlertHistory(context.Background(), alerting.HistoryFilter{Kind: alerting.EventAckLapsed})
	acks, _ := e.db.Acknowledgements(context.Background(), fp)
	if len(lapsed) != 1 || len(acks) != 1 || acks[0].By != "lan" || acks[0].DataID != 10 {
		t.Errorf("lapse events %v, acknowledgements %v", lapsed, acks)
	}
}

func TestAckRefusals(t *testing.T) {
	e := newEnv(t, baseConfig)
	ctx := context.Background()
	if _, err := e.m.Ack(ctx, "nope", chiso.AckCorrect, "lan", "", t0); err == nil {
		t.Error("acknowledged an unknown alert")
	}
	e.process(t0, finding("BelowTarget", "PT"))
	fp := alerts.Fingerprint(alerts.IdentityLabels(finding("BelowTarget", "PT")))
	if _, err := e.m.Ack(ctx, fp, "maybe", "lan", "", t0); err == nil {
		t.Error("accepted an unknown kind")
	}
	if _, err := e.m.Ack(ctx, fp, chiso.AckCorrect, " ", "", t0); err == nil {
		t.Error("accepted an anonymous acknowledgement")
	}
}

func TestSilenceMutesPreviewAndExpire(t *testing.T) {
	e := newEnv(t, baseConfig)
	ctx := context.Background()
	e.process(t0, finding("BelowTarget", "PT"), finding("BelowTarget", "HN"))
	ms, err := alerting.ParseMatchers(`area=~"P.*"`)
	if err != nil {
		t.Fatal(err)
	}
	preview := e.m.Preview(ms)
	if len(preview) != 1 || preview[0].Labels["area"] != "PT" {
		t.Fatalf("preview %v", preview)
	}
	s, err := e.m.AddSilence(ctx, alerting.Silence{Matchers: ms, StartsAt: t0, EndsAt: t0.Add(time.Hour),
		CreatedBy: "lan", Comment: "đang sửa"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	e.tick(t0.Add(time.Minute))
	if got := reasons(e.outbox()); !slices.Equal(got, []string{"firing:HN/firing "}) {
		t.Fatalf("with the silence: %v", got)
	}
	if err := e.m.ExpireSilence(ctx, s.ID, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	e.tick(t0.Add(6 * time.Minute))
	if got := reasons(e.outbox()); !slices.Equal(got, []string{"firing:HN/firing ", "firing:PT/firing "}) {
		t.Fatalf("after expiry: %v", got)
	}
	e.restart(t0.Add(7 * time.Minute))
	if ss := e.m.Silences(); len(ss) != 1 || ss[0].State(t0.Add(7*time.Minute)) != alerting.SilenceExpired || ss[0].Matchers.String() != ms.String() {
		t.Errorf("silences after restart: %+v", ss)
	}
}

func TestRestartReloadsStateWithoutRepeating(t *testing.T) {
	e := newEnv(t, baseConfig)
	f := finding("BelowTarget", "PT")
	e.process(t0, f)
	e.tick(t0.Add(time.Minute))
	before, _ := e.m.Alert(alerts.Fingerprint(alerts.IdentityLabels(f)))
	e.restart(t0.Add(2 * time.Minute))
	after, ok := e.m.Alert(before.Fingerprint)
	if !ok || after.State != chiso.Firing || !after.FiredAt.Equal(before.FiredAt) || after.Annotations["summary"] != before.Annotations["summary"] ||
		after.Finding.DataID != 10 || after.Value != 91.5 {
		t.Fatalf("after restart %+v, before %+v", after, before)
	}
	e.tick(t0.Add(3 * time.Minute))
	e.tick(t0.Add(10 * time.Minute))
	e.process(t0.Add(time.Hour))
	e.tick(t0.Add(time.Hour + 10*time.Minute))
	if got := reasons(e.outbox()); !slices.Equal(got, []string{"firing:PT/firing ", "resolved:PT/resolved "}) {
		t.Fatalf("outbox %v", got)
	}
}

func TestRemovedRuleResolves(t *testing.T) {
	e := newEnv(t, baseConfig)
	e.process(t0, finding("BelowTarget", "PT"), finding("Sticky", "PT"))
	kept := alerts.Group{Name: "g", Rules: e.grp.Rules[2:]}
	if err := e.m.SetRules(context.Background(), []alerts.Group{kept}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, a := range e.m.Alerts(t0) {
		want := chiso.Firing
		if a.Labels["alertname"] == "BelowTarget" {
			want = chiso.Resolved
		}
		if a.State != want {
			t.Errorf("%s: %s, want %s", a.Labels["alertname"], a.State, want)
		}
	}
}

func TestInhibitionMutesTargets(t *testing.T) {
	e := newEnv(t, baseConfig+`
inhibit_rules:
  - source_matchers: ['alertname="Sticky"']
    target_matchers: ['alertname="BelowTarget"']
    equal: [area]
`)
	e.process(t0, finding("Sticky", "PT"), finding("BelowTarget", "PT"), finding("BelowTarget", "HN"))
	e.tick(t0.Add(time.Minute))
	var got []string
	for _, n := range e.outbox() {
		got = append(got, n.Alerts[0].Labels["alertname"]+"/"+n.Alerts[0].Labels["area"])
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"BelowTarget/HN", "Sticky/PT"}) {
		t.Fatalf("notified %v", got)
	}
}

const digestConfig = `
route:
  receiver: ops
  routes:
    - matchers: ['severity=~"warning|critical"']
      receiver: heads
receivers:
  - name: ops
    webhook: {url: "http://127.0.0.1:1/ops"}
  - name: heads
    to_from_label: area
    digest: {schedule: "0 8 * * 1"}
    email: {smarthost: "127.0.0.1:25"}
departments:
  PT: {name: "Phú Thọ", head: "head.pt@example.vn"}
  HN: {name: "Hà Nội", head: "head.hn@example.vn", cc: ["cc.hn@example.vn"]}
`

func TestDigestPerDepartmentHead(t *testing.T) {
	e := newEnv(t, digestConfig)
	ctx := context.Background()
	e.tick(t0) // the first window starts now
	old := finding("BelowTarget", "HN")
	e.process(t0.Add(10*time.Minute), finding("BelowTarget", "PT"), finding("Sticky", "PT"), old)
	e.tick(t0.Add(20 * time.Minute))
	if got := e.outbox(); len(got) != 0 {
		t.Fatalf("a digest receiver got per-group notifications: %v", reasons(got))
	}
	monday := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	e.process(monday.Add(-10*time.Minute), finding("Sticky", "PT"), old) // BelowTarget/PT resolved
	hnFP := alerts.Fingerprint(alerts.IdentityLabels(old))
	if _, err := e.m.Ack(ctx, hnFP, chiso.AckWillBeCorrect, "minh", "sẽ sửa", monday.Add(-5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	e.tick(monday.Add(-time.Second))
	if got := e.outbox(); len(got) != 0 {
		t.Fatalf("digest before its schedule: %v", reasons(got))
	}
	e.tick(monday)
	got := e.outbox()
	if len(got) != 2 {
		t.Fatalf("want one digest per head, got %d: %v", len(got), reasons(got))
	}
	byTo := map[string]*alerts.Digest{}
	for _, n := range got {
		if n.Reason != alerting.ReasonDigest || len(n.Recipients) != 1 || n.Integration != "email" {
			t.Fatalf("digest notification %+v", n)
		}
		if wantCc := map[string][]string{"head.hn@example.vn": {"cc.hn@example.vn"}}[n.Recipients[0]]; !slices.Equal(n.Cc, wantCc) {
			t.Errorf("digest to %s: cc %v, want %v (one message, not one per address)", n.Recipients[0], n.Cc, wantCc)
		}
		byTo[n.Recipients[0]] = n.Digest
	}
	pt, hn := byTo["head.pt@example.vn"], byTo["head.hn@example.vn"]
	if pt == nil || hn == nil || !pt.From.Equal(t0) || !pt.To.Equal(monday) {
		t.Fatalf("digests %v", byTo)
	}
	if len(pt.Fired) != 1 || pt.Fired[0].Labels["alertname"] != "Sticky" || len(pt.Resolved) != 1 || len(pt.Acknowledged) != 0 {
		t.Errorf("PT digest: fired %d resolved %d ack %d", len(pt.Fired), len(pt.Resolved), len(pt.Acknowledged))
	}
	if len(hn.Acknowledged) != 1 || len(hn.Fired)+len(hn.StillFiring)+len(hn.Resolved) != 0 {
		t.Errorf("HN digest: %+v", hn)
	}
	e.tick(monday.Add(time.Hour))
	e.restart(monday.Add(2 * time.Hour))
	e.tick(monday.Add(3 * time.Hour))
	if n := len(e.outbox()); n != 2 {
		t.Errorf("after restart %d notifications, want still 2", n)
	}
	next := monday.Add(7 * 24 * time.Hour)
	e.tick(next)
	var still int
	for _, n := range e.outbox()[2:] {
		still += len(n.Digest.StillFiring)
	}
	if still != 1 { // Sticky/PT; HN stays acknowledged, so quiet
		t.Errorf("second week: %d still firing, want 1", still)
	}
}

func TestTestReceiverQueues(t *testing.T) {
	e := newEnv(t, baseConfig)
	if err := e.m.TestReceiver(context.Background(), "heads", t0); err != nil {
		t.Fatal(err)
	}
	if err := e.m.TestReceiver(context.Background(), "nobody", t0); err == nil {
		t.Error("tested an unknown receiver")
	}
	if got := e.outbox(); len(got) != 1 || got[0].Reason != alerting.ReasonTest {
		t.Fatalf("outbox %v", reasons(got))
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	c := parseConfig(t, "route: {receiver: nobody, group_wait: soon}\n")
	_, err := alerts.New(alerts.Options{Store: nil, Config: c})
	if err == nil {
		t.Fatal("no store accepted")
	}
	db, _ := store.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	defer db.Close()
	_, err = alerts.New(alerts.Options{Store: db, Config: c})
	if err == nil || !strings.Contains(err.Error(), "route.receiver") || !strings.Contains(err.Error(), "route.group_wait") {
		t.Fatalf("error %v", err)
	}
}

func TestResolvedAlertsAreForgottenAfterTheRetention(t *testing.T) {
	e := newEnv(t, baseConfig+"resolved_retention: 2d\n")
	f := finding("BelowTarget", "PT")
	e.process(t0, f)
	e.process(t0.Add(time.Hour))
	e.process(t0.Add(48 * time.Hour))
	if got := e.m.Alerts(t0); len(got) != 1 || got[0].State != chiso.Resolved {
		t.Fatalf("within the retention: %+v", got)
	}
	e.process(t0.Add(49*time.Hour + time.Second))
	stored, _ := e.db.LoadAlerts(context.Background())
	hist, _ := e.db.AlertHistory(context.Background(), alerting.HistoryFilter{})
	if got := e.m.Alerts(t0); len(got) != 0 || len(stored) != 0 || len(hist) != 2 {
		t.Fatalf("after the retention: %d in memory, %d stored, %d events (want 0, 0, 2)", len(got), len(stored), len(hist))
	}
}

// amConfig sends every alert to a webhook and an Alertmanager at once.
const amConfig = `
route:
  receiver: both
  group_by: [alertname, area]
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 1d
receivers:
  - name: both
    webhook: {url: "http://127.0.0.1:1/hook"}
    alertmanager: {urls: ["http://127.0.0.1:1"]}
`

// entries lists the outbox as reason/integration: muted fingerprints.
func (e *env) entries() []string {
	e.t.Helper()
	es, err := e.db.Notifications(context.Background(), store.OutboxFilter{Limit: 10000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		n, err := alerts.DecodeNotification(es[i])
		if err != nil {
			e.t.Fatal(err)
		}
		s := string(n.Reason) + "/" + es[i].Integration + ":"
		for _, a := range n.Muted {
			s += " muted " + a.Labels["area"]
		}
		out = append(out, s)
	}
	return out
}

// TestMutedAlertsAreToldToAlertmanager: an alert acknowledged or silenced
// after it was notified firing gets one notification for the Alertmanager
// integration alone, carrying it as muted (the client sends it resolved);
// e-mail and webhook receivers hear nothing, as before. Without it,
// Alertmanager kept the alert active, re-sent by the client forever.
func TestMutedAlertsAreToldToAlertmanager(t *testing.T) {
	e := newEnv(t, amConfig)
	ctx := context.Background()
	pt, hn := finding("BelowTarget", "PT"), finding("BelowTarget", "HN")
	e.process(t0, pt, hn)
	e.tick(t0.Add(time.Second))
	if _, err := e.m.Ack(ctx, alerts.Fingerprint(alerts.IdentityLabels(pt)), chiso.AckCorrect, "lan", "đúng", t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	ms, _ := alerting.ParseMatchers(`area="HN"`)
	if _, err := e.m.AddSilence(ctx, alerting.Silence{Matchers: ms, StartsAt: t0, EndsAt: t0.Add(24 * time.Hour),
		CreatedBy: "lan", Comment: "rà soát"}, t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // the next flush tells, later ones do not repeat it
		e.tick(t0.Add(time.Duration(i+1) * time.Minute))
	}
	want := []string{"firing/webhook:", "firing/alertmanager:", "firing/webhook:", "firing/alertmanager:",
		"muted/alertmanager: muted HN", "muted/alertmanager: muted PT"}
	if got := e.entries(); !slices.Equal(got, want) {
		t.Fatalf("outbox\n%q\nwant\n%q", got, want)
	}
}

// TestAckByAlertmanagerFingerprint: the person on call copies the
// fingerprint Alertmanager shows.
func TestAckByAlertmanagerFingerprint(t *testing.T) {
	e := newEnv(t, baseConfig)
	f := finding("BelowTarget", "PT")
	e.process(t0, f)
	st := e.m.Alerts(t0)
	if len(st) != 1 {
		t.Fatalf("alerts %+v", st)
	}
	amfp := alerts.AlertmanagerFingerprint(st[0].Labels)
	a, err := e.m.Ack(context.Background(), amfp, chiso.AckCorrect, "lan", "đúng", t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint != st[0].Fingerprint || a.Ack == nil {
		t.Errorf("acknowledged %+v, want %s", a, st[0].Fingerprint)
	}
}

func TestAlertmanagerFingerprintIsTheLabelSetHash(t *testing.T) {
	// What Debian's Alertmanager 0.25 answered in GET /api/v2/alerts for
	// an alert posted with {alertname="X", area="PT"}; an empty label is
	// not sent.
	labels := map[string]string{"alertname": "X", "area": "PT", "period": ""}
	if got, want := alerts.AlertmanagerFingerprint(labels), "1a250b95683b52f5"; got != want {
		t.Errorf("AlertmanagerFingerprint = %s, want %s", got, want)
	}
}
