package checks

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFillIsSprintf: fill writes what fmt.Sprintf writes, for templates of
// text, %s and %%, and for the ones it hands to fmt: other verbs, a
// trailing %, too few or too many arguments.
func TestFillIsSprintf(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	pieces := []string{"%s", "%s", "%%", "abc", " của ", "×", "“", "%d", "%", "%v", "%5s", "năm"}
	words := []string{"", "x", "183.001 tỷ đồng", "%s", "50%", "Phú Thọ"}
	for range 20000 {
		var tb strings.Builder
		for range rng.IntN(8) {
			tb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		tmpl := tb.String()
		args := make([]string, rng.IntN(5))
		for i := range args {
			args[i] = words[rng.IntN(len(words))]
		}
		as := make([]any, len(args))
		for i, a := range args {
			as[i] = a
		}
		if got, want := fill(tmpl, args), fmt.Sprintf(tmpl, as...); got != want {
			t.Fatalf("fill(%q, %q) = %q, want %q", tmpl, args, got, want)
		}
	}
	env := Env{Lang: "en"}
	if got := env.trs("%s năm", "%s a year", "+5%"); got != "+5% a year" {
		t.Errorf("trs en = %q", got)
	}
	env.Lang = "vi"
	if got := env.trs("%s năm", "%s a year", "+5%"); got != "+5% năm" {
		t.Errorf("trs vi = %q", got)
	}
}
