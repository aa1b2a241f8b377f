package ingest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

// writtenForm prints a decimal (digits before and after the mark) as a
// department might: in a locale, grouped by its mark, by spaces, or not.
type writtenForm struct {
	name  string
	loc   Locale
	group string // "" for none
}

var writtenForms = []writtenForm{
	{"vi grouped", Vietnamese, "."}, {"vi plain", Vietnamese, ""}, {"vi spaced", Vietnamese, " "}, {"vi no-break", Vietnamese, "\u00a0"},
	{"en grouped", English, ","}, {"en plain", English, ""}, {"en spaced", English, " "}, {"en thin", English, "\u202f"},
}

// print writes intPart[.frac] in the form.
func (w writtenForm) print(intPart, frac string) string {
	var b strings.Builder
	for i := 0; i < len(intPart); i++ {
		if i > 0 && w.group != "" && (len(intPart)-i)%3 == 0 {
			b.WriteString(w.group)
		}
		b.WriteByte(intPart[i])
	}
	if frac != "" {
		_, dec := w.loc.marks()
		b.WriteByte(dec)
		b.WriteString(frac)
	}
	return b.String()
}

// wordForm is a qualifier as written in each language.
type wordForm struct {
	vi, en string
	q      chiso.Qualifier
}

var qualifierForms = []wordForm{
	{"", "", chiso.Exact}, {"trên ", "over ", chiso.Over}, {"hơn ", "more than ", chiso.Over}, {"gần ", "nearly ", chiso.Nearly},
	{"khoảng ", "about ", chiso.About}, {"ước đạt ", "estimated ", chiso.Estimate}, {"sơ bộ ", "preliminary ", chiso.Preliminary},
	{"đạt trên ", "reached over ", chiso.Over},
}

// scaleForm is a scale word or unit and the power of ten it shifts a
// count (or money in billions of đồng) by.
type scaleForm struct {
	vi, en string
	exp    int
	unit   bool // written in the unit column rather than the cell
}

var countScales = []scaleForm{
	{"", "", 0, false}, {" nghìn", " thousand", 3, false}, {" triệu", " million", 6, false},
	{" trạm", " stations", 0, false}, {"nghìn trạm", "thousand stations", 3, true}, {"trạm", "stations", 0, true},
}

var moneyScales = []scaleForm{
	{"", "", 0, false}, {" tỷ đồng", " billion VND", 0, false}, {" nghìn tỷ đồng", " trillion VND", 3, false},
	{" triệu đồng", " million VND", -3, false}, {"triệu đồng", "million VND", -3, true}, {"nghìn tỷ đồng", "trillion VND", 3, true},
}

// TestPrintParseRoundTrip: for random figures in every supported written
// form (Vietnamese and English, grouped by marks or spaces or not at all,
// with qualifiers, scale words and units in the cell or a unit column),
// reading the printed figure gives the figure back exactly.
func TestPrintParseRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 6))
	var b strings.Builder
	type want struct {
		v    float64
		q    chiso.Qualifier
		text string
	}
	var wants []want
	for _, loc := range []Locale{Vietnamese, English} {
		b.Reset()
		wants = wants[:0]
		b.WriteString("indicator,area,period,value,unit\n")
		for i := range 4000 {
			form := writtenForms[rng.IntN(len(writtenForms))]
			for form.loc != loc {
				form = writtenForms[rng.IntN(len(writtenForms))]
			}
			qf := qualifierForms[rng.IntN(len(qualifierForms))]
			money := rng.IntN(2) == 0
			scales, ind := countScales, "bts_stations"
			if money {
				scales, ind = moneyScales, "ict_revenue"
			}
			sf := scales[rng.IntN(len(scales))]
			intPart := strconv.Itoa(1 + rng.IntN(999_999))
			frac := ""
			nFrac := rng.IntN(4)
			if !money {
				nFrac = min(nFrac, max(sf.exp, 0)) // a count stays whole
			}
			for range nFrac {
				frac += strconv.Itoa(rng.IntN(10))
			}
			if frac != "" && frac[len(frac)-1] == '0' {
				frac = frac[:len(frac)-1] + "5"
			}
			if len(intPart) <= 3 && len(frac) == 3 {
				frac += "5" // 183,001 is refused: the other locale reads 183001
			}
			canon := intPart
			if frac != "" {
				canon += "." + frac
			}
			v, err := strconv.ParseFloat(canon+"e"+strconv.Itoa(sf.exp), 64)
			if err != nil {
				t.Fatal(err)
			}
			qual, scale := qf.vi, sf.vi
			if loc == English {
				qual, scale = qf.en, sf.en
			}
			cell, unit := qual+form.print(intPart, frac), ""
			if sf.unit {
				unit = strings.TrimSpace(scale)
			} else {
				cell += scale
			}
			period := fmt.Sprintf("%d-%02d", 2004+i/12, i%12+1)
			fmt.Fprintf(&b, "%s,DB,%s,%s,%s\n", ind, period, csvQuote(cell), csvQuote(unit))
			wants = append(wants, want{v, qf.q, cell + " | " + unit})
		}
		got, errs := readAll(t, "p.csv", b.String(), Options{Locale: loc})
		if errs != "" {
			t.Fatalf("%s: errors:\n%.2000s", loc, errs)
		}
		if len(got) != len(wants) {
			t.Fatalf("%s: read %d figures, want %d", loc, len(got), len(wants))
		}
		for i, w := range wants {
			if got[i].Value != w.v || got[i].Qualifier != w.q {
				t.Errorf("%s: %q reads as %v %s, want %v %s", loc, w.text, got[i].Value, got[i].Qualifier, w.v, w.q)
			}
		}
	}
}

// TestGarbageNeverParses: valid figures spoiled by an exponent, an
// underscore or invalid UTF-8 never give a number, wherever they sit.
func TestGarbageNeverParses(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	spoilers := []string{"e5", "E-3", "e+10", "e−2", "_000", "_", "\xff", "\xc3", "\xed\xa0\x80"}
	bases := []string{"2.500", "1.307,44", "trên 81,7%", "gần 1.900 trạm", "183.001 tỷ đồng", "530 100", "12"}
	for range 3000 {
		base := bases[rng.IntN(len(bases))]
		sp := spoilers[rng.IntN(len(spoilers))]
		// Put the spoiler right after a digit (or before one, for "_").
		digits := []int{}
		for i := 0; i < len(base); i++ {
			if base[i] >= '0' && base[i] <= '9' {
				digits = append(digits, i)
			}
		}
		at := digits[rng.IntN(len(digits))] + 1
		if sp == "_" && rng.IntN(2) == 0 {
			at--
		}
		s := base[:at] + sp + base[at:]
		for _, loc := range []Locale{Vietnamese, English} {
			for _, ind := range []chiso.Indicator{countInd, pctInd, vndInd} {
				if v, _, err := ExtractFigure(s, ind, loc, false); err == nil {
					t.Fatalf("%q reads as %v for %s in %s", s, v, ind.Code, loc)
				}
			}
			if f, err := ParseFigure(s, loc); err == nil {
				t.Fatalf("%q parses as %v in %s", s, f.Number(), loc)
			}
		}
	}
}
