package ruletest

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
)

// TestParseValues covers each qualifier prefix, periods and bad entries.
func TestParseValues(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string   // period=qualifier:value …
		errs []string // each error's "offset:" and the start of its message
	}{
		{"2015=3560 2022=183001", "2015=exact:3560 2022=exact:183001", nil},
		{"2024=>98 2024=<1900 2024-H1=~5 2024-Q3=est:1.5 2024-08=pre:2e3 2023=der:-4", "2024=over:98 2024=nearly:1900 2024-H1=about:5 2024-Q3=estimate:1.5 2024-08=preliminary:2000 2023=derived:-4", nil},
		{"  2024=1\n\t2025=2  ", "2024=exact:1 2025=exact:2", nil},
		{"2024=NaN 2025=+Inf", "", []string{`0:"2024=NaN": figure "NaN"`, `9:"2025=+Inf": figure "+Inf"`}},
		{"2024 x=1 2024=> 2023=1", "2023=exact:1", []string{`0:"2024": want PERIOD`, `5:"x=1": invalid period`, `9:"2024=>": figure ""`}},
		{"", "", []string{"0:no values"}},
	} {
		pts, errs := parseValues(tc.in)
		var got []string
		for _, p := range pts {
			got = append(got, fmt.Sprintf("%s=%s:%g", p.Period, p.Qualifier, p.Value))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%q: got %v, want %s", tc.in, got, tc.want)
		}
		if len(errs) != len(tc.errs) {
			t.Errorf("%q: errors %v, want %v", tc.in, errs, tc.errs)
			continue
		}
		for i, e := range errs {
			if g := fmt.Sprintf("%d:%s", e.Offset, e.Msg); !strings.HasPrefix(g, tc.errs[i]) {
				t.Errorf("%q: error %q, want prefix %q", tc.in, g, tc.errs[i])
			}
		}
	}
}

// TestParseSelector reads labels and refuses malformed selectors.
func TestParseSelector(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want selector
		off  int
		err  string
	}{
		{`ict_revenue{area="VP"}`, selector{Indicator: "ict_revenue", Area: "VP"}, 0, ""},
		{`digital_economy_share{ area="PT", method="gso",source="a b.pdf" }`, selector{"digital_economy_share", "PT", "gso", "a b.pdf"}, 0, ""},
		{`{area="PT"}`, selector{}, 0, "no indicator"},
		{`x{area=PT}`, selector{}, 2, `want key="value"`},
		{`x{area="PT}`, selector{}, 7, "unterminated"},
		{`x{zone="PT"}`, selector{}, 2, `unknown label "zone"`},
		{`x{method="m"}`, selector{}, 1, "no area"},
		{`x area="PT"`, selector{}, 0, "want indicator{"},
	} {
		got, off, err := parseSelector(tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%s: got %+v, %v", tc.in, got, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || off != tc.off):
			t.Errorf("%s: error %v at %d, want %q at %d", tc.in, err, off, tc.err, tc.off)
		}
	}
}

// TestRevisions numbers repeated periods as revisions and gives increasing
// IDs.
func TestRevisions(t *testing.T) {
	src := "rule_files: [x]\nevaluation_time: 2026-11-23T07:00:00+07:00\ninput_observations:\n" +
		"  - series: bts_stations{area=\"PT\", method=\"m\", source=\"s\"}\n    values: 2024=est:95 2023=90 2024=96\n"
	f, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range f.Tests[0].Observations {
		got = append(got, fmt.Sprintf("%s/%s/%s/%s/%s=%g r%d #%d", o.Indicator, o.Area, o.Method, o.Source, o.Period, o.Value, o.Revision, o.ID))
	}
	want := "bts_stations/PT/m/s/2024=95 r1 #1 bts_stations/PT/m/s/2023=90 r1 #2 bts_stations/PT/m/s/2024=96 r2 #3"
	if strings.Join(got, " ") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, " "), want)
	}
	if f.Tests[0].Observations[0].Qualifier != chiso.Estimate || f.Lang != "vi" || f.Location.String() != "Asia/Ho_Chi_Minh" {
		t.Errorf("defaults or qualifier wrong: %+v", f)
	}
}

// TestCompare matches as a set, counts duplicates and matches messages.
func TestCompare(t *testing.T) {
	p24, p25 := chiso.MustParsePeriod("2024"), chiso.MustParsePeriod("2025")
	fd := func(area string, p chiso.Period, msg string) chiso.Finding {
		return chiso.Finding{Rule: "R", Diagnosis: chiso.OutOfRange, Area: area, Indicator: "i", Period: p,
			Status: chiso.Fail, Severity: chiso.Warning, Message: msg, Value: math.NaN(), Expected: math.NaN()}
	}
	ex := func(area string, p chiso.Period, msg string) Expected {
		return Expected{Rule: "R", Diagnosis: chiso.OutOfRange, Area: area, Indicator: "i", Period: p, Status: chiso.Fail, Message: msg}
	}
	for _, tc := range []struct {
		name                string
		want                []Expected
		got                 []chiso.Finding
		missing, unexpected int
	}{
		{"equal", []Expected{ex("A", p24, ""), ex("B", p25, "")}, []chiso.Finding{fd("B", p25, ""), fd("A", p24, "")}, 0, 0},
		{"order free, empty", nil, nil, 0, 0},
		{"extra finding", []Expected{ex("A", p24, "")}, []chiso.Finding{fd("A", p24, ""), fd("A", p25, "")}, 0, 1},
		{"duplicate counted", []Expected{ex("A", p24, ""), ex("A", p24, "")}, []chiso.Finding{fd("A", p24, "")}, 1, 0},
		{"message first", []Expected{ex("A", p24, ""), ex("A", p24, "second")}, []chiso.Finding{fd("A", p24, "the second"), fd("A", p24, "the first")}, 0, 0},
		{"message mismatch", []Expected{ex("A", p24, "x")}, []chiso.Finding{fd("A", p24, "y")}, 1, 1},
		{"period matters", []Expected{ex("A", chiso.Period{}, "")}, []chiso.Finding{fd("A", p24, "")}, 1, 1},
	} {
		m, u := Compare(tc.want, tc.got)
		if len(m) != tc.missing || len(u) != tc.unexpected {
			t.Errorf("%s: %d missing, %d unexpected; want %d, %d", tc.name, len(m), len(u), tc.missing, tc.unexpected)
		}
	}
	e := ex("A", p24, "")
	e.Severity = chiso.Critical
	f := fd("A", p24, "")
	if e.Matches(f) {
		t.Error("severity ignored")
	}
	e.Status = chiso.Indeterminate
	if m, _ := Compare([]Expected{e}, []chiso.Finding{f}); len(m) != 1 {
		t.Error("status ignored")
	}
}

// TestByteOrderMark reads a test file saved with a byte-order mark.
func TestByteOrderMark(t *testing.T) {
	src := "\xef\xbb\xbfrule_files: [x]\r\nevaluation_time: 2026-11-23T07:00:00+07:00\r\n"
	f, err := Parse("t.yaml", []byte(src))
	if err != nil || len(f.Tests) != 1 || f.RuleFiles[0] != "x" {
		t.Errorf("Parse = %+v, %v", f, err)
	}
}
