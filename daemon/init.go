package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/internal/setup"
	"github.com/chiso-vn/chiso/store/pgstore"
)

// CheckDatabase refuses a configuration whose database does not exist
// while it sets create_database: false; the error names the file, the
// line and the key. Any other database, existing or to be created, passes.
func CheckDatabase(ctx context.Context, cfg *config.Config) error {
	if cfg.CreateDatabaseEnabled() {
		return nil
	}
	path := cfg.Path(cfg.Database)
	if ok, err := DatabaseExists(ctx, path); err != nil || ok {
		return err
	}
	name := DatabaseName(path)
	return cfg.Errorf("database", "%s does not exist, and create_database is false: correct the path, or create the database with 'chiso --db %s init'", name, name)
}

// InitDatabase creates the database at path (a SQLite file or a
// postgres:// URL, see OpenDatabase) with the built-in catalogue and,
// withSample, the sample observations imported at now. It does nothing and
// returns false when the database exists. A failure removes the half-made
// SQLite file, so that the next run tries again; on PostgreSQL the schema
// and the catalogue are each one transaction.
func InitDatabase(ctx context.Context, path string, withSample bool, now time.Time) (created bool, err error) {
	if ok, err := DatabaseExists(ctx, path); err != nil {
		return false, fmt.Errorf("check database: %w", err)
	} else if ok {
		return false, nil
	}
	if err := initDatabase(ctx, path, withSample, now); err != nil {
		if !pgstore.IsDSN(path) {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}
		return false, err
	}
	return true, nil
}

func initDatabase(ctx context.Context, path string, withSample bool, now time.Time) error {
	db, err := OpenDatabase(ctx, path)
	if err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	defer db.Close()
	if _, err := setup.Init(ctx, db, withSample, now); err != nil {
		return err
	}
	return db.Close()
}

// WriteRulePack copies the rule files of pack (*.yaml at its root, and
// their tests) into dir, so that maintainers can edit them. It does
// nothing and returns false when dir exists.
func WriteRulePack(dir string, pack fs.FS) (created bool, err error) {
	if _, err := os.Stat(dir); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("check rule folder: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".rules-*")
	if err != nil {
		return false, fmt.Errorf("write rule pack: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.CopyFS(tmp, pack); err != nil {
		return false, fmt.Errorf("write rule pack: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return false, fmt.Errorf("write rule pack: %w", err)
	}
	// a rename makes the folder appear whole, so a crash leaves none
	if err := os.Rename(tmp, dir); err != nil {
		return false, fmt.Errorf("write rule pack: %w", err)
	}
	return true, nil
}
