package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveUntilEvaluated runs chiso serve in-process with args until its
// first evaluation is done (or it exits), and returns its exit code and
// log.
func serveUntilEvaluated(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append(args, "--listen", "127.0.0.1:0"), strings.NewReader(""), log, log)
	}()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case code := <-done:
			return code, log.String()
		case <-deadline:
			t.Fatalf("serve %v: no first evaluation within 30s:\n%s", args, log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if strings.Contains(log.String(), "first evaluation done") {
			cancel()
			return <-done, log.String()
		}
	}
}

// observations returns the number of observations in the database.
func observations(t *testing.T, db string) int {
	t.Helper()
	out := mustChiso(t, "--db", db, "export")
	return strings.Count(out, "\n") - 1 // the header
}

// TestServeWithConfigNeverLoadsTheSample: with a configuration whose
// database does not exist (a typo), serve creates it empty, with the
// catalogue, and says so; it never evaluates or alerts on the sample
// figures.
func TestServeWithConfigNeverLoadsTheSample(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"prod.yaml": "database: prdo.db\nrules: []\nwatch: false\n"})
	code, log := serveUntilEvaluated(t, "serve", "--config", filepath.Join(dir, "prod.yaml"))
	db := filepath.Join(dir, "prdo.db")
	if code != 0 || !strings.Contains(log, "created an empty database") || !strings.Contains(log, db) {
		t.Fatalf("exit %d, log:\n%s", code, log)
	}
	if n := observations(t, db); n != 0 {
		t.Errorf("the new database holds %d observations, want none", n)
	}
}

// TestServeRefusesAMissingDatabase when the configuration says
// create_database: false, naming the file, line and key.
func TestServeRefusesAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"prod.yaml": "rules: []\ndatabase: prdo.db\ncreate_database: false\n"})
	code, log := serveUntilEvaluated(t, "serve", "--config", filepath.Join(dir, "prod.yaml"))
	if code != 1 || !strings.Contains(log, "prod.yaml:2:11: database: ") || !strings.Contains(log, "create_database") {
		t.Errorf("exit %d, log:\n%s", code, log)
	}
	if _, err := os.Stat(filepath.Join(dir, "prdo.db")); err == nil {
		t.Error("the database was created")
	}
}

// TestServeSampleOnlyWithoutConfiguration: the zero-configuration start
// loads the sample data; naming the database with --db creates it empty.
func TestServeSampleOnlyWithoutConfiguration(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if code, log := serveUntilEvaluated(t, "serve"); code != 0 || !strings.Contains(log, "sample data") {
		t.Fatalf("zero configuration: exit %d, log:\n%s", code, log)
	}
	if n := observations(t, filepath.Join(dir, "chiso.db")); n == 0 {
		t.Error("the zero-configuration start holds no sample data")
	}
	named := filepath.Join(dir, "named.db")
	if code, log := serveUntilEvaluated(t, "--db", named, "serve"); code != 0 || !strings.Contains(log, "created an empty database") {
		t.Fatalf("--db: exit %d, log:\n%s", code, log)
	}
	if n := observations(t, named); n != 0 {
		t.Errorf("--db: the new database holds %d observations, want none", n)
	}
}
