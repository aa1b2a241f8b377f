package server

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClipQuoted(t *testing.T) {
	long := strings.Repeat("ệ", 1000)
	cases := []struct{ in, want string }{
		{`short "text" stays`, `short "text" stays`},
		{`json: unknown field "` + long + `"`, `json: unknown field "` + strings.Repeat("ệ", 80) + `…"`},
		{`parsing time "` + long + `" as "2006": cannot parse "` + long + `" as "2006"`,
			`parsing time "` + strings.Repeat("ệ", 80) + `…" as "2006": cannot parse "` + strings.Repeat("ệ", 80) + `…" as "2006"`},
		{`open "` + long, `open "` + strings.Repeat("ệ", 80) + `…"`},
		{`escaped "` + strings.Repeat(`\"`, 100) + `" end`, `escaped "` + strings.Repeat(`\"`, 40) + `…" end`},
	}
	for _, c := range cases {
		got := clipQuoted(c.in)
		if got != c.want {
			t.Errorf("clipQuoted(%.60q…)\n got %q\nwant %q", c.in, got, c.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("invalid UTF-8: %q", got)
		}
	}
}
