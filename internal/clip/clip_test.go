package clip

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	long := strings.Repeat("ệ", 10<<20) // 30 MB of three-byte characters
	cases := []struct {
		name, in string
		want     int // characters in the result
	}{
		{"empty", "", 0},
		{"short", "Phú Thọ", 7},
		{"exactly the limit", strings.Repeat("a", Limit), Limit},
		{"one over", strings.Repeat("a", Limit+1), Limit + 1},
		{"huge", long, Limit + 1},
	}
	for _, c := range cases {
		got := Text(c.in)
		if n := utf8.RuneCountInString(got); n != c.want {
			t.Errorf("%s: %d characters, want %d", c.name, n, c.want)
		}
		if len(c.in) > len(got) && !strings.HasSuffix(got, "…") {
			t.Errorf("%s: cut without an ellipsis: %q", c.name, got)
		}
		if !utf8.ValidString(got) {
			t.Errorf("%s: cut inside a character", c.name)
		}
	}
	if q := Quote(long); len(q) > 4*Limit {
		t.Errorf("Quote of 30 MB is %d bytes", len(q))
	}
}
