package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/pack"
	"github.com/chiso-vn/chiso/rules"
)

// TestAppendSorted: runs of findings, each sorted, come out in lessFinding
// order whether they follow each other (tasks split by areas) or
// interleave (tasks split by indicators), as a sort of them all would put
// them.
func TestAppendSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	areas := []string{"A", "B", "C", "D", "E"}
	inds := []string{"x", "y", "z"}
	for trial := range 500 {
		var all []chiso.Finding
		for range rng.IntN(60) {
			all = append(all, chiso.Finding{Rule: "R", Group: "G", Area: areas[rng.IntN(len(areas))],
				Indicator: inds[rng.IntN(len(inds))], Period: chiso.Period{Year: 2020 + rng.IntN(3), Kind: chiso.Year},
				Diagnosis: chiso.OutOfRange, Message: string(rune('a' + rng.IntN(3))), Value: float64(rng.IntN(3))})
		}
		var fresh runs
		k := 1 + rng.IntN(4)
		byArea := trial%2 == 0
		if byArea {
			sortFindings(all)
		}
		for i := range k {
			run := slices.Clone(all[i*len(all)/k : (i+1)*len(all)/k])
			sortFindings(run)
			if len(run) > 0 {
				fresh.runs = append(fresh.runs, compact(run, headOf(&run[0])))
				fresh.n += len(run)
			}
		}
		want := slices.Clone(all)
		sortFindings(want)
		got := appendSorted(make([]chiso.Finding, 0, fresh.n), fresh)
		if len(want) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: got\n%v\nwant\n%v", trial, got, want)
		}
		if !sortedFindings(got) {
			t.Fatalf("trial %d: not sorted", trial)
		}
	}
}

// TestUpdate: after a partial evaluation a rule's findings are its old
// ones outside the plan's units and the fresh ones, in order, however the
// old ones were cut into parts; coveredCount agrees with a count of them
// all, and the old findings are never modified.
func TestUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	areas := []string{"A", "B", "C", "D", "E", "F", "G"}
	inds := []string{"x", "y", "z"}
	mk := func(n int, areas []string) []chiso.Finding {
		fs := make([]chiso.Finding, n)
		for i := range fs {
			fs[i] = chiso.Finding{Group: "G", Rule: "R", Area: areas[rng.IntN(len(areas))], Indicator: inds[rng.IntN(len(inds))],
				Period: chiso.Period{Year: 2020 + rng.IntN(3), Kind: chiso.Year}, Message: string(rune('a' + rng.IntN(3)))}
		}
		sortFindings(fs)
		return fs
	}
	units := []checks.Unit{checks.BySeries, checks.ByArea, checks.ByIndicatorPeriod}
	for trial := range 3000 {
		unit := units[trial%3]
		all := mk(rng.IntN(40), areas)
		var old Findings
		for lo := 0; lo < len(all); {
			hi := min(len(all), lo+1+rng.IntN(10))
			old.add(compact(all[lo:hi], headOf(&all[lo])))
			lo = hi
		}
		p := plan{inds: map[string]bool{}, areas: map[string]bool{}, keys: map[int32]bool{}}
		var dirty []string
		for _, a := range areas {
			if rng.IntN(3) == 0 {
				p.areas[a] = true
				dirty = append(dirty, a)
			}
		}
		for _, ind := range inds {
			if rng.IntN(2) == 0 {
				p.inds[ind] = true
			}
		}
		p.keys[chiso.Period{Year: 2021, Kind: chiso.Year}.Key()] = true
		var fresh runs
		if len(dirty) > 0 {
			for range rng.IntN(3) {
				if run := mk(rng.IntN(8), dirty); len(run) > 0 {
					fresh.runs, fresh.n = append(fresh.runs, compact(run, headOf(&run[0]))), fresh.n+len(run)
				}
			}
		}
		st := &ruleState{findings: old, unit: unit}
		before := dump(old)
		var want []chiso.Finding
		covered := 0
		for _, f := range all {
			if p.covered(unit, &f) {
				covered++
			} else {
				want = append(want, f)
			}
		}
		for _, r := range fresh.runs {
			want = r.appendTo(want)
		}
		sortFindings(want)
		if got := st.coveredCount(&p); got != covered {
			t.Fatalf("trial %d (%v): coveredCount %d, want %d", trial, unit, got, covered)
		}
		got := st.update(&p, fresh)
		if got.Len() != len(want) || !reflect.DeepEqual(got.Slice(), append([]chiso.Finding{}, want...)) {
			t.Fatalf("trial %d (%v): got%s\nwant%s", trial, unit, dump(got), dump(findingsOf(want)))
		}
		if dump(old) != before {
			t.Fatalf("trial %d: the old findings changed", trial)
		}
	}
}

