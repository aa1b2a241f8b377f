package pgtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestFreshDatabases checks that each test gets its own empty database,
// and that a server halted and started again keeps what was committed.
func TestFreshDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := New(t), New(t)
	if a == b {
		t.Fatalf("two tests share %s", a)
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Exec(ctx, "CREATE TABLE x (v int); INSERT INTO x VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	ca.Close(ctx)
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := cb.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'x'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("second database sees %d tables x (%v)", n, err)
	}
	cb.Close(ctx)

	if err := Shared(t).Restart(); err != nil {
		t.Fatal(err)
	}
	ca, err = pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	var v int
	if err := ca.QueryRow(ctx, "SELECT v FROM x").Scan(&v); err != nil || v != 42 {
		t.Fatalf("after a restart: %d, %v", v, err)
	}
	fi, err := os.Stat(filepath.Join(Shared(t).Dir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; os.Geteuid() == 0 && uid == 0 {
		t.Fatalf("the server runs as root")
	}
}

// TestMissingPostgres runs this package's tests without PostgreSQL: they
// skip, and under CI=true they fail.
func TestMissingPostgres(t *testing.T) {
	if os.Getenv("PGTEST_CHILD") != "" {
		t.Skip("child run")
	}
	Shared(t) // the parent needs PostgreSQL to compare with
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestFreshDatabases$", "-test.v")
		cmd.Env = append(os.Environ(), "PGBIN=/nonexistent", "PGTEST_CHILD=1", "CI="+ci)
		out, err := cmd.CombinedOutput()
		switch {
		case ci == "" && (err != nil || !strings.Contains(string(out), "--- SKIP: TestFreshDatabases")):
			t.Errorf("without CI a missing PostgreSQL should skip: %v\n%s", err, out)
		case ci == "true" && (err == nil || !strings.Contains(string(out), "--- FAIL: TestFreshDatabases")):
			t.Errorf("under CI=true a missing PostgreSQL should fail: %v\n%s", err, out)
		}
	}
}
