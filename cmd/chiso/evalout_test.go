package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/chiso-vn/chiso"
)

// referenceJSON is how eval wrote findings before it streamed them: the
// output its own writer must equal byte for byte.
func referenceJSON(w io.Writer, fs []chiso.Finding) error {
	if fs == nil {
		fs = []chiso.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(fs)
}

// referenceTable is how eval wrote the table before it streamed it.
func referenceTable(w io.Writer, fs []chiso.Finding) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tSTATUS\tDIAGNOSIS\tAREA\tINDICATOR\tPERIOD\tVALUE\tEXPECTED\tRULE\tMESSAGE")
	for _, f := range fs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Severity, f.Status, f.Diagnosis, f.Area,
			f.Indicator, dash(f.Period.String()), number(f.Value), number(f.Expected), f.Group+"/"+f.Rule,
			strings.ReplaceAll(f.Text(), "\n", " "))
	}
	return tw.Flush()
}

// noted is a Note that writes a message with the finding's area.
type noted struct{}

func (noted) Text(f *chiso.Finding) string { return "ghi chú <" + f.Area + "> & \"trích\"" }

// syntheticFindings are findings with every kind of text and number the
// writers must handle as encoding/json and text/tabwriter did.
func syntheticFindings(n int, tabs bool) []chiso.Finding {
	texts := []string{"", "Phú Thọ", "a<b>&c", "quote \" back \\ slash", "cr\r only",
		"ctl \x00\x01\x07\b\r\x1f\x7f", "bad \xfe utf-8 \xe2\x82", "sep \u2028 \u2029 end", "emoji 🇻🇳 ≤ ≈",
		"Tỷ lệ hộ gia đình có kết nối Internet băng rộng cố định 81,7%"}
	if tabs {
		// and the byte 0xff, which tabwriter took for its escape character
		texts = append(texts, "tab\there", "vt\v ff\f", "line\nbreak\r\n", "bad \xff utf-8")
	}
	numbers := []float64{math.NaN(), 0, math.Copysign(0, -1), 1, -2.5, 1e-7, 1.5e-6, 1e-6, 999999.125, 1e20, 1e21,
		-1.234e25, 183001e9, 0.1 + 0.2, math.Inf(1), math.Inf(-1), 5e-324, math.MaxFloat64}
	periods := []chiso.Period{{}, chiso.MustParsePeriod("2024"), chiso.MustParsePeriod("2023-H1"),
		chiso.MustParsePeriod("2024-Q3"), chiso.MustParsePeriod("2024-08")}
	var fs []chiso.Finding
	for i := range n {
		t := func(k int) string { return texts[(i*7+k)%len(texts)] }
		f := chiso.Finding{Rule: "Rule" + t(1), Group: "g" + t(2), Check: "range", Diagnosis: chiso.OutOfRange,
			Severity: chiso.Warning, Status: chiso.Fail, Indicator: "ind_" + t(3), Area: t(4),
			Period: periods[i%len(periods)], Value: numbers[i%len(numbers)], Expected: numbers[(i*5+3)%len(numbers)],
			Message: t(5), Source: t(6), DataID: int64(i*i) - 50}
		switch i % 3 {
		case 0:
			f.Message, f.Note = "", noted{}
		case 1:
			f.Message = "line\nbreak\r\n" + f.Message // the table always printed line breaks as spaces
		}
		if i%11 == 0 {
			f.Status, f.Diagnosis, f.Severity = chiso.Indeterminate, "", chiso.Critical
		}
		fs = append(fs, f)
	}
	return fs
}