// findingsOf keeps sorted findings of one rule as the engine does.
func findingsOf(fs []chiso.Finding) Findings {
	var out Findings
	if len(fs) > 0 {
		out.add(compact(fs, headOf(&fs[0])))
	}
	return out
}

// staticNote is a Note for the round-trip test.
type staticNote string

func (n staticNote) Text(*chiso.Finding) string { return string(n) }

// TestCompactRoundTrip: a run kept compactly gives back every finding as
// it was, whatever its strings repeat or not (more distinct indicators
// than the compactor compares before hashing, areas that come back after
// another), with notes, NaNs, empty strings and every period kind.
func TestCompactRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	kinds := []chiso.PeriodKind{chiso.Year, chiso.Half, chiso.Quarter, chiso.Month}
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	for trial := range 200 {
		fs := make([]chiso.Finding, rng.IntN(80))
		for i := range fs {
			k := kinds[rng.IntN(len(kinds))]
			n := 0
			switch k {
			case chiso.Half:
				n = 1 + rng.IntN(2)
			case chiso.Quarter:
				n = 1 + rng.IntN(4)
			case chiso.Month:
				n = 1 + rng.IntN(12)
			}
			f := chiso.Finding{Rule: "R", Group: "G", Check: "range", Severity: chiso.Warning,
				Diagnosis: chiso.Diagnosis(pick("out_of_range", "unit_slip", "")), Status: chiso.Status(pick("fail", "indeterminate")),
				Indicator: "ind" + strconv.Itoa(rng.IntN(40)), Area: pick("A", "B", "C", ""),
				Period: chiso.Period{Kind: k, Year: 1000 + rng.IntN(9000), N: n},
				Value:  rng.NormFloat64(), Expected: math.NaN(), Message: pick("", "m1", "m2", "m"+strconv.Itoa(i)),
				Source: pick("", "s1", "s2"), DataID: rng.Int64()}
			if rng.IntN(3) == 0 {
				f.Message, f.Note = "", staticNote("note "+strconv.Itoa(i))
			}
			if rng.IntN(4) == 0 {
				f.Period = chiso.Period{}
			}
			fs[i] = f
		}
		got := findingsOf(slices.Clone(fs)).Slice()
		if len(got) != len(fs) {
			t.Fatalf("trial %d: %d findings back, want %d", trial, len(got), len(fs))
		}
		for i := range fs {
			w, g := fs[i], got[i]
			if !math.IsNaN(g.Expected) {
				t.Fatalf("trial %d finding %d: expected %v, want NaN", trial, i, g.Expected)
			}
			w.Expected, g.Expected = 0, 0
			if !reflect.DeepEqual(g, w) || g.Text() != w.Text() {
				t.Fatalf("trial %d finding %d:\ngot  %+v\nwant %+v", trial, i, g, w)
			}
		}
	}
}

