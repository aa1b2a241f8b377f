package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/store"
)

// AlertStore is what alerting persists, as the alert manager, the
// deliverer, the daemon and the API ask of it (alerts.Store, alerts.Outbox,
// daemon.AlertStore), with the acknowledgements log.
type AlertStore interface {
	// LoadAlerts returns every stored alert, by fingerprint.
	LoadAlerts(ctx context.Context) ([]chiso.Alert, error)
	// ApplyAlertChanges writes a batch all or nothing.
	ApplyAlertChanges(ctx context.Context, b alerting.Batch) error
	// NotificationLog returns every log entry, by receiver and group key.
	NotificationLog(ctx context.Context) ([]alerting.LogEntry, error)
	// Silences returns every silence, expired ones included, by id.
	Silences(ctx context.Context) ([]alerting.Silence, error)
	// SaveSilence inserts a silence whose ID is zero, setting its ID, or
	// updates the one with its ID (alerting.ErrNotFound if none).
	SaveSilence(ctx context.Context, s *alerting.Silence) error
	// DueNotifications, StartNotificationAttempt, MarkNotificationSent,
	// MarkNotificationFailed and OutboxLength are alerts.Outbox's.
	DueNotifications(ctx context.Context, now time.Time, limit int, skip []int64) ([]alerting.OutboxEntry, error)
	StartNotificationAttempt(ctx context.Context, id int64) (bool, error)
	MarkNotificationSent(ctx context.Context, id int64, at time.Time) (bool, error)
	MarkNotificationFailed(ctx context.Context, id int64, attempts int, next time.Time, msg string, dead bool) error
	OutboxLength(ctx context.Context) (int, error)
	// AlertHistory returns the events the filter selects, newest first.
	AlertHistory(ctx context.Context, f alerting.HistoryFilter) ([]alerting.Event, error)
	// Notifications returns the outbox entries the filter selects, newest
	// first.
	Notifications(ctx context.Context, f store.OutboxFilter) ([]alerting.OutboxEntry, error)
	// Acknowledgements returns the acknowledgements given on an alert,
	// newest first; an empty fingerprint returns every alert's.
	Acknowledgements(ctx context.Context, fingerprint string) ([]chiso.Acknowledgement, error)
}

// a0 is the time of the alerting cases' first decision; it has
// nanoseconds, which a store keeps.
var a0 = time.Date(2026, 3, 2, 7, 0, 0, 123456789, time.UTC)

// sampleAlert has one of everything an alert holds: labels, annotations
// with diacritics, every time, a missing expected value, a finding and an
// acknowledgement.
func sampleAlert(fp string, state chiso.AlertState) chiso.Alert {
	return chiso.Alert{Fingerprint: fp, State: state,
		Labels:      map[string]string{"alertname": "R", "group": "g", "area": "PT", "indicator": "i", "severity": "warning"},
		Annotations: map[string]string{"summary": "Phú Thọ: 91,5% < 95%"},
		ActiveAt:    a0, FiredAt: a0.Add(time.Hour), LastEval: a0.Add(2 * time.Hour), KeepFiringSince: a0.Add(90 * time.Minute),
		Value: 91.5, Expected: math.NaN(),
		Finding: chiso.Finding{Rule: "R", Group: "g", Area: "PT", Indicator: "i", Value: 91.5, Expected: math.NaN(),
			Period: chiso.MustParsePeriod("2025"), Message: "m", DataID: 7},
		Ack: &chiso.Acknowledgement{Fingerprint: fp, Kind: chiso.AckCorrect, By: "lan", At: a0.Add(time.Minute),
			Comment: "đúng", DataID: 7}}
}

// alertText is an alert as text: equal texts are equal alerts, NaN
// included.
func alertText(a chiso.Alert) string {
	ack := "no ack"
	if a.Ack != nil {
		ack = fmt.Sprintf("%+v", *a.Ack)
	}
	a.Ack = nil
	return fmt.Sprintf("%+v %s", a, ack)
}

// queued is a notification for receiver, due at a0.
func queued(receiver string) alerting.OutboxEntry {
	return alerting.OutboxEntry{Receiver: receiver, Integration: "webhook", GroupKey: "0:{}", Reason: alerting.ReasonFiring,
		Payload: []byte(`{"receiver":"` + receiver + `"}`), NextAttempt: a0, Status: alerting.StatusQueued, CreatedAt: a0}
}

