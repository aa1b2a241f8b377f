package store_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/chiso-vn/chiso/store"
	"github.com/chiso-vn/chiso/store/storetest"
)

// TestConformance holds the SQLite store to the suite every store passes.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) string { return filepath.Join(t.TempDir(), "chiso.db") },
		Open: func(ctx context.Context, path string) (storetest.Store, error) {
			return store.Open(ctx, path)
		},
		Crash: crashCopy,
	})
}

// crashCopy copies the database file and its write-ahead log, as they are
// on disk while an import holds its transaction open, to a new folder: what
// a process killed now would leave. The shared-memory index is left behind,
// as a reboot loses it, so that opening the copy recovers from the log.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "crashed.db")
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(path+suffix, dst+suffix); errors.Is(err, fs.ErrNotExist) && suffix != "" {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(dst + "-wal"); err == nil {
		t.Logf("write-ahead log of %d bytes at the crash", fi.Size())
	}
	return dst
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
