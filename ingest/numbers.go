package ingest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Locale is the convention a file's numbers are printed in. The zero value
// is Vietnamese.
type Locale string

// The locales.
const (
	Vietnamese Locale = "vi" // "." groups thousands, "," is the decimal mark: 1.307,44
	English    Locale = "en" // "," groups thousands, "." is the decimal mark: 1,307.44
)

// ParseLocale reads a locale name, vi or en; the empty string is vi.
func ParseLocale(s string) (Locale, error) {
	switch Locale(s) {
	case "", Vietnamese:
		return Vietnamese, nil
	case English:
		return English, nil
	}
	return "", fmt.Errorf("unknown locale %q (want vi or en)", s)
}

// marks returns the thousands separator and the decimal mark.
func (l Locale) marks() (group, dec byte) {
	if l == English {
		return ',', '.'
	}
	return '.', ','
}

func (l Locale) name() string {
	if l == English {
		return "English"
	}
	return "Vietnamese"
}

// nameIn returns the locale's name in the language of messages.
func (l Locale) nameIn(lang string) string {
	switch {
	case lang == "en":
		return l.name()
	case l == English:
		return "tiếng Anh"
	}
	return "tiếng Việt"
}

// maxDigits bounds the significant digits a printed number may have; the
// shortest form of any float64 has at most 17.
const maxDigits = 40

// decimal is a number as printed: digits × 10^exp, kept exact so that scale
// words and units shift the exponent instead of multiplying floats (1,86
// triệu tỷ đồng is exactly 1860000 billion).
type decimal struct {
	neg     bool
	n       int // significant digits used
	digits  [maxDigits]byte
	exp     int
	pending int // zeros read after the last non-zero digit, not yet in digits
}

var (
	errNoNumber  = problem("no_number", "no number", "không có số")
	errTooLong   = problem("bad_number", "too many digits", "quá nhiều chữ số")
	errOutOfSize = problem("bad_number", "number out of range", "số vượt quá giới hạn")
)

// float returns the decimal as the nearest float64.
func (d *decimal) float() (float64, error) {
	var buf [maxDigits + 24]byte
	b := buf[:0]
	if d.neg {
		b = append(b, '-')
	}
	if d.n == 0 {
		b = append(b, '0')
	}
	b = append(b, d.digits[:d.n]...)
	b = append(b, 'e')
	b = strconv.AppendInt(b, int64(d.exp), 10)
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, errOutOfSize
	}
	if !d.exactIn(v) {
		return 0, errPrecision
	}
	return v, nil
}

var errPrecision = problem("bad_number",
	"the number has more significant digits than a figure can keep (about 15), or is too small to keep: it would be stored as another number",
	"số có nhiều chữ số có nghĩa hơn mức một số liệu giữ được (khoảng 15), hoặc quá nhỏ: nó sẽ bị lưu thành một số khác")

// exactIn reports whether v, the float nearest to d, keeps every
// significant digit of d: 9007199254740993 and 0,000…001 beyond the
// smallest float do not.
func (d *decimal) exactIn(v float64) bool {
	if d.n <= 15 && v != 0 {
		return true // any 15 digits survive the round trip
	}
	if d.n == 0 {
		return v == 0
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], math.Abs(v), 'e', -1, 64)
	mant, _, _ := strings.Cut(string(e), "e")
	mant = strings.Replace(mant, ".", "", 1)
	return mant == string(d.digits[:d.n])
}

// appendDigits adds the digits of s (all '0'–'9') to d, dropping leading
// zeros; frac says they follow the decimal mark.
func (d *decimal) appendDigits(s string, frac bool) error {
	for i := 0; i < len(s); i++ {
		if frac {
			d.exp--
		}
		if s[i] == '0' {
			if d.n > 0 {
				d.pending++
			}
			continue
		}
		if d.n+d.pending >= maxDigits {
			return errTooLong
		}
		for ; d.pending > 0; d.pending-- {
			d.digits[d.n] = '0'
			d.n++
		}
		d.digits[d.n] = s[i]
		d.n++
	}
	return nil
}

// trim moves trailing zeros into the exponent, so that 1e300 printed in
// full still fits.
func (d *decimal) trim() {
	d.exp += d.pending
	d.pending = 0
}

// ParseNumber reads a number printed in the locale, with nothing around it
// but an optional minus sign: in Vietnamese 2.500 is 2500, 1.307,44 is
// 1307.44 and 183.001 is 183001; in English 1,307.44 is 1307.44. A
// separator that could be read either way (Vietnamese 1.5 or 1.30, or both
// marks in the wrong order) is an error, never a guess.
func ParseNumber(s string, loc Locale) (float64, error) {
	var d decimal
	if err := parseDecimal(s, loc, &d); err != nil {
		return 0, fmt.Errorf("number %s: %w", quote(s), err)
	}
	v, err := d.float()
	if err != nil {
		return 0, fmt.Errorf("number %s: %w", quote(s), err)
	}
	return v, nil
}

// parseDecimal reads s as printed in the locale into d.
func parseDecimal(s string, loc Locale, d *decimal) error {
	*d = decimal{}
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		d.neg, s = true, rest
	} else if rest, ok := strings.CutPrefix(s, "−"); ok {
		d.neg, s = true, rest
	}
	if s == "" {
		return errNoNumber
	}
	group, dec := loc.marks()
	intPart, frac, hasFrac := strings.Cut(s, string(dec))
	if hasFrac {
		if err := checkFraction(frac, group, dec, loc); err != nil {
			return err
		}
	}
	if err := parseIntPart(intPart, group, loc, d); err != nil {
		return err
	}
	if err := d.appendDigits(frac, true); err != nil {
		return err
	}
	d.trim()
	return nil
}

