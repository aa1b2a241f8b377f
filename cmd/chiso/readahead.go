package main

import (
	"errors"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/ingest"
)

// readAheadBatch is how many observations the reading goroutine hands over
// at a time: enough to make the hand-over cheap beside the rows, small
// enough that the batches in flight hold well under a megabyte.
const readAheadBatch = 1024

// errReadAheadStopped ends a read whose consumer has failed.
var errReadAheadStopped = errors.New("read ahead: the consumer stopped")

// readAhead returns a read function that runs read on its own goroutine,
// handing its observations over in batches, so that parsing a file overlaps
// storing it (on another core, when there is one). Observations reach emit
// in read's order, on the caller's goroutine. An error of emit that late
// takes (a repeated cell, which the reader has gone past) is kept there
// and the read goes on; any other fails read's emit too, and the returned
// function waits for read to end and returns emit's error. Otherwise it
// returns read's error after the last batch, merged with what late kept.
func readAhead(read func(emit func(chiso.Observation) error) error, late *ingest.Places) func(emit func(chiso.Observation) error) error {
	return func(emit func(chiso.Observation) error) error {
		full := make(chan []chiso.Observation, 2)
		empty := make(chan []chiso.Observation, 4)
		stop := make(chan struct{})
		var readErr error
		go func() {
			defer close(full)
			readErr = produce(read, full, empty, stop)
		}()
		for batch := range full {
			for _, o := range batch {
				if err := emit(o); err != nil && !late.Add(err) {
					close(stop)
					for range full { // until read has ended
					}
					return err
				}
			}
			select {
			case empty <- batch[:0]:
			default: // enough spares already
			}
		}
		return late.Merge(readErr)
	}
}

// produce runs read, sending its observations to full in batches taken from
// empty (or new ones) until stop is closed.
func produce(read func(emit func(chiso.Observation) error) error, full chan<- []chiso.Observation,
	empty <-chan []chiso.Observation, stop <-chan struct{}) error {
	batch := make([]chiso.Observation, 0, readAheadBatch)
	send := func() error {
		select {
		case full <- batch:
		case <-stop:
			return errReadAheadStopped
		}
		select {
		case batch = <-empty:
		default:
			batch = make([]chiso.Observation, 0, readAheadBatch)
		}
		return nil
	}
	err := read(func(o chiso.Observation) error {
		batch = append(batch, o)
		if len(batch) < readAheadBatch {
			return nil
		}
		return send()
	})
	if len(batch) > 0 && !errors.Is(err, errReadAheadStopped) {
		// Also after an error: read has emitted every valid row.
		if stopped := send(); err == nil {
			err = stopped
		}
	}
	return err
}
