package daemon

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/store"
)

// countingStore is a Store that is not a *store.DB: a daemon that runs on
// it reaches its database through the interface only.
type countingStore struct {
	Store
	mu      sync.Mutex
	path    string
	imports int
	closes  int
}

func (s *countingStore) Import(ctx context.Context, opts store.ImportOptions, read func(emit func(chiso.Observation) error) error) (store.ImportResult, error) {
	s.mu.Lock()
	s.imports++
	s.mu.Unlock()
	return s.Store.Import(ctx, opts, read)
}

func (s *countingStore) Close() error {
	s.mu.Lock()
	s.closes++
	s.mu.Unlock()
	return s.Store.Close()
}

func TestDaemonRunsOnTheStoreItIsGiven(t *testing.T) {
	var cs *countingStore
	open := func(ctx context.Context, path string) (Store, error) {
		db, err := store.Open(ctx, path)
		if err != nil {
			return nil, err
		}
		cs = &countingStore{Store: db, path: path}
		return cs, nil
	}
	h := startWith(t, "", Options{OpenStore: open})
	if want := filepath.Join(h.dir, "chiso.db"); cs.path != want {
		t.Errorf("opened %s, want the configuration's database %s", cs.path, want)
	}
	if code, body := h.post("/api/v1/observations", "text/csv", badCoverage); code != 200 {
		t.Fatalf("POST = %d %s", code, body)
	}
	if body := h.get("/api/v1/observations?indicator=village_mobile_broadband_coverage&area=PT&from=2024&to=2024"); !strings.Contains(body, `"value":120`) {
		t.Errorf("the posted figure is not served: %s", body)
	}
	if err := h.d.Close(); err != nil {
		t.Fatal(err)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.imports != 1 || cs.closes != 1 {
		t.Errorf("%d imports and %d closes through the given store, want 1 and 1", cs.imports, cs.closes)
	}
}
