package store

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

var at0 = time.Date(2026, 3, 2, 7, 0, 0, 123456789, time.UTC)

func openAlertsDB(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "chiso.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func sampleAlert(fp string, state chiso.AlertState) chiso.Alert {
	return chiso.Alert{Fingerprint: fp, State: state,
		Labels:      map[string]string{"alertname": "R", "group": "g", "area": "PT", "indicator": "i", "severity": "warning"},
		Annotations: map[string]string{"summary": "Phú Thọ: 91,5% < 95%"},
		ActiveAt:    at0, FiredAt: at0.Add(time.Hour), LastEval: at0.Add(2 * time.Hour),
		Value: 91.5, Expected: math.NaN(),
		Finding: chiso.Finding{Rule: "R", Group: "g", Area: "PT", Indicator: "i", Value: 91.5, Expected: math.NaN(),
			Period: chiso.MustParsePeriod("2025"), Message: "m", DataID: 7},
		Ack: &chiso.Acknowledgement{Fingerprint: fp, Kind: chiso.AckCorrect, By: "lan", At: at0.Add(time.Minute),
			Comment: "đúng", DataID: 7}}
}

func queued(receiver string) alerting.OutboxEntry {
	return alerting.OutboxEntry{Receiver: receiver, Integration: "webhook", GroupKey: "0:{}", Reason: alerting.ReasonFiring,
		Payload: []byte(`{"receiver":"` + receiver + `"}`), NextAttempt: at0, Status: alerting.StatusQueued, CreatedAt: at0}
}

// sameAlert compares alerts, NaN equal to NaN.
func sameAlert(a, b chiso.Alert) bool {
	nan := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	if !nan(a.Value, b.Value) || !nan(a.Expected, b.Expected) || !nan(a.Finding.Expected, b.Finding.Expected) {
		return false
	}
	a.Value, a.Expected, a.Finding.Expected = 0, 0, 0
	b.Value, b.Expected, b.Finding.Expected = 0, 0, 0
	return reflect.DeepEqual(a, b)
}