// apply writes a batch and fails the test on an error.
func apply(t *testing.T, s Store, b alerting.Batch) {
	t.Helper()
	if err := s.ApplyAlertChanges(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

// testAlertsRoundTrip: alerts come back as they went in, by fingerprint,
// after a reopen too; a batch updates one and deletes another.
func testAlertsRoundTrip(t *testing.T, h Harness) {
	s, addr := open(t, h, 0, 0)
	ctx := context.Background()
	a, b := sampleAlert("bbbb", chiso.Firing), sampleAlert("aaaa", chiso.Resolved)
	b.Ack, b.ResolvedAt, b.ResolvedBecause, b.KeepFiringSince = nil, a0.Add(3*time.Hour), chiso.ResolvedRevised, time.Time{}
	apply(t, s, alerting.Batch{Changes: []alerting.Change{{Alert: a}, {Alert: b}}})
	want := alertText(b) + "\n" + alertText(a) + "\n"
	for _, st := range []Store{s, reopen(t, h, addr)} {
		got, err := st.LoadAlerts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if g := alertsText(got); g != want {
			t.Fatalf("alerts round trip:\n%s", Diff(want, g))
		}
	}
	a.State, a.Ack = chiso.Resolved, nil
	apply(t, s, alerting.Batch{Changes: []alerting.Change{{Alert: a}, {Alert: b, Delete: true}}})
	got, err := s.LoadAlerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := alertsText(got), alertText(a)+"\n"; g != w {
		t.Errorf("after an update and a delete:\n%s", Diff(w, g))
	}
}

func alertsText(as []chiso.Alert) string {
	var b strings.Builder
	for _, a := range as {
		b.WriteString(alertText(a) + "\n")
	}
	return b.String()
}

// testAlertBatchAllOrNothing: a batch with an outbox entry of an unknown
// status is refused whole: no alert, event, acknowledgement, log entry or
// notification of it is stored. The same batch without it is stored whole.
func testAlertBatchAllOrNothing(t *testing.T, h Harness) {
	s, _ := open(t, h, 0, 0)
	ctx := context.Background()
	bad := queued("heads")
	bad.Status = "lost"
	a := sampleAlert("aaaa", chiso.Firing)
	batch := alerting.Batch{
		Changes: []alerting.Change{{Alert: a}},
		Events:  []alerting.Event{{Fingerprint: "aaaa", At: a0, Kind: alerting.EventTransition, To: chiso.Firing, Value: 1}},
		Acks:    []chiso.Acknowledgement{*a.Ack},
		Log:     []alerting.LogEntry{{Receiver: "heads", GroupKey: "0:{}", Firing: []string{"aaaa"}, At: a0}},
		Queue:   []alerting.OutboxEntry{queued("heads"), bad},
	}
	if err := s.ApplyAlertChanges(ctx, batch); err == nil {
		t.Fatal("an outbox entry of status \"lost\" was accepted")
	}
	if n := alertRecords(t, s); n != [5]int{} {
		t.Fatalf("a refused batch left alerts, events, acks, log entries, notifications %v", n)
	}
	batch.Queue = batch.Queue[:1]
	apply(t, s, batch)
	if n := alertRecords(t, s); n != [5]int{1, 1, 1, 1, 1} {
		t.Fatalf("the batch stored alerts, events, acks, log entries, notifications %v; want one of each", n)
	}
}

// alertRecords counts the alerts, events, acknowledgements, log entries
// and notifications stored.
func alertRecords(t *testing.T, s Store) [5]int {
	t.Helper()
	ctx := context.Background()
	as, err1 := s.LoadAlerts(ctx)
	hist, err2 := s.AlertHistory(ctx, alerting.HistoryFilter{})
	acks, err3 := s.Acknowledgements(ctx, "")
	log, err4 := s.NotificationLog(ctx)
	ns, err5 := s.Notifications(ctx, store.OutboxFilter{})
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		t.Fatal(err)
	}
	return [5]int{len(as), len(hist), len(acks), len(log), len(ns)}
}

// testAcknowledgements: acknowledgements are kept, newest first, by
// fingerprint or all together.
func testAcknowledgements(t *testing.T, h Harness) {
	s, _ := open(t, h, 0, 0)
	ctx := context.Background()
	ack := func(fp string, m int, by string) chiso.Acknowledgement {
		return chiso.Acknowledgement{Fingerprint: fp, Kind: chiso.AckWillBeCorrect, By: by, At: a0.Add(time.Duration(m) * time.Minute),
			Comment: "sẽ sửa", DataID: int64(m)}
	}
	acks := []chiso.Acknowledgement{ack("a", 0, "lan"), ack("b", 1, "minh"), ack("a", 2, "hoa")}
	apply(t, s, alerting.Batch{Acks: acks[:2]})
	apply(t, s, alerting.Batch{Acks: acks[2:]})
	for _, tc := range []struct {
		fp   string
		want []chiso.Acknowledgement
	}{
		{"", []chiso.Acknowledgement{acks[2], acks[1], acks[0]}},
		{"a", []chiso.Acknowledgement{acks[2], acks[0]}},
		{"c", nil},
	} {
		got, err := s.Acknowledgements(ctx, tc.fp)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tc.want) {
			t.Errorf("acknowledgements of %q:\n got %+v\nwant %+v", tc.fp, got, tc.want)
		}
	}
}

