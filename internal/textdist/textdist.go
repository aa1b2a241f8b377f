// Package textdist measures how far apart two texts are, for the "did you
// mean" suggestions of the rule loader and the importer.
package textdist

// Levenshtein returns the edit distance between a and b counted in
// characters (runes, so that "Điện" and "Dien" are two edits apart, not
// four), or limit+1 as soon as the distance is sure to exceed limit; a
// negative limit means none.
func Levenshtein(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if limit >= 0 && rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
