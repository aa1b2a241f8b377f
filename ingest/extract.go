package ingest

import (
	"errors"
	"fmt"

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
	v, q, err := x.extract(text, ind, derived)
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
}

func (x *extractor) extract(text string, ind chiso.Indicator, derived bool) (float64, chiso.Qualifier, error) {
	c, ok := x.plainCandidate(text)
	if !ok {
		x.toks = tokenize(text, x.toks)
		c, ok = x.choose(ind.Kind)
	}
	if !ok {
		return 0, chiso.Exact, errNoNumber
	}
	if c.err != nil {
		return 0, chiso.Exact, c.err
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

var errNoGrowth = errors.New("a derived figure needs a growth rate after the value, as in \"2.500 trạm, tăng 29,46% so với năm 2016\"")

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