// testSilences: a silence is stored with a new id, updated (expired by
// moving its end), listed with expired ones by id, and its matchers match
// after a reopen; updating an unknown silence is alerting.ErrNotFound.
func testSilences(t *testing.T, h Harness) {
	s, addr := open(t, h, 0, 0)
	ctx := context.Background()
	ms, err := alerting.ParseMatchers(`area=~"PT|VP", severity!="info"`)
	if err != nil {
		t.Fatal(err)
	}
	one := alerting.Silence{Matchers: ms, StartsAt: a0, EndsAt: a0.Add(time.Hour), CreatedBy: "lan", Comment: "nhập lại",
		CreatedAt: a0, UpdatedAt: a0}
	two := one
	two.Comment = "second"
	for _, sl := range []*alerting.Silence{&one, &two} {
		if err := s.SaveSilence(ctx, sl); err != nil {
			t.Fatal(err)
		}
	}
	if one.ID <= 0 || two.ID <= one.ID {
		t.Fatalf("new silences got ids %d and %d; want positive and increasing", one.ID, two.ID)
	}
	one.EndsAt, one.UpdatedAt = a0.Add(time.Minute), a0.Add(time.Minute) // expired at a0+1m
	if err := s.SaveSilence(ctx, &one); err != nil {
		t.Fatal(err)
	}
	got, err := reopen(t, h, addr).Silences(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", []alerting.Silence{one, two}); len(got) != 2 || g != w {
		t.Fatalf("silences\n got %s\nwant %s", g, w)
	}
	now := a0.Add(30 * time.Minute)
	if got[0].State(now) != alerting.SilenceExpired || got[1].State(now) != alerting.SilenceActive {
		t.Errorf("at %s: states %s and %s, want expired and active", now, got[0].State(now), got[1].State(now))
	}
	if !got[1].Matchers.Matches(map[string]string{"area": "VP", "severity": "warning"}) ||
		got[1].Matchers.Matches(map[string]string{"area": "VPX", "severity": "warning"}) {
		t.Error("a loaded regular expression matcher does not match as anchored")
	}
	missing := alerting.Silence{ID: two.ID + 100, Matchers: ms, StartsAt: a0, EndsAt: a0.Add(time.Hour)}
	if err := s.SaveSilence(ctx, &missing); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("updating an unknown silence: %v, want alerting.ErrNotFound", err)
	}
}

