// Package clip cuts user input quoted in messages: an error about a 50 MB
// cell, header or matcher quotes its first 80 characters, not all of it,
// so that the message costs as little as the input it refuses.
package clip

import "strconv"

// Limit is how many characters of user input a message quotes.
const Limit = 80

// Text returns s cut to Limit characters, with "…" when it was longer. It
// reads at most Limit+1 characters of s, however long s is.
func Text(s string) string {
	n := 0
	for i := range s {
		if n == Limit {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// Quote returns Text(s) as a Go string literal, as %q would print it.
func Quote(s string) string { return strconv.Quote(Text(s)) }