// TestBufferReuse: the default pack over the sample data, every task on one
// worker (so that each check's findings reuse the slice the one before
// returned), gives each rule the findings its check returns on its own,
// in a slice of its own, and again when evaluated a second time.
func TestBufferReuse(t *testing.T) {
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	groups, err := rules.Load(pack.FS(), pack.Patterns, cat)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cat, groups, Options{Lang: "vi", Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var all []chiso.Observation
	if err := samplecat.Read(cat, func(o chiso.Observation) error {
		o.ID = int64(len(all) + 1)
		all = append(all, o)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.Add(all...)
	at := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	env := checks.Env{Data: e.checksData(), Now: at, Location: time.UTC, Lang: "vi"}
	withFindings := 0
	for pass := range 2 {
		e.invalidate()
		res := evaluate(t, e, "", at)
		for _, st := range e.rules {
			want, err := st.eval.Evaluate(env, st.scope)
			if err != nil {
				t.Fatal(err)
			}
			sortFindings(want)
			var got []chiso.Finding
			for f := range res.Findings.All() {
				if f.Rule == st.id.Rule && f.Group == st.id.Group {
					f.Rule, f.Group, f.Check, f.Severity = "", "", "", ""
					got = append(got, f)
				}
			}
			if g, w := describe(got), describe(want); g != w {
				t.Errorf("pass %d rule %s:\ngot%s\nwant%s", pass, st.id.Rule, g, w)
			}
			if pass == 0 && len(want) > 0 {
				withFindings++
			}
		}
	}
	if withFindings < 5 {
		t.Errorf("only %d rules found something in the sample data: the test shows little", withFindings)
	}
}

// describe writes every field of the findings, their messages for notes.
func describe(fs []chiso.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s %s %s %s %s %s %s %s %s %v %v %q %q %d", f.Rule, f.Group, f.Check, f.Severity, f.Diagnosis, f.Status,
			f.Indicator, f.Area, f.Period, f.Value, f.Expected, f.Text(), f.Source, f.DataID)
	}
	return b.String()
}

// scribble writes a finding into the buffer it is given, then panics.
type scribble struct{ boom }

func (scribble) Evaluate(env checks.Env, _ checks.Scope) ([]chiso.Finding, error) {
	out := (*env.Buffer)[:1]
	out[0] = chiso.Finding{Area: "x", Message: "left behind"}
	panic("scribble")
}

// TestPanicClearsBuffer: a check that panics after writing into its
// worker's buffer leaves the buffer empty for the next check, which may
// take its findings from it as they are (freshness does).
func TestPanicClearsBuffer(t *testing.T) {
	buf := make([]chiso.Finding, 0, 4)
	st := &ruleState{id: RuleID{"g", "Scribble"}, eval: scribble{}}
	tk := &task{}
	runTask(st, tk, checks.Env{Buffer: &buf})
	if tk.err == nil {
		t.Fatal("the panic was not reported")
	}
	for i, f := range buf[:cap(buf)] {
		if f != (chiso.Finding{}) {
			t.Fatalf("buffer[%d] = %+v after the panic, want it cleared", i, f)
		}
	}
}

// overflow appends more findings than a worker's buffer keeps, starting in
// the buffer it is given.
type overflow struct{ boom }

func (overflow) Evaluate(env checks.Env, _ checks.Scope) ([]chiso.Finding, error) {
	out := (*env.Buffer)[:0]
	for i := range maxBuffer + 10 {
		out = append(out, chiso.Finding{Area: "A", Period: chiso.Period{Kind: chiso.Year, Year: 2000 + i%9000}, Message: "left behind"})
	}
	return out, nil
}

// TestOutgrownBufferIsCleared: a check that fills its worker's buffer and
// goes on in a larger slice, too large to keep, leaves the buffer empty for
// the next check (the buffer is still the smaller one).
func TestOutgrownBufferIsCleared(t *testing.T) {
	buf := make([]chiso.Finding, 0, 1000)
	tk := &task{}
	runTask(&ruleState{id: RuleID{"g", "Overflow"}, eval: overflow{}}, tk, checks.Env{Buffer: &buf})
	if tk.err != nil || tk.findings.n != maxBuffer+10 {
		t.Fatalf("%d findings, error %v; want %d", tk.findings.n, tk.err, maxBuffer+10)
	}
	if cap(buf) != 1000 {
		t.Fatalf("the buffer became one of %d findings, want it kept at 1000", cap(buf))
	}
	for i, f := range buf[:cap(buf)] {
		if f != (chiso.Finding{}) {
			t.Fatalf("buffer[%d] = %+v after the check outgrew it, want it cleared", i, f)
		}
	}
}

// emitter emits its findings in batches of three and returns the rest, in
// the order given (sorted or not).
type emitter struct {
	boom
	fs []chiso.Finding
}

func (e emitter) Evaluate(env checks.Env, _ checks.Scope) ([]chiso.Finding, error) {
	out := (*env.Buffer)[:0]
	for _, f := range e.fs {
		if len(out) == 3 {
			env.Emit(out)
			out = out[:0]
		}
		out = append(out, f)
	}
	return out, nil
}

// TestEmittedRuns: what a check emits in batches and what it returns
// become the task's findings in lessFinding order, kept as the batches
// when they follow each other and sorted into one run when they do not;
// the buffer is left cleared either way.
func TestEmittedRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 300 {
		fs := make([]chiso.Finding, rng.IntN(20))
		for i := range fs {
			fs[i] = chiso.Finding{Area: string(rune('A' + rng.IntN(4))), Indicator: "x",
				Period: chiso.Period{Kind: chiso.Year, Year: 2020 + rng.IntN(5)}, Message: strconv.Itoa(rng.IntN(3))}
		}
		if trial%2 == 0 {
			sortFindings(fs)
		}
		want := slices.Clone(fs)
		sortFindings(want)
		buf := make([]chiso.Finding, 0, 8)
		tk := &task{}
		runTask(&ruleState{id: RuleID{"g", "Emit"}, eval: emitter{fs: slices.Clone(fs)}}, tk, checks.Env{Buffer: &buf})
		var got []chiso.Finding
		for _, r := range tk.findings.runs {
			got = r.appendTo(got)
		}
		for i := range got {
			got[i].Rule, got[i].Group = "", ""
		}
		if tk.err != nil || describe(got) != describe(want) || tk.findings.n != len(want) {
			t.Fatalf("trial %d: error %v, got%s\nwant%s", trial, tk.err, describe(got), describe(want))
		}
		if trial%2 == 0 && len(fs) > 3 && len(tk.findings.runs) < 2 {
			t.Fatalf("trial %d: sorted batches were merged into %d runs", trial, len(tk.findings.runs))
		}
		for i, f := range buf[:cap(buf)] {
			if f != (chiso.Finding{}) {
				t.Fatalf("trial %d: buffer[%d] = %+v, want it cleared", trial, i, f)
			}
		}
	}
}