// dueIDs returns the ids of the entries due at now.
func dueIDs(t *testing.T, s Store, now time.Time, limit int, skip ...int64) []int64 {
	t.Helper()
	es, err := s.DueNotifications(context.Background(), now, limit, skip)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

// queue stores notifications for the receivers and returns their ids, in
// the order given.
func queue(t *testing.T, s Store, receivers ...string) []int64 {
	t.Helper()
	b := alerting.Batch{}
	for _, r := range receivers {
		b.Queue = append(b.Queue, queued(r))
	}
	apply(t, s, b)
	all, err := s.Notifications(context.Background(), store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range all[:len(receivers)] { // newest first
		ids = append(ids, e.ID)
	}
	slices.Reverse(ids)
	return ids
}

// testOutboxBookkeeping: entries are due from their next attempt, oldest
// attempt first, up to the limit and without the skipped ones; a sent
// entry is marked sent once and never due again; a failed one is due
// again at its next attempt; a dead one never; a failure reported after
// the sending does not undo it.
func testOutboxBookkeeping(t *testing.T, h Harness) {
	s, _ := open(t, h, 0, 0)
	ctx := context.Background()
	ids := queue(t, s, "a", "b", "c")
	if ids[0] <= 0 || ids[1] <= ids[0] || ids[2] <= ids[1] {
		t.Fatalf("ids %v: want positive and increasing", ids)
	}
	if got := dueIDs(t, s, a0.Add(-time.Nanosecond), 10); len(got) != 0 {
		t.Fatalf("due before their time: %v", got)
	}
	if got := dueIDs(t, s, a0, 10); !slices.Equal(got, ids) {
		t.Fatalf("due %v, want %v", got, ids)
	}
	if got := dueIDs(t, s, a0, 2, ids[0]); !slices.Equal(got, ids[1:]) {
		t.Fatalf("due with a limit of 2, skipping %d: %v", ids[0], got)
	}
	for _, id := range ids {
		if ok, err := s.StartNotificationAttempt(ctx, id); err != nil || !ok {
			t.Fatalf("start attempt %d: %v %v", id, ok, err)
		}
	}
	if err := s.MarkNotificationFailed(ctx, ids[1], 1, a0.Add(2*time.Second), "421", false); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkNotificationFailed(ctx, ids[2], 1, a0.Add(2*time.Second), "550", true); err != nil {
		t.Fatal(err)
	}
	if sent, err := s.MarkNotificationSent(ctx, ids[0], a0.Add(time.Second)); err != nil || !sent {
		t.Fatalf("mark sent: %v %v", sent, err)
	}
	if again, err := s.MarkNotificationSent(ctx, ids[0], a0.Add(3*time.Second)); err != nil || again {
		t.Errorf("marked sent twice: %v %v", again, err)
	}
	if err := s.MarkNotificationFailed(ctx, ids[0], 9, a0, "late failure", false); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{ids[0], ids[2], ids[2] + 100} {
		if ok, err := s.StartNotificationAttempt(ctx, id); err != nil || ok {
			t.Errorf("an attempt of sent, dead or unknown entry %d began: %v %v", id, ok, err)
		}
	}
	if got := dueIDs(t, s, a0.Add(time.Second), 10); len(got) != 0 {
		t.Fatalf("due during the backoff: %v", got)
	}
	if got := dueIDs(t, s, a0.Add(2*time.Second), 10); !slices.Equal(got, ids[1:2]) {
		t.Fatalf("due after the backoff: %v, want only the failed %d", got, ids[1])
	}
	wantOutbox(t, s, map[int64]string{ids[0]: "sent 1 ", ids[1]: "failed 1 421", ids[2]: "dead 1 550"}, 1)
	e := entry(t, s, ids[0])
	if !e.SentAt.Equal(a0.Add(time.Second)) || string(e.Payload) != `{"receiver":"a"}` || e.Reason != alerting.ReasonFiring ||
		e.Receiver != "a" || e.Integration != "webhook" || e.GroupKey != "0:{}" || !e.CreatedAt.Equal(a0) {
		t.Errorf("sent entry %+v", e)
	}
}

// entry returns the outbox entry with the id.
func entry(t *testing.T, s Store, id int64) alerting.OutboxEntry {
	t.Helper()
	all, err := s.Notifications(context.Background(), store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("no outbox entry %d", id)
	return alerting.OutboxEntry{}
}

// wantOutbox checks each entry's status, attempts and last error, and the
// outbox's length.
func wantOutbox(t *testing.T, s Store, want map[int64]string, length int) {
	t.Helper()
	for id, w := range want {
		e := entry(t, s, id)
		if g := fmt.Sprintf("%s %d %s", e.Status, e.Attempts, e.LastError); g != w {
			t.Errorf("entry %d: %s, want %s", id, g, w)
		}
	}
	if n, err := s.OutboxLength(context.Background()); err != nil || n != length {
		t.Errorf("outbox length %d, %v; want %d", n, err, length)
	}
}

// testOutboxCrashMidDelivery: an entry whose attempt began and was never
// marked, as when the process is killed during a send, is due again after
// the crash with its attempt counted (delivered at least once, never
// lost); once marked sent it is never due again, across a reopen too.
func testOutboxCrashMidDelivery(t *testing.T, h Harness) {
	s, addr := open(t, h, 0, 0)
	ctx := context.Background()
	ids := queue(t, s, "a", "b")
	if sent, err := s.StartNotificationAttempt(ctx, ids[0]); err != nil || !sent {
		t.Fatal(sent, err)
	}
	if sent, err := s.MarkNotificationSent(ctx, ids[0], a0); err != nil || !sent {
		t.Fatal(sent, err)
	}
	if ok, err := s.StartNotificationAttempt(ctx, ids[1]); err != nil || !ok {
		t.Fatal(ok, err)
	}
	caddr := h.Crash(t, addr)
	crashed := reopen(t, h, caddr)
	if got := dueIDs(t, crashed, a0, 10); !slices.Equal(got, ids[1:]) {
		t.Fatalf("due after the crash: %v, want the claimed %d and not the sent %d", got, ids[1], ids[0])
	}
	wantOutbox(t, crashed, map[int64]string{ids[0]: "sent 1 ", ids[1]: "queued 1 "}, 1)
	if ok, err := crashed.StartNotificationAttempt(ctx, ids[1]); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if sent, err := crashed.MarkNotificationSent(ctx, ids[1], a0.Add(time.Minute)); err != nil || !sent {
		t.Fatal(sent, err)
	}
	again := reopen(t, h, h.Crash(t, caddr))
	if got := dueIDs(t, again, a0.Add(24*time.Hour), 10); len(got) != 0 {
		t.Errorf("due after a second crash: %v; sent entries are never due again", got)
	}
	wantOutbox(t, again, map[int64]string{ids[0]: "sent 1 ", ids[1]: "sent 2 "}, 0)
}

// testNotificationLog: a log entry per receiver and group, replaced by the
// next one queued for them but keeping its sending time until a new one is
// given; marking a notification sent stamps its group's entry.
func testNotificationLog(t *testing.T, h Harness) {
	s, _ := open(t, h, 0, 0)
	ctx := context.Background()
	first := alerting.LogEntry{Receiver: "heads", GroupKey: "0:{}", Firing: []string{"f1", "f2"}, At: a0}
	other := alerting.LogEntry{Receiver: "audit", GroupKey: "0:{area=\"PT\"}", Resolved: []string{"f3"}, At: a0}
	apply(t, s, alerting.Batch{Log: []alerting.LogEntry{first, other}, Queue: []alerting.OutboxEntry{queued("heads")}})
	ids := dueIDs(t, s, a0, 10)
	if len(ids) != 1 {
		t.Fatalf("due %v", ids)
	}
	if _, err := s.StartNotificationAttempt(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkNotificationSent(ctx, ids[0], a0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	next := alerting.LogEntry{Receiver: "heads", GroupKey: "0:{}", Resolved: []string{"f1"}, At: a0.Add(time.Hour)}
	apply(t, s, alerting.Batch{Log: []alerting.LogEntry{next}})
	got, err := s.NotificationLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next.SentAt = a0.Add(time.Second)
	want := []string{logText(other), logText(next)}
	var g []string
	for _, e := range got {
		g = append(g, logText(e))
	}
	if !slices.Equal(g, want) {
		t.Errorf("notification log\n got %q\nwant %q", g, want)
	}
}

// logText is a log entry as text, an empty list as none.
func logText(e alerting.LogEntry) string {
	return fmt.Sprintf("%s %s firing %v resolved %v at %s sent %s", e.Receiver, e.GroupKey, e.Firing, e.Resolved,
		e.At.Format(time.RFC3339Nano), e.SentAt.Format(time.RFC3339Nano))
}

// testNotificationsFilter: the outbox lists newest first, by status and
// receiver, up to a limit.
func testNotificationsFilter(t *testing.T, h Harness) {
	s, _ := open(t, h, 0, 0)
	ctx := context.Background()
	ids := queue(t, s, "a", "b", "a")
	if err := s.MarkNotificationFailed(ctx, ids[0], 1, a0, "421", true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    store.OutboxFilter
		want []int64
	}{
		{store.OutboxFilter{}, []int64{ids[2], ids[1], ids[0]}},
		{store.OutboxFilter{Receiver: "a"}, []int64{ids[2], ids[0]}},
		{store.OutboxFilter{Status: alerting.StatusQueued}, []int64{ids[2], ids[1]}},
		{store.OutboxFilter{Status: alerting.StatusDead, Receiver: "a"}, []int64{ids[0]}},
		{store.OutboxFilter{Limit: 1}, []int64{ids[2]}},
	} {
		es, err := s.Notifications(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, e := range es {
			got = append(got, e.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
	}
}

// testAlertHistory: events come back newest first with what they carry
// (a missing value as NaN), selected by every field of the filter, and
// pages that each start after the last event of the one before list every
// event once even when events share a time.
func testAlertHistory(t *testing.T, h Harness) {
	s, _ := open(t, h, 0, 0)
	ctx := context.Background()
	ev := func(fp, name, area string, h int, kind alerting.EventKind) alerting.Event {
		return alerting.Event{Fingerprint: fp, At: a0.Add(time.Duration(h) * time.Hour), Kind: kind, From: chiso.Pending,
			To: chiso.Firing, Labels: map[string]string{"alertname": name, "area": area, "indicator": "i"}, Value: math.NaN(),
			DataID: 7, Note: "ghi chú"}
	}
	events := []alerting.Event{ev("a", "R", "PT", 0, alerting.EventTransition), ev("a", "R", "PT", 1, alerting.EventAcknowledged),
		ev("b", "S", "HN", 2, alerting.EventTransition), ev("a", "R", "PT", 3, alerting.EventAckLapsed)}
	events[2].Value, events[2].Labels["indicator"] = 4.5, "j"
	apply(t, s, alerting.Batch{Events: events})
	for _, tc := range []struct {
		f    alerting.HistoryFilter
		want []int // hours, newest first
	}{
		{alerting.HistoryFilter{}, []int{3, 2, 1, 0}},
		{alerting.HistoryFilter{Fingerprint: "a"}, []int{3, 1, 0}},
		{alerting.HistoryFilter{Alertname: "S"}, []int{2}},
		{alerting.HistoryFilter{Area: "PT"}, []int{3, 1, 0}},
		{alerting.HistoryFilter{Indicator: "j"}, []int{2}},
		{alerting.HistoryFilter{Kind: alerting.EventAcknowledged}, []int{1}},
		{alerting.HistoryFilter{Since: a0.Add(time.Hour), Until: a0.Add(3 * time.Hour)}, []int{2, 1}},
		{alerting.HistoryFilter{Fingerprint: "a", Since: a0.Add(time.Hour)}, []int{3, 1}},
		{alerting.HistoryFilter{Limit: 1}, []int{3}},
		{alerting.HistoryFilter{Alertname: "T"}, nil},
	} {
		got, err := s.AlertHistory(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var hours []int
		for _, e := range got {
			hours = append(hours, int(e.At.Sub(a0)/time.Hour))
		}
		if !slices.Equal(hours, tc.want) {
			t.Errorf("%+v: hours %v, want %v", tc.f, hours, tc.want)
		}
	}
	got, err := s.AlertHistory(ctx, alerting.HistoryFilter{Alertname: "S"})
	if err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	w := events[2]
	if e := got[0]; e.ID <= 0 || e.Fingerprint != "b" || !e.At.Equal(w.At) || e.Kind != w.Kind || e.From != w.From || e.To != w.To ||
		!reflect.DeepEqual(e.Labels, w.Labels) || e.Value != 4.5 || e.DataID != 7 || e.Note != w.Note {
		t.Errorf("event\n got %+v\nwant %+v", e, w)
	}
	if got, _ := s.AlertHistory(ctx, alerting.HistoryFilter{Fingerprint: "a", Limit: 1}); len(got) != 1 || !math.IsNaN(got[0].Value) {
		t.Errorf("a missing value came back as %+v", got)
	}
	testHistoryPages(t, s)
}

// testHistoryPages pages through seven events, three to an hour.
func testHistoryPages(t *testing.T, s Store) {
	ctx := context.Background()
	var events []alerting.Event
	for i := range 7 {
		events = append(events, alerting.Event{Fingerprint: fmt.Sprint("p", i), At: a0.Add(time.Duration(10+i/3) * time.Hour),
			Kind: alerting.EventTransition, To: chiso.Firing, Value: 1})
	}
	apply(t, s, alerting.Batch{Events: events})
	var got []string
	f := alerting.HistoryFilter{Since: a0.Add(10 * time.Hour), Limit: 2}
	for range 10 {
		page, err := s.AlertHistory(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			got = append(got, e.Fingerprint)
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.After = alerting.EventPosition{At: last.At, ID: last.ID}
	}
	if g := strings.Join(got, ","); g != "p6,p5,p4,p3,p2,p1,p0" {
		t.Errorf("pages list %s, want p6,p5,p4,p3,p2,p1,p0", g)
	}
}
