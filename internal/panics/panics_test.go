package panics

import (
	"errors"
	"testing"
)

func parse(s string) (n int, err error) {
	defer Into(&err, "parse %q", s)
	if s == "boom" {
		panic("index out of range")
	}
	if s == "bad" {
		return 0, errors.New("bad input")
	}
	return len(s), nil
}

func TestInto(t *testing.T) {
	if _, err := parse("boom"); err == nil || err.Error() != `parse "boom": index out of range` {
		t.Fatalf("panic: err = %v", err)
	}
	if _, err := parse("bad"); err == nil || err.Error() != "bad input" {
		t.Fatalf("plain error changed: %v", err)
	}
	if n, err := parse("ok"); err != nil || n != 2 {
		t.Fatalf("no panic: %d, %v", n, err)
	}
}
