package daemon

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// logBuffer collects a daemon's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the log records whose file attribute is path.
func (b *logBuffer) lines(path string) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(b.buf.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["file"] == path {
			out = append(out, rec)
		}
	}
	return out
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startDrop starts a daemon with a drop folder settling after 50 ms and
// returns the folder once the daemon has made it.
func startDrop(t *testing.T, logs *logBuffer, hook func(*Daemon)) (*harness, string) {
	t.Helper()
	h := startHooked(t, "drop_folder: {path: inbox, settle: 50ms}\n", Options{Logger: logs.logger()}, hook)
	inbox := filepath.Join(h.dir, "inbox")
	h.waitFor("inbox created", 2*time.Second, exists(filepath.Join(inbox, "done")))
	return h, inbox
}

func exists(path string) func() bool {
	return func() bool { _, err := os.Lstat(path); return err == nil }
}

func (h *harness) hasFinding(area string, value float64) bool {
	for _, f := range h.findingsFor(area) {
		if f.Value == value {
			return true
		}
	}
	return false
}

const (
	coverageHeader = "indicator,area,period,value\n"
	coveragePT     = "village_mobile_broadband_coverage,PT,2024,120\n"
	coverageVP     = "village_mobile_broadband_coverage,VP,2024,130\n"
)

// TestDropFolderImportsRowsWrittenAfterTheFileWasTaken is the issue's
// case: a writer pauses longer than settle, the file is imported and moved
// to done/, and the writer goes on writing to its open file. The rows it
// wrote after the pause were never imported and nothing was said.
func TestDropFolderImportsRowsWrittenAfterTheFileWasTaken(t *testing.T) {
	logs := &logBuffer{}
	h, inbox := startDrop(t, logs, nil)
	w, err := os.Create(filepath.Join(inbox, "slow.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.WriteString(coverageHeader + coveragePT); err != nil {
		t.Fatal(err)
	}
	done := filepath.Join(inbox, "done", "slow.csv")
	h.waitFor("the first part taken", 5*time.Second, exists(done))
	if _, err := w.WriteString(coverageVP); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the row written after the pause imported", 5*time.Second, func() bool { return h.hasFinding("VP", 130) })
	h.waitFor("the whole file in done/", 5*time.Second, func() bool {
		b, _ := os.ReadFile(done)
		return strings.Contains(string(b), coverageVP)
	})
	if !h.hasFinding("PT", 120) {
		t.Error("the row of the first part is lost")
	}
	if len(logs.lines(done)) == 0 {
		t.Error("the log does not say that the file was written to after it was imported")
	}
	if got := testutil.ToFloat64(h.d.metrics.imports.WithLabelValues("drop_folder", "success")); got != 2 {
		t.Errorf("drop folder imports = %v, want 2 (the first part, then the whole file)", got)
	}
}

// TestDropFolderFileChangedWhileReadIsNotMoved: a file that grows while it
// is imported stays in the folder and is imported again, whole.
func TestDropFolderFileChangedWhileReadIsNotMoved(t *testing.T) {
	logs := &logBuffer{}
	var once sync.Once
	var hookErr error
	h, inbox := startDrop(t, logs, func(d *Daemon) {
		d.onDropRead = func(path string) {
			once.Do(func() {
				f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
				if err == nil {
					_, err = f.WriteString(coverageVP)
					err = errors.Join(err, f.Close())
				}
				hookErr = err
			})
		}
	})
	path := filepath.Join(inbox, "growing.csv")
	writeFile(t, path, coverageHeader+coveragePT)
	h.waitFor("the whole file imported", 5*time.Second, func() bool { return h.hasFinding("VP", 130) && h.hasFinding("PT", 120) })
	h.waitFor("the file in done/", 5*time.Second, exists(filepath.Join(inbox, "done", "growing.csv")))
	if hookErr != nil {
		t.Fatal(hookErr)
	}
	var changed bool
	for _, rec := range logs.lines(path) {
		changed = changed || strings.Contains(rec["msg"].(string), "changed while it was imported")
	}
	if !changed {
		t.Error("the log does not say that the file changed while it was imported")
	}
	if b, _ := os.ReadFile(filepath.Join(inbox, "done", "growing.csv")); !strings.Contains(string(b), coverageVP) {
		t.Errorf("done/growing.csv = %q, want the grown file", b)
	}
}

// TestDropFolderLeavesAndLogsOnce: files in progress, files of unknown
// kinds, symbolic links and folders are left as they are and each is
// logged once, however many passes see it; a file renamed into the folder
// is imported.
func TestDropFolderLeavesAndLogsOnce(t *testing.T) {
	logs := &logBuffer{}
	h, inbox := startDrop(t, logs, nil)
	outside := filepath.Join(h.dir, "outside.csv")
	writeFile(t, outside, coverageHeader+"village_mobile_broadband_coverage,HB,2024,140\n")
	left := map[string]string{".hidden.csv": "INFO", "report.csv.tmp": "INFO", "upload.part": "INFO", "~lock.csv": "INFO",
		"backup.csv~": "INFO", "notes.txt": "WARN", "link.csv": "WARN", "sub": "WARN"}
	for name := range left {
		switch name {
		case "link.csv":
			if err := os.Symlink(outside, filepath.Join(inbox, name)); err != nil {
				t.Fatal(err)
			}
		case "sub":
			if err := os.Mkdir(filepath.Join(inbox, name), 0o755); err != nil {
				t.Fatal(err)
			}
		case "report.csv.tmp":
			writeFile(t, filepath.Join(inbox, name), coverageHeader+coverageVP)
		default:
			writeFile(t, filepath.Join(inbox, name), coverageHeader+coveragePT)
		}
	}
	// two files imported one after the other: at least two passes saw
	// every entry above
	for _, name := range []string{"first.csv", "second.csv"} {
		writeFile(t, filepath.Join(inbox, name), coverageHeader)
		h.waitFor(name+" imported", 5*time.Second, exists(filepath.Join(inbox, "done", name)))
	}
	for name, level := range left {
		path := filepath.Join(inbox, name)
		if !exists(path)() {
			t.Errorf("%s was taken", name)
		}
		recs := logs.lines(path)
		if len(recs) != 1 || recs[0]["level"] != level {
			t.Errorf("%s logged %d times (%v), want once at %s", name, len(recs), recs, level)
		}
	}
	if h.hasFinding("HB", 140) || h.hasFinding("PT", 120) {
		t.Error("a file left alone was imported")
	}
	if err := os.Rename(filepath.Join(inbox, "report.csv.tmp"), filepath.Join(inbox, "report.csv")); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the renamed file imported", 5*time.Second, func() bool { return h.hasFinding("VP", 130) })
}
