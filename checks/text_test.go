package checks

import (
	"strconv"
	"strings"
	"testing"
)

// TestTextArena: every string keeps its bytes while the arena goes on,
// across chunks, with long texts and the buffer they came from reused.
func TestTextArena(t *testing.T) {
	var a textArena
	var got, want []string
	buf := []byte{}
	for i := range 5000 {
		buf = buf[:0]
		buf = append(buf, "message "...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		if i%97 == 0 {
			buf = append(buf, strings.Repeat("x", textChunk/3+i)...)
		}
		got = append(got, a.string(buf))
		want = append(want, string(buf))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("string %d is %.40q, want %.40q", i, got[i], want[i])
		}
	}
	if s := a.string(nil); s != "" {
		t.Errorf("empty text gave %q", s)
	}
}
