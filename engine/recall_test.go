package engine

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
	"github.com/chiso-vn/chiso/pack"
	"github.com/chiso-vn/chiso/rules"
)

// recall is what the default pack finds of the anomalies synth plants:
// per kind, how many were planted and how many were found with the right
// diagnosis on the right figure.
type recall struct {
	planted, found map[synth.AnomalyKind]int
	firstYear      [2]int // first-year slips: planted, found
	missed         []synth.Anomaly
	// misplaced are the unit_slip findings on a figure where no slip was
	// planted: a slip blamed on its neighbour.
	misplaced []string
}

// diagnosisOf is the diagnosis that names a planted anomaly.
var diagnosisOf = map[synth.AnomalyKind]chiso.Diagnosis{
	synth.OutOfRange: chiso.OutOfRange, synth.UnitSlip: chiso.UnitSlip, synth.Drop: chiso.ImplausibleChange,
}

// measureRecall evaluates the default pack on a synthetic data set of the
// size and matches the findings with the planted anomalies.
func measureRecall(t *testing.T, size benchSize) recall {
	t.Helper()
	cat, codes, err := packCatalogue(size)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := rules.Load(pack.FS(), pack.Patterns, cat)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cat, groups, Options{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	addSynth(t, e, size, codes)
	res, err := e.Evaluate(context.Background(), "", benchNow)
	if err != nil {
		t.Fatal(err)
	}
	type cell struct {
		d                       chiso.Diagnosis
		indicator, area, period string
	}
	found := map[cell]bool{}
	for f := range res.Findings.All() {
		found[cell{f.Diagnosis, f.Indicator, f.Area, f.Period.String()}] = true
	}
	r := recall{planted: map[synth.AnomalyKind]int{}, found: map[synth.AnomalyKind]int{}}
	slips := map[cell]bool{}
	for _, a := range synth.Planted(size.areas, size.indicators, size.months, 1) {
		c := cell{diagnosisOf[a.Kind], codes[a.Indicator], a.Area, a.Period.String()}
		ok := found[c]
		r.planted[a.Kind]++
		if ok {
			r.found[a.Kind]++
		} else {
			r.missed = append(r.missed, a)
		}
		if a.Kind == synth.UnitSlip {
			slips[c] = true
			if a.FirstYear() {
				r.firstYear[0]++
				if ok {
					r.firstYear[1]++
				}
			}
		}
	}
	for f := range res.Findings.All() {
		if c := (cell{f.Diagnosis, f.Indicator, f.Area, f.Period.String()}); c.d == chiso.UnitSlip && !slips[c] {
			r.misplaced = append(r.misplaced, f.Message)
		}
	}
	return r
}

// addSynth adds synth's data set of the size to the engine, the
// indicators renamed by codes, in batches.
func addSynth(t *testing.T, e *Engine, size benchSize, codes map[string]string) {
	t.Helper()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(synth.WriteCSV(pw, size.areas, size.indicators, size.months, 1)) }()
	sc := bufio.NewScanner(pr)
	sc.Scan() // the header
	var batch []chiso.Observation
	var id int64
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		v, err := strconv.ParseFloat(f[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		q, err := chiso.ParseQualifier(f[4])
		if err != nil {
			t.Fatal(err)
		}
		id++
		batch = append(batch, chiso.Observation{Indicator: codes[f[0]], Area: f[1], Period: chiso.MustParsePeriod(f[2]),
			Value: v, Qualifier: q, Source: "synth.csv", Revision: 1, ID: id})
		if len(batch) == 1<<16 {
			e.Add(batch...)
			batch = batch[:0]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	e.Add(batch...)
}

// report writes the recall per kind: "slip 41/41 (first year 12/12)".
func (r recall) report() string {
	var b strings.Builder
	for _, k := range []synth.AnomalyKind{synth.OutOfRange, synth.UnitSlip, synth.Drop} {
		fmt.Fprintf(&b, "%s %d/%d", k, r.found[k], r.planted[k])
		if k == synth.UnitSlip {
			fmt.Fprintf(&b, " (first year %d/%d)", r.firstYear[1], r.firstYear[0])
		}
		b.WriteString("; ")
	}
	fmt.Fprintf(&b, "unit slips blamed on an unplanted figure: %d", len(r.misplaced))
	return b.String()
}

// TestPackRecall: the default pack finds every planted out-of-range value
// and unit slip of a small synthetic data set, first-year slips of monthly
// series included, on the planted figure and on no other. Drops are
// reported, not asserted: a fall to a third in a series' first year has no
// like period to be compared with.
func TestPackRecall(t *testing.T) {
	r := measureRecall(t, benchSize{"recall", 300, 12, 42, true})
	t.Log(r.report())
	if r.firstYear[0] == 0 {
		t.Fatal("no first-year slips planted")
	}
	for _, k := range []synth.AnomalyKind{synth.OutOfRange, synth.UnitSlip} {
		if r.found[k] != r.planted[k] {
			for _, a := range r.missed {
				if a.Kind == k {
					t.Errorf("missed %s: %s %s %s", a.Kind, a.Indicator, a.Area, a.Period)
				}
			}
		}
	}
	for _, m := range r.misplaced {
		t.Errorf("a unit slip where none was planted: %s", m)
	}
}

// TestPackRecallAtScale is TestPackRecall on a benchmark's data set, named
// by CHISO_RECALL_SIZE (pack1M or pack10M): it reports, not asserts.
//
//	CHISO_RECALL_SIZE=pack10M go test -run PackRecallAtScale -v -timeout 1h ./engine
func TestPackRecallAtScale(t *testing.T) {
	name := os.Getenv("CHISO_RECALL_SIZE")
	if name == "" {
		t.Skip("set CHISO_RECALL_SIZE=pack1M or pack10M")
	}
	for _, size := range benchSizes {
		if size.name == name && size.pack {
			r := measureRecall(t, size)
			t.Logf("%s: %s", name, r.report())
			for _, a := range r.missed {
				if a.Kind != synth.Drop {
					t.Logf("missed %s: %s %s %s", a.Kind, a.Indicator, a.Area, a.Period)
				}
			}
			for _, m := range r.misplaced {
				t.Logf("a unit slip where none was planted: %s", m)
			}
			return
		}
	}
	t.Fatalf("CHISO_RECALL_SIZE=%s: want pack1M or pack10M", name)
}
