package ingest

import (
	"fmt"
	"math"
	"strings"

	"github.com/chiso-vn/chiso"
)

// Figure is a number as printed in a report, split into its parts:
// "ước đạt 8,6 tỷ USD" is the number 8,6 with the qualifier Estimate, the
// scale 10^9 and the currency USD.
type Figure struct {
	Text      string          // the text the figure was read from
	Qualifier chiso.Qualifier // trên/hơn: Over, gần: Nearly, khoảng: About …
	Percent   bool            // printed with % (or "phần trăm", "percent")
	Scale     int             // power of ten of the scale word: 0 for none, 3, 6, 9, 12 or 15
	Currency  string          // VND or USD; empty when none is printed
	num       decimal
}

// Number returns the printed number times its scale: 1,86 triệu tỷ is
// 1.86e15.
func (f Figure) Number() float64 {
	d := f.num
	d.exp += f.Scale
	v, _ := d.float()
	return v
}

// The words around a number, each with what it means.
var (
	qualifierWords = newPhrases(
		words("ước đạt", int(chiso.Estimate)), words("ước tính", int(chiso.Estimate)),
		words("sơ bộ", int(chiso.Preliminary)), words("more than", int(chiso.Over)),
		words("trên", int(chiso.Over)), words("hơn", int(chiso.Over)), words("over", int(chiso.Over)),
		words("above", int(chiso.Over)), words("gần", int(chiso.Nearly)), words("nearly", int(chiso.Nearly)),
		words("almost", int(chiso.Nearly)), words("khoảng", int(chiso.About)), words("about", int(chiso.About)),
		words("around", int(chiso.About)), words("approximately", int(chiso.About)),
		words("ước", int(chiso.Estimate)), words("estimated", int(chiso.Estimate)),
		words("preliminary", int(chiso.Preliminary)),
	)
	// fillers may stand between a qualifier and its number: "ước đạt",
	// "đạt trên 81,7%", "reached over".
	fillerWords = newWordSet("đạt", "là", "đến", "tới", "lên", "có", "được", "reached", "reaching", "reach", "to", "at", "of", "is", "was", "were", "an", "a", "by")
	scaleWords  = newPhrases(
		words("nghìn tỷ", 12), words("ngàn tỷ", 12), words("nghìn tỉ", 12), words("ngàn tỉ", 12),
		words("triệu tỷ", 15), words("triệu tỉ", 15), words("nghìn", 3), words("ngàn", 3),
		words("triệu", 6), words("tỷ", 9), words("tỉ", 9), words("trăm", 2), words("chục", 1),
		words("thousand", 3), words("million", 6), words("billion", 9), words("trillion", 12), words("hundred", 2),
	)
	currencyWords = newPhrases(
		words("đô la", usd), words("đồng", vnd), words("vnd", vnd), words("vnđ", vnd), words("đ", vnd),
		words("usd", usd), words("đô", usd), words("dollars", usd), words("dollar", usd),
	)
	percentWords = newPhrases(words("phần trăm", 1), words("per cent", 1), words("percent", 1))
	// Words after which a number is a date, not a figure: "năm 2004",
	// "tháng 12/2007".
	dateWords = newWordSet("năm", "tháng", "quý", "ngày", "year", "month", "quarter")
	// Words after tỷ that make it "rate" or "share", not a billion.
	notScaleWords = newWordSet("lệ", "trọng")
	// Words that say a following percentage is a growth rate.
	growthWords = newPhrases(
		words("tăng", 1), words("increase", 1), words("increased", 1), words("up", 1), words("rose", 1), words("grew", 1),
		words("giảm", -1), words("decrease", -1), words("decreased", -1), words("down", -1), words("fell", -1),
	)
)

const (
	vnd = 1
	usd = 2
)

var currencyNames = [...]string{vnd: "VND", usd: "USD"}

// candidate is one number of a text with what surrounds it.
type candidate struct {
	Figure
	start, at, end int   // tokens [start, end) make up the figure; at is the number
	err            error // the number could not be read
	skip           bool  // a name (5G), a denominator (/63) or a date (năm 2004)
}

// analyze reads the number at toks[i] and the words around it.
func analyze(toks []token, i int, loc Locale) candidate {
	c := candidate{at: i, start: i, end: i + 1}
	c.skip = isName(toks, i) || isDenominator(toks, i) || (i > 0 && dateWords.has(toks[i-1]))
	c.err = parseDecimal(toks[i].text, loc, &c.num)
	c.readAfter(toks)
	c.readBefore(toks)
	return c
}

// isName reports whether the number is part of a name such as 5G, H1 or
// VP25: glued to letters that are no unit.
func isName(toks []token, i int) bool {
	if toks[i].glued && toks[i-1].kind == tokWord {
		return true
	}
	if i+1 < len(toks) && toks[i+1].glued && toks[i+1].kind == tokWord {
		_, scale := matchAt(toks, i+1, scaleWords)
		_, cur := matchAt(toks, i+1, currencyWords)
		return !scale && !cur
	}
	return false
}

