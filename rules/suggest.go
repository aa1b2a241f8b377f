package rules

import (
	"fmt"

	"github.com/chiso-vn/chiso/internal/textdist"
)

// suggest returns `; did you mean "x"?` for the candidate nearest to s, when
// one is near enough to be a likely typo, else "".
func suggest(s string, candidates []string) string {
	best, bestD := "", len(s)/3+1
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD || (d == bestD && best != "" && c < best) {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// editDistance is the edit distance between a and b, in characters.
func editDistance(a, b string) int { return textdist.Levenshtein(a, b, -1) }
