package ingest

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chiso-vn/chiso"
)

// ExtractFigure picks the figure for an indicator out of a phrase as
// reports print it, and returns it in the indicator's unit with its
// qualifier. Names such as 5G, denominators (the 63 of "6/63") and dates
// ("năm 2004", "tháng 12/2007") are not figures. A percent indicator takes
// the first number printed with %; any other indicator takes the first
// number without %. With derived set, the phrase states a later value and a
// growth rate ("2.500 trạm, tăng 29,46% so với năm 2016") and the result is
// the earlier value it implies, rounded as published data is (counts and
// ranks to whole numbers, others to two decimals), with qualifier Derived.
func ExtractFigure(text string, ind chiso.Indicator, loc Locale, derived bool) (float64, chiso.Qualifier, error) {
	x := extractor{loc: loc}
	v, q, err := x.extract(text, ind, derived, nil)
	if err != nil {
		return 0, chiso.Exact, fmt.Errorf("figure %q for %s: %w", text, ind.Code, err)
	}
	return v, q, nil
}

// extractor reads figures out of phrases, reusing its token buffer; one
// per goroutine.
type extractor struct {
	loc  Locale
	toks []token
	cell bool // reading a value cell: a second figure is an error, not ignored
}

// extract reads the figure for ind out of text; unit, when not nil, is the
// unit a column or header gives the figure.
func (x *extractor) extract(text string, ind chiso.Indicator, derived bool, unit *unitSpec) (float64, chiso.Qualifier, error) {
	x.cell = false
	return x.read(text, ind, derived, unit)
}

// extractCell reads a value cell: like extract, but a cell with a second
// figure of the same sort is an error.
func (x *extractor) extractCell(text string, ind chiso.Indicator, unit *unitSpec) (float64, chiso.Qualifier, error) {
	x.cell = true
	return x.read(text, ind, false, unit)
}

func (x *extractor) read(text string, ind chiso.Indicator, derived bool, unit *unitSpec) (float64, chiso.Qualifier, error) {
	if x.cell && len(text) > maxCellText {
		return 0, chiso.Exact, errCellTooLong
	}
	c, ok := x.plainCandidate(text) // plain digits: no garbage, no words to look at
	if !ok {
		if err := garbage(text); err != nil {
			return 0, chiso.Exact, err
		}
		x.toks = tokenize(text, x.toks)
		c, ok = x.choose(ind.Kind)
	}
	if !ok {
		return 0, chiso.Exact, errNoNumber
	}
	if c.err != nil {
		return 0, chiso.Exact, c.err
	}
	if x.cell {
		if err := x.onlyTheFigure(&c, ind, unit); err != nil {
			return 0, chiso.Exact, err
		}
	}
	if err := unit.apply(&c.Figure, ind); err != nil {
		return 0, chiso.Exact, err
	}
	d := c.num
	if err := c.shift(ind, &d); err != nil {
		return 0, chiso.Exact, err
	}
	v, err := d.float()
	if err != nil || !derived {
		return v, c.Qualifier, err
	}
	rate, err := x.growth(c.end)
	if err != nil {
		return 0, chiso.Exact, err
	}
	return roundLike(v/(1+rate/100), ind.Kind), chiso.Derived, nil
}

// choose returns the number that holds the indicator's figure.
func (x *extractor) choose(kind chiso.IndicatorKind) (candidate, bool) {
	var other candidate
	found := false
	for i, t := range x.toks {
		if t.kind != tokNumber {
			continue
		}
		c := analyze(x.toks, i, x.loc)
		switch {
		case c.skip:
		case c.Percent == (kind == chiso.KindPercent):
			return c, true
		case !found:
			other, found = c, true
		}
	}
	return other, found
}

var errNoGrowth = problem("no_growth",
	"a derived figure needs a growth rate after the value, as in \"2.500 trạm, tăng 29,46% so với năm 2016\"",
	"số liệu suy ra cần có tốc độ tăng sau giá trị, ví dụ \"2.500 trạm, tăng 29,46% so với năm 2016\"")

// garbage refuses text that must never yield a number, whatever digits it
// holds: invalid UTF-8, an exponent (1e-400 is not 400) or an underscore
// between digits (1_000 is not 1).
func garbage(text string) error {
	if !utf8.ValidString(text) {
		return problem("bad_text", "the text is not valid UTF-8: save the file as UTF-8",
			"văn bản không phải UTF-8 hợp lệ: hãy lưu tệp ở dạng UTF-8")
	}
	if i := strings.IndexFunc(text, otherDigit); i >= 0 {
		return problem("bad_number", "digits other than 0–9 (%s): type the figure again with 0–9",
			"chữ số không phải 0–9 (%s): hãy gõ lại số liệu bằng các chữ số 0–9", quote(text[i:i+utf8.RuneLen([]rune(text[i:])[0])]))
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '_' && ((i > 0 && digitAt(text, i-1)) || digitAt(text, i+1)):
			return problem("bad_number", "an underscore is not a thousands separator: write 1.000 (Vietnamese) or 1,000 (English)",
				"dấu gạch dưới không phân cách hàng nghìn: hãy viết 1.000 (tiếng Việt) hoặc 1,000 (tiếng Anh)")
		case (c == 'e' || c == 'E') && i > 0 && digitAt(text, i-1) && exponentAt(text, i+1):
			return problem("bad_number", "exponent notation is not read: write the number in full",
				"không đọc số viết dạng lũy thừa (e): hãy viết đầy đủ con số")
		}
	}
	return nil
}

// otherDigit reports whether r is a digit other than 0–9: full-width,
// Arabic-Indic, superscript, mathematical … which no figure is read from.
func otherDigit(r rune) bool {
	return (r < '0' || r > '9') && (unicode.IsDigit(r) || unicode.Is(unicode.No, r))
}

// exponentAt reports whether an exponent's digits start at text[i],
// possibly after a sign.
func exponentAt(text string, i int) bool {
	if i < len(text) && (text[i] == '+' || text[i] == '-') {
		i++
	} else if strings.HasPrefix(text[i:], "−") {
		i += len("−")
	}
	return digitAt(text, i)
}

// growth returns the growth rate in percent stated after toks[from]:
// positive for tăng (increase), negative for giảm (decrease).
func (x *extractor) growth(from int) (float64, error) {
	for j := from; j < len(x.toks); j++ {
		p, ok := matchAt(x.toks, j, growthWords)
		if !ok {
			continue
		}
		for k := j + 1; k < len(x.toks); k++ {
			if x.toks[k].kind != tokNumber {
				continue
			}
			c := analyze(x.toks, k, x.loc)
			if c.err != nil || !c.Percent {
				return 0, errNoGrowth
			}
			rate, err := c.num.float()
			return float64(p.val) * rate, err
		}
	}
	return 0, errNoGrowth
}