// TestEvalOutputIsAsBefore holds the streaming writers to the bytes that
// encoding/json and text/tabwriter wrote for the same findings: none, the
// sample's in both languages, and synthetic ones with escapes, invalid
// UTF-8, Vietnamese text, notes and every form of number.
func TestEvalOutputIsAsBefore(t *testing.T) {
	db := sampleDB(t)
	// Several batches of the formatters, and one finding.
	sets := map[string][]chiso.Finding{"none": nil, "one": syntheticFindings(1, false),
		"synthetic": syntheticFindings(3*batchFindings+17, false), "synthetic with tabs": syntheticFindings(200, true)}
	for _, lang := range []string{"vi", "en"} {
		o, err := checkEvalFlags("", sampleAt, "json", "warning", lang, "Asia/Ho_Chi_Minh", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		res, _, err := evaluateStore(context.Background(), &env{db: db, dbSet: true, stderr: io.Discard}, o)
		if err != nil {
			t.Fatal(err)
		}
		sets["sample "+lang] = res.Findings.Slice()
		if res.Findings.Len() == 0 {
			t.Fatalf("the sample has no findings in %s", lang)
		}
	}
	for name, fs := range sets {
		for _, format := range []struct {
			name      string
			write     func(io.Writer, []chiso.Finding) error
			reference func(io.Writer, []chiso.Finding) error
		}{
			{"json", func(w io.Writer, fs []chiso.Finding) error { return writeFindingsJSON(w, slices.Values(fs)) }, referenceJSON},
			{"table", func(w io.Writer, fs []chiso.Finding) error { return writeFindingsTable(w, slices.Values(fs), nil) }, referenceTable},
		} {
			if format.name == "table" && strings.HasSuffix(name, "tabs") {
				continue // tabs break tabwriter's columns: TestEvalTableBlanksTabs
			}
			t.Run(name+"/"+format.name, func(t *testing.T) {
				var got, want bytes.Buffer
				if err := format.write(&got, fs); err != nil {
					t.Fatal(err)
				}
				if err := format.reference(&want, fs); err != nil {
					t.Fatal(err)
				}
				if got.String() != want.String() {
					t.Errorf("output differs from before at byte %d:\n got %q\nwant %q", firstDiff(got.Bytes(), want.Bytes()),
						around(got.Bytes(), want.Bytes()), around(want.Bytes(), got.Bytes()))
				}
			})
		}
	}
}

func firstDiff(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// around returns a's bytes near where it first differs from b.
func around(a, b []byte) []byte {
	n := firstDiff(a, b)
	return a[max(0, n-60):min(len(a), n+60)]
}

// TestEvalTableBlanksTabs: a tab, vertical tab, form feed or line break
// in a cell is printed as a space, so the row keeps its columns (with
// tabwriter a tab started a new cell and a form feed a new table).
func TestEvalTableBlanksTabs(t *testing.T) {
	fs := []chiso.Finding{
		{Severity: chiso.Info, Status: chiso.Fail, Area: "a\tb", Indicator: "x", Group: "g", Rule: "R",
			Value: 1, Expected: math.NaN(), Message: "one\ttwo\vthree\ffour\nfive"},
		{Severity: chiso.Warning, Status: chiso.Fail, Area: "c", Indicator: "y\fz", Group: "g", Rule: "R",
			Value: math.NaN(), Expected: 2, Message: "ok"},
	}
	var out bytes.Buffer
	if err := writeFindingsTable(&out, slices.Values(fs), nil); err != nil {
		t.Fatal(err)
	}
	want := "SEVERITY  STATUS  DIAGNOSIS  AREA  INDICATOR  PERIOD  VALUE  EXPECTED  RULE  MESSAGE\n" +
		"info      fail               a b   x          -       1      -         g/R   one two three four five\n" +
		"warning   fail               c     y z        -       -      2         g/R   ok\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// failingWriter fails once it has taken n bytes.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, fmt.Errorf("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

// TestEvalOutputStopsOnWriteError: a failed write ends the output with
// its error, whichever batch it hits, without reading every finding.
func TestEvalOutputStopsOnWriteError(t *testing.T) {
	fs := syntheticFindings(20*batchFindings, false)
	for _, n := range []int{0, 100, 1 << 20} {
		for name, write := range map[string]func(io.Writer, iter.Seq[chiso.Finding]) error{
			"json": writeFindingsJSON, "table": func(w io.Writer, fs iter.Seq[chiso.Finding]) error { return writeFindingsTable(w, fs, nil) }} {
			read := 0
			seq := func(yield func(chiso.Finding) bool) {
				for _, f := range fs {
					read++
					if !yield(f) {
						return
					}
				}
			}
			err := write(&failingWriter{n: n}, seq)
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("%s, failing after %d bytes: error %v, want disk full", name, n, err)
			}
			passes := 1
			if name == "table" {
				passes = 2 // the widths, then the rows
			}
			if read >= passes*len(fs) {
				t.Errorf("%s, failing after %d bytes: read %d findings, want fewer than %d", name, n, read, passes*len(fs))
			}
		}
	}
}
