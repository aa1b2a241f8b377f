package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/internal/pgtest"
	"github.com/chiso-vn/chiso/internal/testbin"
	"github.com/chiso-vn/chiso/store"
	"github.com/chiso-vn/chiso/store/pgstore"
	"github.com/chiso-vn/chiso/store/storetest"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	testbin.Remove()
	os.Exit(code)
}

// TestMigrateCopiesEverythingTwiceSafely: chiso migrate copies a SQLite
// database with revisions and alerting state into PostgreSQL, where every
// reading of it is the same; a second run changes nothing; the daemon's
// commands then work on the copy, and imports continue its ids.
func TestMigrateCopiesEverythingTwiceSafely(t *testing.T) {
	dir := t.TempDir()
	lite := filepath.Join(dir, "chiso.db")
	mustChiso(t, "--db", lite, "init", "--sample")
	revised := filepath.Join(dir, "revised.csv")
	writeText(t, revised, "indicator,area,period,value,source\nvillage_mobile_broadband_coverage,PT,2024,\"97,5\",revision.pdf\n")
	mustChiso(t, "--db", lite, "import", revised)
	writeText(t, revised, "indicator,area,period,value,source\nvillage_mobile_broadband_coverage,PT,2024,98,later.pdf\n")
	mustChiso(t, "--db", lite, "import", revised)
	seedAlerting(t, lite)

	dsn := pgtest.New(t)
	out := mustChiso(t, "migrate", "--from", lite, "--to", dsn)
	if !strings.Contains(out, "counts checked") {
		t.Errorf("migrate printed %q", out)
	}
	want := dumpDatabase(t, lite)
	if got := dumpDatabase(t, dsn); got != want {
		t.Fatalf("the copy reads differently:\n%s", storetest.Diff(want, got))
	}
	if !strings.Contains(want, "later.pdf") || !strings.Contains(want, "firing") || !strings.Contains(want, "silence") ||
		!strings.Contains(want, "tinh.csv") {
		t.Fatalf("the source lacks what the test means to copy:\n%s", want)
	}

	again := mustChiso(t, "migrate", "--from", lite, "--to", dsn)
	if again != out {
		t.Errorf("second run printed %q, first %q", again, out)
	}
	if got := dumpDatabase(t, dsn); got != want {
		t.Fatalf("a second migration changed the copy:\n%s", storetest.Diff(want, got))
	}

	hist := mustChiso(t, "--db", dsn, "history", "village_mobile_broadband_coverage", "PT")
	if !strings.Contains(hist, "98") || !strings.Contains(hist, "97") {
		t.Errorf("history on the copy:\n%s", hist)
	}
	lastLite := lastID(t, lite)
	writeText(t, revised, "indicator,area,period,value\nvillage_mobile_broadband_coverage,PT,2024,99\n")
	mustChiso(t, "--db", dsn, "import", revised)
	if got := lastID(t, dsn); got != lastLite+1 {
		t.Errorf("an import after the move wrote id %d, want %d", got, lastLite+1)
	}
}

// TestMigrateRefusesAMismatchAndABadURL: a copy whose counts do not match
// the source (the target holds other figures) stores nothing; an
// unreachable PostgreSQL is named with its password redacted.
func TestMigrateRefusesAMismatchAndABadURL(t *testing.T) {
	dir := t.TempDir()
	lite := filepath.Join(dir, "chiso.db")
	mustChiso(t, "--db", lite, "init", "--sample")
	dsn := pgtest.New(t)
	mustChiso(t, "--db", dsn, "init")
	other := filepath.Join(dir, "other.csv")
	writeText(t, other, "indicator,area,period,value\nvillage_mobile_broadband_coverage,PT,2019,50\n"+
		"village_mobile_broadband_coverage,VN,2019,51\n")
	mustChiso(t, "--db", dsn, "import", other)
	before := dumpDatabase(t, dsn)
	code, out, errs := runChiso(t, "migrate", "--from", lite, "--to", dsn)
	if code != 1 || out != "" || !strings.Contains(errs, "other figures") {
		t.Errorf("migrate onto other figures: exit %d\n%s%s", code, out, errs)
	}
	if got := dumpDatabase(t, dsn); got != before {
		t.Errorf("a refused migration changed the target:\n%s", storetest.Diff(before, got))
	}

	bad := "postgres://chiso:hunter2@127.0.0.1:1/chiso?connect_timeout=5"
	code, _, errs = runChiso(t, "migrate", "--from", lite, "--to", bad)
	if code != 1 || strings.Contains(errs, "hunter2") || !strings.Contains(errs, "postgres://chiso:xxxxx@127.0.0.1:1/chiso") {
		t.Errorf("unreachable database: exit %d, stderr:\n%s", code, errs)
	}
}