func TestAlertsSurviveReopen(t *testing.T) {
	db, path := openAlertsDB(t)
	ctx := context.Background()
	a, b := sampleAlert("aaaa", chiso.Firing), sampleAlert("bbbb", chiso.Resolved)
	b.Ack, b.ResolvedAt = nil, at0.Add(3*time.Hour)
	if err := db.ApplyAlertChanges(ctx, alerting.Batch{Changes: []alerting.Change{{Alert: a}, {Alert: b}}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	got, err := db2.LoadAlerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !sameAlert(got[0], a) || !sameAlert(got[1], b) {
		t.Fatalf("loaded\n%+v\nwant\n%+v\n%+v", got, a, b)
	}
	a.State = chiso.Resolved
	if err := db2.ApplyAlertChanges(ctx, alerting.Batch{Changes: []alerting.Change{{Alert: a}, {Alert: b, Delete: true}}}); err != nil {
		t.Fatal(err)
	}
	got, _ = db2.LoadAlerts(ctx)
	if len(got) != 1 || got[0].State != chiso.Resolved {
		t.Fatalf("after update and delete: %+v", got)
	}
}

func TestApplyAlertChangesIsAllOrNothing(t *testing.T) {
	db, _ := openAlertsDB(t)
	ctx := context.Background()
	bad := queued("heads")
	bad.Status = "lost" // refused by the table's CHECK, after the alert was written
	batch := alerting.Batch{
		Changes: []alerting.Change{{Alert: sampleAlert("aaaa", chiso.Firing)}},
		Events:  []alerting.Event{{Fingerprint: "aaaa", At: at0, Kind: alerting.EventTransition, To: chiso.Firing, Value: 1}},
		Acks:    []chiso.Acknowledgement{*sampleAlert("aaaa", chiso.Firing).Ack},
		Log:     []alerting.LogEntry{{Receiver: "heads", GroupKey: "0:{}", Firing: []string{"aaaa"}, At: at0}},
		Queue:   []alerting.OutboxEntry{queued("heads"), bad},
	}
	if err := db.ApplyAlertChanges(ctx, batch); err == nil {
		t.Fatal("a bad outbox entry was accepted")
	}
	as, _ := db.LoadAlerts(ctx)
	hist, _ := db.AlertHistory(ctx, alerting.HistoryFilter{})
	acks, _ := db.Acknowledgements(ctx, "")
	log, _ := db.NotificationLog(ctx)
	n, _ := db.OutboxLength(ctx)
	if len(as)+len(hist)+len(acks)+len(log)+n != 0 {
		t.Fatalf("a failed batch left alerts %d, events %d, acks %d, log %d, outbox %d", len(as), len(hist), len(acks), len(log), n)
	}
	batch.Queue = batch.Queue[:1]
	if err := db.ApplyAlertChanges(ctx, batch); err != nil {
		t.Fatal(err)
	}
	as, _ = db.LoadAlerts(ctx)
	n, _ = db.OutboxLength(ctx)
	if len(as) != 1 || n != 1 {
		t.Fatalf("the good batch stored alerts %d, outbox %d", len(as), n)
	}
}

func TestOutboxRetriesAndDeadLetters(t *testing.T) {
	db, path := openAlertsDB(t)
	ctx := context.Background()
	log := []alerting.LogEntry{{Receiver: "a", GroupKey: "0:{}", Firing: []string{"f1"}, At: at0}}
	if err := db.ApplyAlertChanges(ctx, alerting.Batch{Queue: []alerting.OutboxEntry{queued("a"), queued("b"), queued("c")}, Log: log}); err != nil {
		t.Fatal(err)
	}
	due := func(at time.Time) []int64 {
		t.Helper()
		es, err := db.DueNotifications(ctx, at, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, e := range es {
			ids = append(ids, e.ID)
		}
		return ids
	}
	if got := due(at0.Add(-time.Second)); len(got) != 0 {
		t.Fatalf("due before their time: %v", got)
	}
	if got := due(at0); !reflect.DeepEqual(got, []int64{1, 2, 3}) {
		t.Fatalf("due %v", got)
	}
	if err := db.MarkNotificationFailed(ctx, 2, 1, at0.Add(2*time.Second), "421", false); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkNotificationFailed(ctx, 3, 1, at0.Add(2*time.Second), "550", true); err != nil {
		t.Fatal(err)
	}
	sent, err := db.MarkNotificationSent(ctx, 1, at0.Add(time.Second))
	if err != nil || !sent {
		t.Fatalf("mark sent: %v %v", sent, err)
	}
	if again, _ := db.MarkNotificationSent(ctx, 1, at0.Add(3*time.Second)); again {
		t.Error("an entry was marked sent twice")
	}
	db.MarkNotificationFailed(ctx, 1, 9, at0, "late failure", false) // a sent entry stays sent
	if got := due(at0.Add(time.Second)); len(got) != 0 {
		t.Fatalf("due during the backoff: %v", got)
	}
	if got := due(at0.Add(2 * time.Second)); !reflect.DeepEqual(got, []int64{2}) {
		t.Fatalf("due after the backoff %v, want [2] (3 is dead, 1 sent)", got)
	}
	if es, _ := db.DueNotifications(ctx, at0.Add(time.Hour), 10, []int64{2}); len(es) != 0 {
		t.Errorf("skip ignored: %v", es)
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, _ := db.Notifications(ctx, OutboxFilter{})
	want := map[int64]alerting.OutboxStatus{1: alerting.StatusSent, 2: alerting.StatusFailed, 3: alerting.StatusDead}
	for _, e := range all {
		if e.Status != want[e.ID] {
			t.Errorf("entry %d: %s, want %s", e.ID, e.Status, want[e.ID])
		}
		if e.ID == 1 && (!e.SentAt.Equal(at0.Add(time.Second)) || e.LastError != "" || string(e.Payload) != `{"receiver":"a"}`) {
			t.Errorf("sent entry %+v", e)
		}
	}
	if n, _ := db.OutboxLength(ctx); n != 1 {
		t.Errorf("queue length %d, want 1", n)
	}
	nl, _ := db.NotificationLog(ctx)
	if len(nl) != 1 || !nl[0].SentAt.Equal(at0.Add(time.Second)) || !reflect.DeepEqual(nl[0].Firing, []string{"f1"}) {
		t.Errorf("log %+v", nl)
	}
	if n, _ := db.PurgeNotifications(ctx, at0.Add(time.Hour)); n != 2 {
		t.Errorf("purged %d, want the sent and the dead one", n)
	}
}

func TestAlertHistoryFilters(t *testing.T) {
	db, _ := openAlertsDB(t)
	ctx := context.Background()
	ev := func(fp, area string, h int, kind alerting.EventKind) alerting.Event {
		return alerting.Event{Fingerprint: fp, At: at0.Add(time.Duration(h) * time.Hour), Kind: kind, To: chiso.Firing,
			Labels: map[string]string{"alertname": "R", "area": area, "indicator": "i"}, Value: math.NaN()}
	}
	events := []alerting.Event{ev("a", "PT", 0, alerting.EventTransition), ev("a", "PT", 1, alerting.EventAcknowledged),
		ev("b", "HN", 2, alerting.EventTransition), ev("a", "PT", 3, alerting.EventAckLapsed)}
	if err := db.ApplyAlertChanges(ctx, alerting.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		f    alerting.HistoryFilter
		want []int // hours, newest first
	}{
		{alerting.HistoryFilter{}, []int{3, 2, 1, 0}},
		{alerting.HistoryFilter{Fingerprint: "a"}, []int{3, 1, 0}},
		{alerting.HistoryFilter{Area: "HN"}, []int{2}},
		{alerting.HistoryFilter{Kind: alerting.EventAcknowledged}, []int{1}},
		{alerting.HistoryFilter{Since: at0.Add(time.Hour), Until: at0.Add(3 * time.Hour)}, []int{2, 1}},
		{alerting.HistoryFilter{Limit: 1}, []int{3}},
		{alerting.HistoryFilter{Alertname: "S"}, nil},
	}
	for _, tt := range tests {
		got, err := db.AlertHistory(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		var hours []int
		for _, e := range got {
			hours = append(hours, int(e.At.Sub(at0)/time.Hour))
			if !math.IsNaN(e.Value) || e.Labels["alertname"] != "R" {
				t.Errorf("event %+v", e)
			}
		}
		if !reflect.DeepEqual(hours, tt.want) {
			t.Errorf("%+v: hours %v, want %v", tt.f, hours, tt.want)
		}
	}
}

// TestAlertHistoryPagesFollowTheLastEvent: pages of history that each
// start after the last event of the one before list every event once, in
// order, even when events share a time.
func TestAlertHistoryPagesFollowTheLastEvent(t *testing.T) {
	db, _ := openAlertsDB(t)
	ctx := context.Background()
	var events []alerting.Event
	for i := range 7 {
		events = append(events, alerting.Event{Fingerprint: fmt.Sprint(i), At: at0.Add(time.Duration(i/3) * time.Hour),
			Kind: alerting.EventTransition, To: chiso.Firing, Value: 1})
	}
	if err := db.ApplyAlertChanges(ctx, alerting.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	var got []string
	f := alerting.HistoryFilter{Limit: 2}
	for range 10 {
		page, err := db.AlertHistory(ctx, f)
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
	if s := strings.Join(got, ","); s != "6,5,4,3,2,1,0" {
		t.Errorf("pages list %s, want 6,5,4,3,2,1,0", s)
	}
}

func TestSilencesSaveAndUpdate(t *testing.T) {
	db, _ := openAlertsDB(t)
	ctx := context.Background()
	ms, _ := alerting.ParseMatchers(`area=~"PT|VP", severity!="info"`)
	s := alerting.Silence{Matchers: ms, StartsAt: at0, EndsAt: at0.Add(time.Hour), CreatedBy: "lan", Comment: "c",
		CreatedAt: at0, UpdatedAt: at0}
	if err := db.SaveSilence(ctx, &s); err != nil || s.ID != 1 {
		t.Fatalf("insert: id %d, %v", s.ID, err)
	}
	s.EndsAt = at0.Add(time.Minute)
	if err := db.SaveSilence(ctx, &s); err != nil {
		t.Fatal(err)
	}
	got, err := db.Silences(ctx)
	if err != nil || len(got) != 1 || !got[0].EndsAt.Equal(at0.Add(time.Minute)) || got[0].Matchers.String() != ms.String() {
		t.Fatalf("silences %+v, %v", got, err)
	}
	if !got[0].Matchers.Matches(map[string]string{"area": "VP", "severity": "warning"}) {
		t.Error("loaded regexp matcher does not match")
	}
	missing := alerting.Silence{ID: 42, Matchers: ms}
	if err := db.SaveSilence(ctx, &missing); err == nil {
		t.Error("updated a silence that does not exist")
	}
}
