package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chiso-vn/chiso/internal/textdist"
	"golang.org/x/text/unicode/norm"
)

// foldWords returns s as words for matching what people type: lower case,
// without Vietnamese diacritics (đ is d), each run of letters and digits a
// word, words separated by one space. "Tỉnh  Điện-Biên" is "tinh dien
// bien", whether the text was typed precomposed or with combining marks.
func foldWords(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // a tone or vowel mark
		case r == 'đ' || r == 'Đ':
			space = wordRune(&b, 'd', space)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			space = wordRune(&b, unicode.ToLower(r), space)
		default:
			space = b.Len() > 0
		}
	}
	return b.String()
}

// wordRune writes r, after a space when one is pending.
func wordRune(b *strings.Builder, r rune, space bool) bool {
	if space {
		b.WriteByte(' ')
	}
	b.WriteRune(r)
	return false
}

// fold returns s folded for comparison: foldWords without the spaces, so
// that "Số trạm BTS", "so tram bts" and "SốtrạmBTS" are all "sotrambts".
func fold(s string) string {
	return strings.ReplaceAll(foldWords(s), " ", "")
}

// areaPrefixes are the words before a province's name that people may or
// may not write: "Tỉnh Điện Biên" names the same area as "Điện Biên".
// "Thành phố" and "TP" are not among them: Thành phố Hòa Bình is a city
// inside Hòa Bình province, not the province, so a city is matched only by
// its own name or an alias (TP. Hồ Chí Minh).
var areaPrefixes = []string{"tinh "}

// foldArea folds an area's name as fold does, without a leading "Tỉnh"
// when a name follows it.
func foldArea(s string) string {
	w := foldWords(s)
	for _, p := range areaPrefixes {
		if rest, ok := strings.CutPrefix(w, p); ok && rest != "" {
			w = rest
			break
		}
	}
	return strings.ReplaceAll(w, " ", "")
}

// editDistance returns the edit distance between a and b in characters,
// or limit+1 once it is sure to exceed limit.
func editDistance(a, b string, limit int) int { return textdist.Levenshtein(a, b, limit) }

// closeEnough is the largest edit distance at which a folded text still
// suggests a name: a third of its length, at least 1, so that "ictrevenu"
// suggests "ictrevenue" and "dienbienphu" suggests "dienbien", but "xx"
// suggests nothing.
func closeEnough(folded string) int {
	return max(1, utf8.RuneCountInString(folded)/3)
}