// isDenominator reports whether the number follows a slash after another
// number: 63 in "6/63".
func isDenominator(toks []token, i int) bool {
	return i >= 2 && toks[i-1].sym("/") && toks[i-2].kind == tokNumber
}

// readAfter reads a percent sign, or scale words and a currency.
func (c *candidate) readAfter(toks []token) {
	j := c.end
	if j < len(toks) && toks[j].sym("%") {
		c.Percent, c.end = true, j+1
		return
	}
	if p, ok := matchAt(toks, j, percentWords); ok {
		c.Percent, c.end = true, j+len(p.words)
		return
	}
	j = c.readScale(toks, j)
	switch p, ok := matchAt(toks, j, currencyWords); {
	case ok:
		c.Currency, j = currencyNames[p.val], j+len(p.words)
	case j < len(toks) && toks[j].sym("$"):
		c.Currency, j = "USD", j+1
	case j+1 < len(toks) && toks[j].is("us") && toks[j+1].sym("$"):
		c.Currency, j = "USD", j+2
	}
	c.end = j
}

// maxScale is the largest power of ten scale words may make together:
// triệu tỷ (10^15) and a few more.
const maxScale = 18

// readScale reads scale words from toks[j] on, which multiply when each is
// larger than the one before (trăm nghìn is 10^5, nghìn triệu 10^9) and are
// an error otherwise (tỷ tỷ, triệu nghìn); it returns where they end.
func (c *candidate) readScale(toks []token, j int) int {
	last := 0
	for {
		p, ok := matchAt(toks, j, scaleWords)
		if !ok || (j+1 < len(toks) && notScaleWords.has(toks[j+1])) {
			return j
		}
		if p.val <= last || c.Scale+p.val > maxScale {
			if c.err == nil {
				c.err = problem("bad_scale", "scale words %s do not make one figure: write one scale, larger words last (nghìn tỷ, trăm nghìn)",
					"các từ chỉ quy mô %s không tạo thành một con số: chỉ ghi một quy mô, từ lớn hơn đứng sau (nghìn tỷ, trăm nghìn)",
					quote(toks[c.at+1].text+" … "+toks[j].text))
			}
			return j + len(p.words)
		}
		c.Scale, last, j = c.Scale+p.val, p.val, j+len(p.words)
	}
}

// readBefore reads a minus sign, a dollar sign, and a qualifier possibly
// separated from the number by filler words.
func (c *candidate) readBefore(toks []token) {
	k := c.at - 1
	if k >= 0 && toks[k].sym("-−") && toks[c.at].glued && (k == 0 || !toks[k].glued) {
		c.num.neg, k = true, k-1
	}
	if k >= 0 && toks[k].sym("$") {
		c.Currency, k = "USD", k-1
	}
	found := false
	for k >= 0 {
		if p, ok := matchEndingAt(toks, k, qualifierWords); ok && !found {
			c.Qualifier, found, k = chiso.Qualifier(p.val), true, k-len(p.words)
			continue
		}
		if !fillerWords.has(toks[k]) {
			break
		}
		k--
	}
	c.start = k + 1
}

// ParseFigure reads a figure printed in the locale with nothing else around
// it: an optional qualifier, the number, and a percent sign or scale words
// and a currency, such as "trên 81,7%", "gần 1.900", "khoảng 50 nghìn" or
// "ước đạt 8,6 tỷ USD". Use ExtractFigure for a figure within a sentence.
func ParseFigure(s string, loc Locale) (Figure, error) {
	if err := garbage(s); err != nil {
		return Figure{}, fmt.Errorf("figure %s: %w", quote(s), err)
	}
	toks := tokenize(s, nil)
	var c candidate
	numbers := 0
	for i, t := range toks {
		if t.kind == tokNumber {
			numbers++
			c = analyze(toks, i, loc)
		}
	}
	if err := strictFigure(toks, c, numbers); err != nil {
		return Figure{}, fmt.Errorf("figure %q: %w", s, err)
	}
	c.Text = s
	return c.Figure, nil
}

func strictFigure(toks []token, c candidate, numbers int) error {
	switch {
	case numbers == 0:
		return errNoNumber
	case numbers > 1:
		return problem("two_figures", "more than one number (use ExtractFigure for sentences)", "có nhiều hơn một số")
	case c.err != nil:
		return c.err
	case c.skip:
		return problem("no_number", "the number is part of a name (5G), a fraction's denominator or a date", "con số là một phần của tên (5G), mẫu số của phân số hoặc ngày tháng")
	case c.start > 0:
		return problem("bad_figure", "unexpected %s before the number", "có %s không mong đợi trước con số", quote(toks[c.start-1].text))
	}
	for _, t := range toks[c.end:] {
		if !t.sym(".,;:") {
			return problem("bad_figure", "unexpected %s after the number", "có %s không mong đợi sau con số", quote(t.text))
		}
	}
	return nil
}

