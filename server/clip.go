package server

import (
	"strings"

	"github.com/chiso-vn/chiso/internal/clip"
)

// clipQuoted cuts every double-quoted text in msg to clip.Limit
// characters. Errors built here quote user input already clipped; this
// catches what other packages quote whole (a JSON decoder's unknown field,
// a time that does not parse), so that no answer echoes more than 80
// characters of one input.
func clipQuoted(msg string) string {
	if len(msg) <= clip.Limit {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '"')
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		b.WriteString(msg[:i+1])
		msg = msg[i+1:]
		end := closingQuote(msg)
		quoted := msg[:end]
		if cut := clip.Text(quoted); cut != quoted {
			quoted = strings.TrimSuffix(cut, "…")
			quoted = strings.TrimRight(quoted, `\`) + "…" // do not leave an escape open
		}
		b.WriteString(quoted)
		if end == len(msg) {
			b.WriteString(`"`)
			return b.String()
		}
		b.WriteString(`"`)
		msg = msg[end+1:]
	}
}

// closingQuote returns the index of the quote that closes a quoted text
// s starts inside, skipping escaped quotes; len(s) when none does.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(s)
}

// clipProblems cuts the values and the quoted texts of problems.
func clipProblems(ps []InputError) []InputError {
	out := make([]InputError, len(ps))
	for i, p := range ps {
		p.Value, p.Message = clip.Text(p.Value), clipQuoted(p.Message)
		out[i] = p
	}
	return out
}

// parseInput runs parse on s when it is at most clip.Limit bytes, as every
// valid period, duration or time is; a longer one is refused without being
// handed to a parser whose error would quote it whole.
func parseInput[T any](s string, parse func(string) (T, error), want string) (T, error) {
	if len(s) > clip.Limit {
		var zero T
		return zero, errorf("%s is not %s", clip.Quote(s), want)
	}
	return parse(s)
}