// TestUpdateKeepsBatches: a partial evaluation copies a rule's findings
// into one run only when updates have added maxParts parts to those of its
// last full evaluation, however many batches that one left.
func TestUpdateKeepsBatches(t *testing.T) {
	const n = maxParts + 50
	var old Findings
	for i := range n {
		f := chiso.Finding{Group: "G", Rule: "R", Area: fmt.Sprintf("A%04d", i), Indicator: "x", Period: chiso.Period{Kind: chiso.Year, Year: 2020}}
		old.add(compact([]chiso.Finding{f}, headOf(&f)))
	}
	p := plan{inds: map[string]bool{"x": true}, areas: map[string]bool{"A0007": true}, keys: map[int32]bool{}}
	for _, tc := range []struct {
		fullParts, want int
	}{{n, n - 1}, {0, 1}} {
		st := &ruleState{findings: old, unit: checks.BySeries, fullParts: tc.fullParts}
		got := st.update(&p, runs{})
		if len(got.parts) != tc.want || got.n != n-1 {
			t.Errorf("full evaluation left %d parts: %d findings in %d parts, want %d in %d", tc.fullParts, got.n, len(got.parts), n-1, tc.want)
		}
	}
}

// headOf returns the rule's fields of a finding.
func headOf(f *chiso.Finding) head {
	return head{rule: f.Rule, group: f.Group, check: f.Check, severity: f.Severity}
}
