package daemon

import (
	"errors"
	"testing"
	"time"
)

func TestLagFollowsTheLooks(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var l lagState
	if l.fresh(t0) {
		t.Error("fresh before any look; want not until the engine was seen caught up")
	}
	l.look(10, 10, nil, t0)
	if !l.fresh(t0) || l.ids(10) != 0 || l.seconds(t0) != 0 {
		t.Errorf("caught up: fresh %v, ids %d, seconds %v; want true, 0, 0", l.fresh(t0), l.ids(10), l.seconds(t0))
	}
	// the database moves ahead; the engine follows 40 s later
	l.look(25, 10, nil, t0.Add(time.Second))
	at := t0.Add(11 * time.Second)
	if got := l.ids(10); got != 15 {
		t.Errorf("ids behind = %d, want 15", got)
	}
	if got := l.seconds(at); got != 10 {
		t.Errorf("seconds behind = %v, want 10 (since the look that saw it)", got)
	}
	if !l.fresh(at) {
		t.Error("not fresh 10 s behind; want fresh until ReadyLag")
	}
	late := t0.Add(time.Second + ReadyLag)
	if l.fresh(late) {
		t.Errorf("fresh %s behind; want not ready", ReadyLag)
	}
	// a failed look counts as behind since then, and keeps the first time
	l.look(0, 10, errors.New("connection refused"), late)
	if got := l.seconds(late); got != ReadyLag.Seconds() {
		t.Errorf("seconds after a failed look = %v, want %v", got, ReadyLag.Seconds())
	}
	l.look(25, 25, nil, late.Add(time.Second))
	if !l.fresh(late.Add(time.Second)) || l.ids(25) != 0 || l.seconds(late.Add(time.Second)) != 0 {
		t.Error("caught up again: want fresh, 0 ids, 0 seconds")
	}
}