// In converts the figure to the indicator's canonical unit. Percentages go
// only to percent indicators; money needs its unit's currency (or none, when
// a bare number is already in the unit or a scale word gives the amount);
// counts take scale words but no % and no currency.
func (f Figure) In(ind chiso.Indicator) (float64, error) {
	d := f.num
	if err := f.shift(ind, &d); err != nil {
		return 0, fmt.Errorf("figure %q for %s: %w", f.Text, ind.Code, err)
	}
	v, err := d.float()
	if err != nil {
		return 0, fmt.Errorf("figure %q for %s: %w", f.Text, ind.Code, err)
	}
	return v, nil
}

// shift checks the figure's unit against the indicator's and moves d's
// exponent to the indicator's unit.
func (f Figure) shift(ind chiso.Indicator, d *decimal) error {
	switch ind.Kind {
	case chiso.KindPercent:
		if f.Scale != 0 || f.Currency != "" {
			return problem("unit_mismatch", "a percentage takes no scale word or currency (unit %s)", "tỷ lệ phần trăm không đi kèm từ chỉ quy mô hay đơn vị tiền (đơn vị %s)", unitVI(ind.Unit))
		}
	case chiso.KindMoney:
		exp, cur, ok := moneyUnit(ind.Unit)
		switch {
		case !ok:
			return problem("unit_mismatch", "unknown money unit %s (want e.g. billion_vnd or million_usd)", "đơn vị tiền %s không hợp lệ trong danh mục (ví dụ billion_vnd, million_usd)", quote(ind.Unit))
		case f.Percent:
			return &Problem{Kind: "unit_mismatch", EN: fmt.Sprintf("%% on money (unit %s)", ind.Unit), VI: fmt.Sprintf("dấu %% trên số tiền (đơn vị %s)", unitVI(ind.Unit))}
		case f.Currency != "" && f.Currency != cur:
			return &Problem{Kind: "unit_mismatch", EN: fmt.Sprintf("currency %s does not match the unit %s", f.Currency, ind.Unit),
				VI: fmt.Sprintf("loại tiền %s không khớp với đơn vị %s", f.Currency, unitVI(ind.Unit))}
		case f.Scale != 0 || f.Currency != "":
			d.exp += f.Scale - exp
		}
	default:
		switch {
		case f.Percent:
			return &Problem{Kind: "unit_mismatch", EN: fmt.Sprintf("%% on a %s (unit %s)", ind.Kind, ind.Unit),
				VI: fmt.Sprintf("dấu %% trên %s (đơn vị %s)", kindVI(ind.Kind), unitVI(ind.Unit))}
		case f.Currency != "":
			return &Problem{Kind: "unit_mismatch", EN: fmt.Sprintf("currency %s on a %s (unit %s)", f.Currency, ind.Kind, ind.Unit),
				VI: fmt.Sprintf("đơn vị tiền %s trên %s (đơn vị %s)", f.Currency, kindVI(ind.Kind), unitVI(ind.Unit))}
		}
		d.exp += f.Scale
	}
	return nil
}

// moneyUnit reads a money unit such as billion_vnd: the power of ten of
// its scale and its currency.
func moneyUnit(unit string) (exp int, currency string, ok bool) {
	scale, cur, found := strings.Cut(strings.ToLower(unit), "_")
	if !found {
		scale, cur = "", scale
	}
	okScale := true
	switch scale {
	case "":
	case "thousand":
		exp = 3
	case "million":
		exp = 6
	case "billion":
		exp = 9
	case "trillion":
		exp = 12
	default:
		okScale = false
	}
	switch cur {
	case "vnd":
		return exp, "VND", okScale
	case "usd":
		return exp, "USD", okScale
	}
	return 0, "", false
}

// roundLike rounds a computed value as published data is rounded: counts
// and ranks to whole numbers, other values to two decimals.
func roundLike(v float64, kind chiso.IndicatorKind) float64 {
	if kind == chiso.KindCount || kind == chiso.KindRank {
		return math.Round(v)
	}
	return math.Round(v*100) / 100
}

// kindVI names an indicator kind in Vietnamese.
func kindVI(k chiso.IndicatorKind) string {
	switch k {
	case chiso.KindCount:
		return "số đếm"
	case chiso.KindRank:
		return "thứ hạng"
	case chiso.KindRatio:
		return "tỷ số"
	case chiso.KindMoney:
		return "số tiền"
	}
	return "tỷ lệ"
}
