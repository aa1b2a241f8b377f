package ingest

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

type tokKind uint8

const (
	tokWord tokKind = iota + 1
	tokNumber
	tokSym
)

// token is a word, a number (digits with the separators between them) or
// one other symbol of a printed figure.
type token struct {
	kind  tokKind
	text  string
	lower string // a word in lower case, for comparing
	glued bool   // no space between this token and the previous one
}

// tokenize splits s into tokens, appending to toks (reused between calls).
// Text in decomposed form (as some editors save it) is composed first so
// that words compare equal.
func tokenize(s string, toks []token) []token {
	if hasCombiningMarks(s) {
		s = norm.NFC.String(s)
	}
	toks = toks[:0]
	glued := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var end int
		var kind tokKind
		switch {
		case unicode.IsSpace(r):
			i += size
			glued = false
			continue
		case r >= '0' && r <= '9':
			kind, end = tokNumber, scanNumber(s, i)
		case isLetter(r):
			kind, end = tokWord, scanWord(s, i)
		default:
			kind, end = tokSym, i+size
		}
		t := token{kind: kind, text: s[i:end], glued: glued && len(toks) > 0}
		if kind == tokWord {
			t.lower = strings.ToLower(t.text) // allocates only for capitals
		}
		toks = append(toks, t)
		i, glued = end, true
	}
	return toks
}

// hasCombiningMarks reports whether s holds a combining diacritic
// (U+0300–U+036F, UTF-8 lead bytes 0xCC and 0xCD): decomposed Vietnamese
// has them, composed text has none.
func hasCombiningMarks(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0xCC || s[i] == 0xCD {
			return true
		}
	}
	return false
}

func isLetter(r rune) bool { return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) }

// scanNumber returns the end of the digits and separators that start at i;
// a separator belongs to the number only when a digit follows it, so the
// comma in "2.500 trạm, tăng" ends the number. One space (or a no-break or
// thin space) between digits belongs to the number too: "530 100" is one
// number, which the parser accepts only when it groups thousands, so that
// it is never read as 530.
func scanNumber(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			i++
		case (c == '.' || c == ',') && digitAt(s, i+1):
			i++
		default:
			if n := groupSpace(s, i); n > 0 && digitAt(s, i+n) {
				i += n
				continue
			}
			return i
		}
	}
	return i
}

func digitAt(s string, i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }

// groupSpace returns the length of the space at s[i] that may group
// thousands: a space, a no-break space (U+00A0), a narrow no-break space
// (U+202F) or a thin space (U+2009); 0 if there is none.
func groupSpace(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	if s[i] == ' ' {
		return 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == '\u00a0' || r == '\u202f' || r == '\u2009' {
		return size
	}
	return 0
}

func scanWord(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isLetter(r) {
			return i
		}
		i += size
	}
	return i
}

// is reports whether the token is the word w (in lower case), ignoring case.
func (t token) is(w string) bool { return t.kind == tokWord && t.lower == w }

// sym reports whether the token is one of the symbols in set.
func (t token) sym(set string) bool {
	return t.kind == tokSym && utf8.ValidString(t.text) && strings.Contains(set, t.text)
}

// phrase is a sequence of words and what it means.
type phrase struct {
	words []string
	val   int
}

func words(s string, val int) phrase { return phrase{words: strings.Fields(s), val: val} }

// phrases is a list of phrases indexed by their first and last words, in
// the list's order (longest first where one phrase extends another).
type phrases struct {
	byFirst, byLast map[string][]phrase
}

func newPhrases(list ...phrase) phrases {
	ps := phrases{byFirst: map[string][]phrase{}, byLast: map[string][]phrase{}}
	add := func(p phrase) {
		first, last := p.words[0], p.words[len(p.words)-1]
		ps.byFirst[first] = append(ps.byFirst[first], p)
		ps.byLast[last] = append(ps.byLast[last], p)
	}
	for _, p := range list {
		add(p)
	}
	// The same phrases typed without diacritics (tren, trieu dong), after
	// all the others so that a written diacritic is matched first.
	for _, p := range list {
		if f := strings.Fields(foldWords(strings.Join(p.words, " "))); len(f) == len(p.words) && !slices.Equal(f, p.words) &&
			!(len(f) == 1 && ambiguousFolds[f[0]]) {
			add(phrase{words: f, val: p.val})
		}
	}
	return ps
}

// ambiguousFolds are one-word folds that are other words too (đ, đô, thẻ,
// tổ read as d, do, the, to): they are matched only with their diacritics.
var ambiguousFolds = map[string]bool{"d": true, "do": true, "the": true, "to": true, "la": true, "ban": true}

// matchAt returns the phrase that starts at toks[i].
func matchAt(toks []token, i int, ps phrases) (phrase, bool) {
	if i < 0 || i >= len(toks) || toks[i].kind != tokWord {
		return phrase{}, false
	}
	for _, p := range ps.byFirst[toks[i].lower] {
		if matches(toks, i, p) {
			return p, true
		}
	}
	return phrase{}, false
}

// matchEndingAt returns the phrase that ends at toks[i].
func matchEndingAt(toks []token, i int, ps phrases) (phrase, bool) {
	if i < 0 || i >= len(toks) || toks[i].kind != tokWord {
		return phrase{}, false
	}
	for _, p := range ps.byLast[toks[i].lower] {
		if matches(toks, i-len(p.words)+1, p) {
			return p, true
		}
	}
	return phrase{}, false
}

// matches reports whether toks from i on start with the phrase.
func matches(toks []token, i int, p phrase) bool {
	if i < 0 || i+len(p.words) > len(toks) {
		return false
	}
	for k, w := range p.words {
		if !toks[i+k].is(w) {
			return false
		}
	}
	return true
}

// wordSet is a set of lower-case words.
type wordSet map[string]bool

func newWordSet(list ...string) wordSet {
	set := wordSet{}
	for _, w := range list {
		set[w] = true
	}
	return set
}

// has reports whether the token is one of the words.
func (set wordSet) has(t token) bool { return t.kind == tokWord && set[t.lower] }
