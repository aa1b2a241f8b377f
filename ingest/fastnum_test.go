package ingest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

var plainKinds = []chiso.IndicatorKind{chiso.KindPercent, chiso.KindCount, chiso.KindMoney, chiso.KindRank}

// samePath checks that the fast path, when it takes text, leaves the tokens
// and gives the candidate of the full path for every kind of indicator, and
// reports whether it took it.
func samePath(t *testing.T, text string, loc Locale) bool {
	t.Helper()
	fast := extractor{loc: loc}
	c, ok := fast.plainCandidate(text)
	if !ok {
		return false
	}
	full := extractor{loc: loc, toks: tokenize(text, nil)}
	if !reflect.DeepEqual(fast.toks, full.toks) {
		t.Fatalf("%q in %s: fast tokens %+v, full %+v", text, loc, fast.toks, full.toks)
	}
	for _, kind := range plainKinds {
		want, found := full.choose(kind)
		if !found || fmt.Sprint(c.err) != fmt.Sprint(want.err) {
			t.Fatalf("%q in %s for a %s: fast error %v, full %v (found %v)", text, loc, kind, c.err, want.err, found)
		}
		got := c
		got.err, want.err = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q in %s for a %s: fast candidate %+v, full %+v", text, loc, kind, got, want)
		}
	}
	return true
}

func TestPlainCandidateTakesOnlyPlainNumbers(t *testing.T) {
	long := strings.Repeat("9", maxDigits+1)
	for _, tc := range []struct {
		text string
		loc  Locale
		fast bool
	}{
		{"0", English, true}, {"27.4", English, true}, {"-5", English, true}, {"1307.44", English, true},
		{"007", English, true}, {"-0.0", English, true}, {"1307,44", Vietnamese, true}, {"-81,7", Vietnamese, true},
		{long, English, true}, {"0." + long, English, true}, // too many digits: the same error both ways
		{"", English, false}, {"-", English, false}, {"--5", English, false}, {"+5", English, false},
		{"−5", English, false}, {" 5", English, false}, {"5 ", English, false}, {"1 307", English, false},
		{"1,307.44", English, false}, {"1,307", English, false}, {"1.307", Vietnamese, false},
		{"1.5", Vietnamese, false}, {"2.500", Vietnamese, false}, {"1,5", English, false},
		{"5.", English, false}, {".5", English, false}, {"-.5", English, false}, {"1..2", English, false},
		{"1.2.3", English, false}, {"5%", English, false}, {"1e5", English, false}, {"1E5", English, false},
		{"1_000", English, false}, {"0x1F", English, false}, {"Inf", English, false}, {"NaN", English, false},
		{"١٢", English, false}, {"１２", English, false}, {"5\u00a0", English, false}, {"5\x00", English, false},
		{"trên 5", English, false}, {"5G", English, false}, {"6/63", English, false}, {"\xff5", English, false},
	} {
		if got := samePath(t, tc.text, tc.loc); got != tc.fast {
			t.Errorf("%q in %s: fast path taken %v, want %v", tc.text, tc.loc, got, tc.fast)
		}
	}
}

// FuzzPlainCandidate checks that whatever the fast path takes, it reads as
// the full path does.
func FuzzPlainCandidate(f *testing.F) {
	for _, s := range append(fuzzNumbers, "27.4", "-5", "007", "0,5", "-0", "1307.44", "5.", ".5") {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, en bool) {
		loc := Vietnamese
		if en {
			loc = English
		}
		samePath(t, s, loc)
	})
}

// BenchmarkExtractPlainNumber reads a plain table's value, as chiso import
// --locale en does for every row, by the fast path and by the full one.
func BenchmarkExtractPlainNumber(b *testing.B) {
	ind := chiso.Indicator{Code: "ict_revenue", Kind: chiso.KindMoney, Unit: "billion_vnd"}
	b.Run("fast", func(b *testing.B) {
		x := extractor{loc: English}
		for b.Loop() {
			if _, _, err := x.extractCell("1307.44", ind, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full", func(b *testing.B) {
		x := extractor{loc: English}
		for b.Loop() {
			x.toks = tokenize("1307.44", x.toks)
			c, _ := x.choose(ind.Kind)
			d := c.num
			if err := c.shift(ind, &d); err != nil {
				b.Fatal(err)
			}
			if _, err := d.float(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
