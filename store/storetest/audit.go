package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
)

// AuditLog is the audit log's part of a store; see daemon.AuditLog for
// the contract.
type AuditLog interface {
	AddAudit(ctx context.Context, e chiso.AuditEntry) (int64, error)
	AuditEntries(ctx context.Context, f chiso.AuditFilter) ([]chiso.AuditEntry, error)
	PruneAudit(ctx context.Context, before time.Time) (int64, error)
}

// auditEntries are entries of every kind, one hour apart from t0, with
// Vietnamese text and a time to the nanosecond.
func auditEntries() []chiso.AuditEntry {
	return []chiso.AuditEntry{
		{At: t0.Add(123456789), Token: "steward-pt", Remote: "192.0.2.7:51234", Action: "import",
			Target: "phú-thọ.csv (source \"Báo cáo\")", Areas: []string{"PT25", "PT"}, Outcome: chiso.AuditOK, Detail: "added 3, revised 1, unchanged 0"},
		{At: t0.Add(time.Hour), Token: "steward-pt", Remote: "192.0.2.7:51235", Action: "ack",
			Target: "abc123", Areas: []string{"DL25"}, Outcome: chiso.AuditDenied, Detail: `token "steward-pt" may not ack for area DL25`},
		{At: t0.Add(2 * time.Hour), Token: "", Remote: "[2001:db8::1]:4000", Action: "reload",
			Outcome: chiso.AuditUnauthenticated, Detail: "missing or invalid bearer token"},
		{At: t0.Add(3 * time.Hour), Token: "[drop_folder]", Action: "import", Target: "vp.csv",
			Areas: []string{"VP"}, Outcome: chiso.AuditOK},
		{At: t0.Add(4 * time.Hour), Token: "ops", Remote: "198.51.100.2:80", Action: "silence_add",
			Target: `silence 4 {area="PT25"}`, Areas: []string{`="PT25"`}, Outcome: chiso.AuditOK},
	}
}

func addAll(t *testing.T, s Store, es []chiso.AuditEntry) []chiso.AuditEntry {
	t.Helper()
	var last int64
	out := make([]chiso.AuditEntry, len(es))
	for i, e := range es {
		id, err := s.AddAudit(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		if id <= last {
			t.Fatalf("entry %d got id %d, not above the previous %d", i, id, last)
		}
		last = id
		e.ID = id
		out[i] = e
	}
	return out
}

// testAuditRoundTrip: entries come back as written, newest first, times
// to the nanosecond, and survive a reopen.
func testAuditRoundTrip(t *testing.T, h Harness) {
	ctx := context.Background()
	s, addr := open(t, h, 0, 0)
	want := addAll(t, s, auditEntries())
	reverse := func(es []chiso.AuditEntry) []chiso.AuditEntry {
		out := make([]chiso.AuditEntry, len(es))
		for i, e := range es {
			out[len(es)-1-i] = e
		}
		return out
	}
	got, err := s.AuditEntries(ctx, chiso.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, reverse(want)) {
		t.Fatalf("entries:\n got %+v\nwant %+v", got, reverse(want))
	}
	if _, err := s.AddAudit(ctx, chiso.AuditEntry{Action: "reload", Outcome: chiso.AuditOK}); err == nil {
		t.Error("an entry without a time was added")
	}
	s.Close()
	s = reopen(t, h, addr)
	if got, err = s.AuditEntries(ctx, chiso.AuditFilter{}); err != nil || !reflect.DeepEqual(got, reverse(want)) {
		t.Fatalf("after reopening: %v, %+v", err, got)
	}
	id, err := s.AddAudit(ctx, chiso.AuditEntry{At: t0, Action: "reload", Outcome: chiso.AuditOK})
	if err != nil || id <= want[len(want)-1].ID {
		t.Errorf("after reopening the next id is %d (%v), want above %d", id, err, want[len(want)-1].ID)
	}
}

// testAuditFilter: every filter field, alone and together, and pages by
// Before and Limit cover the selection once.
func testAuditFilter(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, 0, 0)
	all := addAll(t, s, auditEntries())
	filters := []chiso.AuditFilter{
		{}, {Token: "steward-pt"}, {Action: "import"}, {Outcome: chiso.AuditOK},
		{Since: t0.Add(time.Hour)}, {Until: t0.Add(2 * time.Hour)},
		{Since: t0.Add(time.Hour), Until: t0.Add(4 * time.Hour), Outcome: chiso.AuditOK},
		{Token: "nobody"}, {Action: "import", Token: "[drop_folder]"},
	}
	for _, f := range filters {
		var want []chiso.AuditEntry
		for i := len(all) - 1; i >= 0; i-- {
			if f.Matches(all[i]) {
				want = append(want, all[i])
			}
		}
		got, err := s.AuditEntries(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(want) > 0 && !reflect.DeepEqual(got, want) {
			t.Errorf("filter %+v:\n got %+v\nwant %+v", f, got, want)
		}
		var paged []chiso.AuditEntry
		for pf := f; ; {
			pf.Limit = 2
			pg, err := s.AuditEntries(ctx, pf)
			if err != nil {
				t.Fatal(err)
			}
			if len(pg) > 2 {
				t.Fatalf("filter %+v: page of %d, limit 2", pf, len(pg))
			}
			paged = append(paged, pg...)
			if len(pg) < 2 {
				break
			}
			pf.Before = pg[len(pg)-1].ID
		}
		if len(paged) != len(want) || len(want) > 0 && !reflect.DeepEqual(paged, want) {
			t.Errorf("filter %+v in pages of 2:\n got %+v\nwant %+v", f, paged, want)
		}
	}
}

// testAuditPrune: entries before the time go, the others stay.
func testAuditPrune(t *testing.T, h Harness) {
	ctx := context.Background()
	s, _ := open(t, h, 0, 0)
	all := addAll(t, s, auditEntries())
	n, err := s.PruneAudit(ctx, t0.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("prune: %d, %v; want 2 deleted", n, err)
	}
	got, err := s.AuditEntries(ctx, chiso.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].ID != all[2].ID {
		t.Errorf("after pruning: %+v, want the last three", got)
	}
	if n, err := s.PruneAudit(ctx, t0); err != nil || n != 0 {
		t.Errorf("pruning again before t0: %d, %v", n, err)
	}
}