func checkFraction(frac string, group, dec byte, loc Locale) error {
	switch {
	case strings.IndexByte(frac, group) >= 0:
		return &Problem{Kind: "ambiguous_number",
			EN: fmt.Sprintf("mixes %q and %q the wrong way round for %s, where %q groups thousands and %q is the decimal mark",
				string(dec), string(group), loc.nameIn("en"), string(group), string(dec)),
			VI: fmt.Sprintf("dùng %q và %q ngược với cách viết %s, trong đó %q phân cách hàng nghìn và %q là dấu thập phân",
				string(dec), string(group), loc.nameIn("vi"), string(group), string(dec))}
	case strings.IndexByte(frac, dec) >= 0:
		return problem("bad_number", "has more than one decimal mark %q", "có nhiều hơn một dấu thập phân %q", string(dec))
	case !allDigits(frac):
		return problem("bad_number", "want digits after the decimal mark %q", "sau dấu thập phân %q phải là chữ số", string(dec))
	}
	return nil
}

// parseIntPart reads the digits before the decimal mark: not grouped, or
// grouped by thousands with the locale's mark or with spaces (530 100),
// every group after the first exactly three digits.
func parseIntPart(s string, group byte, loc Locale, d *decimal) error {
	spaced := strings.IndexFunc(s, isGroupSpace) >= 0
	if spaced && strings.IndexByte(s, group) >= 0 {
		return problem("bad_number", "groups thousands with both spaces and %q: use one of them",
			"phân cách hàng nghìn bằng cả dấu cách và %q: chỉ dùng một cách", string(group))
	}
	if !spaced && strings.IndexByte(s, group) < 0 {
		if !allDigits(s) {
			return problem("bad_number", "want digits, grouped by %q", "phải là chữ số, phân cách hàng nghìn bằng %q", string(group))
		}
		return d.appendDigits(s, false)
	}
	groups := strings.Split(s, string(group))
	if spaced {
		groups = strings.FieldsFunc(s, isGroupSpace)
		if len(groups) != strings.Count(s, " ")+strings.Count(s, "\u00a0")+strings.Count(s, "\u202f")+strings.Count(s, "\u2009")+1 {
			return badSpaces()
		}
	}
	for i, g := range groups {
		if !allDigits(g) || (i == 0 && (len(g) > 3 || g[0] == '0')) || (i > 0 && len(g) != 3) {
			if spaced {
				return badSpaces()
			}
			return ambiguous(group, loc)
		}
		if err := d.appendDigits(g, false); err != nil {
			return err
		}
	}
	return nil
}

func isGroupSpace(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' }

func badSpaces() error {
	return problem("bad_number",
		"a space may only group thousands: 1–3 digits, then groups of exactly three (530 100 = 530100)",
		"dấu cách chỉ được dùng để phân cách hàng nghìn: 1–3 chữ số, sau đó từng nhóm đúng ba chữ số (530 100 = 530100)")
}

func ambiguous(group byte, loc Locale) error {
	_, dec := loc.marks()
	return &Problem{Kind: "ambiguous_number",
		EN: fmt.Sprintf("ambiguous number: in %s %q groups thousands, so it must come after 1–3 digits and before exactly three (%s = 2500), and %q is the decimal mark",
			loc.nameIn("en"), string(group), FormatNumber(2500, loc), string(dec)),
		VI: fmt.Sprintf("số không rõ nghĩa: theo cách viết %s, %q phân cách hàng nghìn nên phải đứng sau 1–3 chữ số và trước đúng ba chữ số (%s = 2500), còn %q là dấu thập phân",
			loc.nameIn("vi"), string(group), FormatNumber(2500, loc), string(dec))}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// FormatNumber prints v as the locale prints it, with thousands grouped:
// 1307.44 is 1.307,44 in Vietnamese and 1,307.44 in English. ParseNumber
// reads it back to v exactly.
func FormatNumber(v float64, loc Locale) string {
	group, dec := loc.marks()
	s := strconv.FormatFloat(v, 'f', -1, 64)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i := 0; i < len(intPart); i++ {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(group)
		}
		b.WriteByte(intPart[i])
	}
	if hasFrac {
		b.WriteByte(dec)
		b.WriteString(frac)
	}
	return b.String()
}

// parsePlain reads a number as canonical files hold it: an optional minus,
// digits, and optionally a dot and more digits, with no grouping. A
// fraction ending in zero (other than a lone .0, as spreadsheets write
// whole numbers) is refused: "2.500" is 2.5 here but 2500 as printed in
// Vietnamese, and chiso never writes it.
func parsePlain(s string) (float64, error) {
	body := strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(body, ".")
	switch {
	case !allDigits(intPart) || (hasFrac && !allDigits(frac)):
		return 0, errNotPlain
	case hasFrac && len(frac) > 1 && frac[len(frac)-1] == '0':
		return 0, errTrailingZero
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errOutOfSize
	}
	return v, nil
}

var (
	errNotPlain = problem("not_plain",
		"canonical files (those with a qualifier column) hold plain numbers with a dot as the decimal mark and no grouping, like 1307.44 or 183001",
		"tệp chuẩn (có cột qualifier) chỉ chứa số thuần, dấu chấm là dấu thập phân và không phân cách hàng nghìn, ví dụ 1307.44 hoặc 183001")
	errTrailingZero = problem("not_plain",
		"canonical files hold plain numbers without trailing zeros: this reads as a decimal here but as thousands when printed in Vietnamese (2.500 = 2500); write 2.5 or 2500",
		"tệp chuẩn chỉ chứa số thuần không có số 0 thừa ở cuối: ở đây số này là số thập phân nhưng theo cách viết Việt Nam lại là hàng nghìn (2.500 = 2500); hãy viết 2.5 hoặc 2500")
)
