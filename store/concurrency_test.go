package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
)

func TestReadersSeeAllOrNothingOfAnImport(t *testing.T) {
	db := openTest(t, 20, 10)
	mustImport(t, db, synth.Grid(20, 10, 2, 0))
	before := mustStats(t, db).Observations
	big := synth.Grid(20, 10, 20, 0) // 4,000 rows, 3,600 of them new
	after := int64(len(big))
	var imported atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	seen := make([]map[int64]bool, 3)
	for r := range seen {
		seen[r] = map[int64]bool{}
		wg.Go(func() {
			for !imported.Load() || !seen[r][after] {
				n := int64(0)
				_, err := db.Scan(context.Background(), 0, false, func(chiso.Observation) error { n++; return nil })
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
				if n != before && n != after {
					errs <- fmt.Errorf("reader %d saw %d observations, want %d or %d", r, n, before, after)
					return
				}
				seen[r][n] = true
			}
		})
	}
	_, err := db.Import(context.Background(), ImportOptions{Source: "big", Now: t0}, feed(big))
	imported.Store(true)
	wg.Wait()
	close(errs)
	if err != nil {
		t.Fatal(err)
	}
	for err := range errs {
		t.Error(err)
	}
}

func TestConcurrentImportsQueueWithoutBusyErrors(t *testing.T) {
	db := openTest(t, 10, 4)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 4 {
		wg.Go(func() {
			obs := synth.Grid(10, 4, 5, float64(w))
			if _, err := db.Import(context.Background(), ImportOptions{Source: fmt.Sprint("w", w), Now: t0}, feed(obs)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := mustStats(t, db)
	if st.Observations != 10*4*5 || st.Revisions != 4*10*4*5 || st.Imports != 4 {
		t.Errorf("stats %+v, want 200 cells with 4 revisions each from 4 imports", st)
	}
}

// crashEnv names the database a child test process imports into until it
// is killed.
const crashEnv = "CHISO_STORE_CRASH_DB"

func TestCrashMidImportKeepsThePreviousState(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path) // never returns
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "chiso.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportCatalogue(context.Background(), synth.Catalogue(100, 10)); err != nil {
		t.Fatal(err)
	}
	mustImport(t, db, synth.Grid(100, 10, 3, 0))
	before := mustStats(t, db)
	db.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashMidImportKeepsThePreviousState$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf) // the child says "writing" once rows have reached the WAL
	if !strings.Contains(string(buf[:n]), "writing") {
		cmd.Process.Kill()
		t.Fatalf("child said %q", buf[:n])
	}
	cmd.Process.Signal(syscall.SIGKILL)
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child ended with %v, want killed", err)
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		t.Logf("no uncommitted frames left in the WAL (%v)", err)
	}

	db, err = Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if after := mustStats(t, db); after != before {
		t.Fatalf("after the crash the store holds %+v, want %+v", after, before)
	}
	var check string
	if err := db.read.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	res := mustImport(t, db, synth.Grid(100, 10, 4, 1))
	if res.Revised != 100*10*3 || res.Added != 100*10 || res.FirstID != before.LastID+1 {
		t.Errorf("import after the crash: %+v", res)
	}
}

// crashChild imports rows into the database at path, says "writing" once
// many have been written inside the open transaction, and then waits to be
// killed.
func crashChild(path string) {
	db, err := Open(context.Background(), path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// A small page cache makes SQLite spill uncommitted pages to the WAL,
	// the state a crash must not expose.
	if _, err := db.write.Exec(`PRAGMA cache_size = 20`); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	_, err = db.Import(context.Background(), ImportOptions{Source: "doomed", Now: t0}, func(emit func(chiso.Observation) error) error {
		for _, o := range synth.Grid(100, 10, 10, 7) { // 10,000 rows: beyond the page cache
			if err := emit(o); err != nil {
				return err
			}
		}
		fmt.Println("writing")
		select {} // hold the transaction open until SIGKILL
	})
	fmt.Fprintln(os.Stderr, errors.Join(err, errors.New("child import returned")))
	os.Exit(3)
}