func writeText(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lastID(t *testing.T, addr string) int64 {
	t.Helper()
	db, err := daemon.OpenDatabase(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id, err := db.LastID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// seedAlerting stores an alert with its transitions, an acknowledgement,
// a silence, two outbox entries (one sent) and their log.
func seedAlerting(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.UTC)
	labels := map[string]string{"alertname": "CoverageOutOfRange", "group": "coverage", "area": "PT",
		"indicator": "village_mobile_broadband_coverage", "severity": "critical"}
	ack := chiso.Acknowledgement{Fingerprint: "fp1", Kind: chiso.AckCorrect, By: "Lan", At: at.Add(time.Minute), Comment: "đúng", DataID: 3}
	alert := chiso.Alert{Fingerprint: "fp1", State: chiso.Firing, Labels: labels,
		Annotations: map[string]string{"summary": "Phú Thọ: 120% > 100%"}, ActiveAt: at, FiredAt: at, LastEval: at,
		Value: 120, Expected: math.NaN(), Ack: &ack,
		Finding: chiso.Finding{Rule: "CoverageOutOfRange", Group: "coverage", Area: "PT", Indicator: "village_mobile_broadband_coverage",
			Value: 120, Expected: math.NaN(), Period: chiso.MustParsePeriod("2024"), Message: "m", DataID: 3}}
	b := alerting.Batch{
		Changes: []alerting.Change{{Alert: alert}},
		Events: []alerting.Event{
			{Fingerprint: "fp1", At: at, Kind: alerting.EventTransition, To: chiso.Pending, Labels: labels, Value: 120, DataID: 3},
			{Fingerprint: "fp1", At: at, Kind: alerting.EventTransition, From: chiso.Pending, To: chiso.Firing, Labels: labels, Value: 120, DataID: 3},
		},
		Acks: []chiso.Acknowledgement{ack},
		Queue: []alerting.OutboxEntry{
			{Receiver: "ops", Integration: "webhook", GroupKey: "{}:{alertname=\"CoverageOutOfRange\"}", Reason: alerting.Reason("firing"),
				Payload: []byte(`{"n":1}`), NextAttempt: at, CreatedAt: at},
			{Receiver: "mail", Integration: "email", GroupKey: "g2", Reason: alerting.Reason("firing"),
				Payload: []byte(`{"n":2}`), NextAttempt: at, CreatedAt: at},
		},
		Log: []alerting.LogEntry{{Receiver: "ops", GroupKey: "{}:{alertname=\"CoverageOutOfRange\"}", Firing: []string{"fp1"}, At: at}},
	}
	if err := db.ApplyAlertChanges(ctx, b); err != nil {
		t.Fatal(err)
	}
	due, err := db.DueNotifications(ctx, at, 10, nil)
	if err != nil || len(due) != 2 {
		t.Fatalf("due %v, %v", due, err)
	}
	if _, err := db.MarkNotificationSent(ctx, due[0].ID, at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddAudit(ctx, chiso.AuditEntry{At: at, Token: "ops", Remote: "127.0.0.1:5000", Action: "import",
		Target: "tinh.csv", Areas: []string{"PT"}, Outcome: chiso.AuditOK, Detail: "added 1"}); err != nil {
		t.Fatal(err)
	}
	s := alerting.Silence{Matchers: alerting.Matchers{{Name: "area", Op: "=", Value: "PT"}}, StartsAt: at, EndsAt: at.Add(time.Hour),
		CreatedBy: "Lan", Comment: "silence while the department corrects it", CreatedAt: at, UpdatedAt: at}
	if err := db.SaveSilence(ctx, &s); err != nil {
		t.Fatal(err)
	}
}

// dumpDatabase is everything a database shows through the store's
// interface, as text.
func dumpDatabase(t *testing.T, addr string) string {
	t.Helper()
	ctx := context.Background()
	db, err := daemon.OpenDatabase(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	add := func(what string, v any, err error) {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		fmt.Fprintf(&b, "%s: %+v\n", what, v)
	}
	cat, err := db.Catalogue(ctx)
	add("catalogue", cat, err)
	st, err := db.Stats(ctx)
	add("stats", st, err)
	imports, err := db.Imports(ctx, 0)
	add("imports", imports, err)
	last, err := db.Scan(ctx, 0, true, func(o chiso.Observation) error {
		fmt.Fprintf(&b, "%+v\n", o)
		return nil
	})
	add("scan up to", last, err)
	cur, err := db.(interface {
		Current(context.Context, store.Filter) ([]chiso.Observation, error)
	}).Current(ctx, store.Filter{})
	add("current", cur, err)
	alerts, err := db.LoadAlerts(ctx)
	add("alerts", alertsText(alerts), err)
	hist, err := db.AlertHistory(ctx, alerting.HistoryFilter{})
	add("history", hist, err)
	acks, err := db.(interface {
		Acknowledgements(context.Context, string) ([]chiso.Acknowledgement, error)
	}).Acknowledgements(ctx, "")
	add("acknowledgements", acks, err)
	sil, err := db.Silences(ctx)
	js, _ := json.Marshal(sil)
	add("silence", string(js), err)
	outbox, err := db.Notifications(ctx, store.OutboxFilter{})
	add("outbox", outboxText(outbox), err)
	log, err := db.NotificationLog(ctx)
	add("log", log, err)
	audit, err := db.AuditEntries(ctx, chiso.AuditFilter{})
	add("audit", audit, err)
	return b.String()
}

func alertsText(as []chiso.Alert) string {
	var b strings.Builder
	for _, a := range as {
		ack := *a.Ack
		a.Ack = nil
		fmt.Fprintf(&b, "%+v ack %+v; ", a, ack)
	}
	return b.String()
}

func outboxText(es []alerting.OutboxEntry) string {
	var b strings.Builder
	for _, e := range es {
		p := e.Payload
		e.Payload = nil
		fmt.Fprintf(&b, "%+v payload %s; ", e, p)
	}
	return b.String()
}

// TestMisspelledDatabaseURLIsRefused: a database that is meant as a
// PostgreSQL URL but misspelled (another scheme, libpq's key=value form) is
// refused, named with its password replaced, and no SQLite file is made of
// it; chiso migrate's --to is named the same way.
func TestMisspelledDatabaseURLIsRefused(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	lite := filepath.Join(dir, "chiso.db")
	mustChiso(t, "--db", lite, "init")
	for _, bad := range []string{
		"postgress://chiso:hunter2@db.example/chiso",
		"POSTGRES://chiso:hunter2@db.example/chiso",
		"host=db.example user=chiso password=hunter2 dbname=chiso",
	} {
		for _, args := range [][]string{{"--db", bad, "init"}, {"--db", bad, "history", "x", "y"},
			{"migrate", "--from", lite, "--to", bad}} {
			code, out, errs := runChiso(t, args...)
			if code == 0 || strings.Contains(out+errs, "hunter2") || !strings.Contains(errs, "xxxxx") {
				t.Errorf("chiso %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
			}
		}
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 1 {
		t.Errorf("files made: %v", files)
	}
}

// TestMigrateRefusesASourceThatIsNotChisos: a --from that is an empty
// file, another program's SQLite database or a PostgreSQL URL is refused,
// named (without a password), and neither it nor the target is changed.
func TestMigrateRefusesASourceThatIsNotChisos(t *testing.T) {
	dir := t.TempDir()
	dsn := pgtest.New(t)
	empty := filepath.Join(dir, "empty.db")
	writeText(t, empty, "")
	other := filepath.Join(dir, "other.sqlite")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE customers(id integer, name text); INSERT INTO customers VALUES (1, 'a')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, src := range []string{empty, other, "postgres://chiso:hunter2@db.example/chiso"} {
		before, _ := os.ReadFile(src)
		code, out, errs := runChiso(t, "migrate", "--from", src, "--to", dsn)
		if code == 0 || out != "" || strings.Contains(errs, "hunter2") || !strings.Contains(errs, "--from") {
			t.Errorf("migrate --from %s: exit %d\n%s%s", src, code, out, errs)
		}
		if after, _ := os.ReadFile(src); string(after) != string(before) {
			t.Errorf("migrate --from %s changed it", src)
		}
		if _, err := os.Stat(src + "-wal"); err == nil {
			t.Errorf("migrate --from %s left a write-ahead log beside it", src)
		}
	}
	if ok, err := daemon.DatabaseExists(context.Background(), dsn); err != nil || ok {
		t.Errorf("the target holds a chiso schema after refused migrations: %v %v", ok, err)
	}
}

// TestMigrateRefusesATargetWithOtherFiguresUnderTheSameIDs: a target that
// holds another database's figures under the same ids (another province's
// chiso, as many rows of each kind) is refused, not reported as a copy
// while it keeps its own figures.
func TestMigrateRefusesATargetWithOtherFiguresUnderTheSameIDs(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	for path, value := range map[string]string{a: "70", b: "30"} {
		mustChiso(t, "--db", path, "init", "--sample")
		f := filepath.Join(dir, "rev.csv")
		writeText(t, f, "indicator,area,period,value,source\nvillage_mobile_broadband_coverage,PT,2024,"+value+",rev.pdf\n")
		mustChiso(t, "--db", path, "import", f)
	}
	dsn := pgtest.New(t)
	mustChiso(t, "migrate", "--from", a, "--to", dsn)
	before := dumpDatabase(t, dsn)
	code, out, errs := runChiso(t, "migrate", "--from", b, "--to", dsn)
	if code != 1 || out != "" || !strings.Contains(errs, "other figures") {
		t.Errorf("migrate onto another database's figures: exit %d\n%s%s", code, out, errs)
	}
	if got := dumpDatabase(t, dsn); got != before {
		t.Errorf("a refused migration changed the target:\n%s", storetest.Diff(before, got))
	}
}

// writtenMeanwhile is a source that another process imports into while
// its figures are being copied.
type writtenMeanwhile struct {
	*store.DB
	write func()
}

func (w writtenMeanwhile) Scan(ctx context.Context, afterID int64, all bool, fn func(chiso.Observation) error) (int64, error) {
	w.write()
	return w.DB.Scan(ctx, afterID, all, fn)
}

// TestMigrateOfASourceWrittenMeanwhileSaysSo: a source written while it is
// copied (a daemon or an import still at work on it) stores nothing, and
// the error says that the source changed.
func TestMigrateOfASourceWrittenMeanwhileSaysSo(t *testing.T) {
	dir := t.TempDir()
	lite := filepath.Join(dir, "chiso.db")
	mustChiso(t, "--db", lite, "init", "--sample")
	f := filepath.Join(dir, "more.csv")
	writeText(t, f, "indicator,area,period,value\nvillage_mobile_broadband_coverage,PT,2019,50\n")
	ctx := context.Background()
	src, err := store.Open(ctx, lite)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dsn := pgtest.New(t)
	dst, err := pgstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	_, err = dst.CopyFrom(ctx, writtenMeanwhile{src, func() { mustChiso(t, "--db", lite, "import", f) }})
	if err == nil || !strings.Contains(err.Error(), "changed while") {
		t.Errorf("a source written meanwhile: %v", err)
	}
	if got := lastID(t, dsn); got != 0 {
		t.Errorf("the target holds figures up to id %d", got)
	}
}
