package main

import (
	"errors"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/ingest"
)

// numbered returns a read function that emits n observations valued 0 to
// n-1 and then returns end; it records the first error emit gave and
// whether it has returned.
func numbered(n int, end error, emitErr *error, returned *bool) func(func(chiso.Observation) error) error {
	return func(emit func(chiso.Observation) error) error {
		defer func() { *returned = true }()
		for i := range n {
			if err := emit(chiso.Observation{Value: float64(i)}); err != nil {
				*emitErr = err
				return err
			}
		}
		return end
	}
}

func TestReadAheadKeepsOrderAndReturnsReadsError(t *testing.T) {
	for _, n := range []int{0, 1, readAheadBatch, 5*readAheadBatch + 7} {
		bad := errors.New("line 3: bad value")
		var emitErr error
		var returned bool
		var got []float64
		err := readAhead(numbered(n, bad, &emitErr, &returned), &ingest.Places{})(func(o chiso.Observation) error {
			got = append(got, o.Value)
			return nil
		})
		if err != bad || emitErr != nil || !returned {
			t.Errorf("n=%d: error %v (read's emit %v, read returned %v), want read's own error", n, err, emitErr, returned)
		}
		if len(got) != n {
			t.Fatalf("n=%d: %d observations reached emit", n, len(got))
		}
		for i, v := range got {
			if v != float64(i) {
				t.Fatalf("n=%d: observation %d has value %v: out of order", n, i, v)
			}
		}
	}
}

func TestReadAheadStopsTheReadWhenEmitFails(t *testing.T) {
	full := errors.New("disk full")
	var emitErr error
	var returned bool
	seen := 0
	err := readAhead(numbered(100*readAheadBatch, nil, &emitErr, &returned), &ingest.Places{})(func(chiso.Observation) error {
		seen++
		if seen == readAheadBatch+5 {
			return full
		}
		return nil
	})
	if err != full {
		t.Errorf("error %v, want emit's", err)
	}
	if !returned || emitErr == nil {
		t.Errorf("read returned: %v, its emit failed with %v: want the read stopped before readAhead returns", returned, emitErr)
	}
	if seen != readAheadBatch+5 {
		t.Errorf("emit called %d times after failing at %d", seen, readAheadBatch+5)
	}
}
