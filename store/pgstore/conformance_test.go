package pgstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/chiso-vn/chiso/internal/pgtest"
	"github.com/chiso-vn/chiso/store/pgstore"
	"github.com/chiso-vn/chiso/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestConformance holds the PostgreSQL store to the suite every store
// passes. A crash ends the sessions of the database, rolling back what
// they had open, as a killed process or a lost connection would.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) string { return pgtest.New(t) },
		Open: func(ctx context.Context, dsn string) (storetest.Store, error) {
			return pgstore.Open(ctx, dsn)
		},
		Crash: func(t *testing.T, dsn string) string {
			pgtest.Terminate(t, dsn)
			return dsn
		},
	})
}
