package engine

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/rules"
)

var now = time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)

func newEngine(t *testing.T, groups []rules.Group) *Engine {
	t.Helper()
	e, err := New(testCatalogue(), groups, Options{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func evaluate(t *testing.T, e *Engine, group string, at time.Time) Result {
	t.Helper()
	res, err := e.Evaluate(context.Background(), group, at)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// randomObs returns an observation with few enough choices that cells are
// often revised and every fake check finds something.
func randomObs(r *rand.Rand, id int64) chiso.Observation {
	areas := []string{"P1", "P2", "P3", "N1", "Q1", "Q2", "Q3", "Q4", "VN"}
	periods := []string{"2021", "2022", "2023", "2024", "2025", "2026", "2024-H1", "2025-H1"}
	v := float64(r.IntN(60) + 1)
	if r.IntN(6) == 0 {
		v *= 10
	}
	return obs([]string{"a", "b"}[r.IntN(2)], areas[r.IntN(len(areas))], periods[r.IntN(len(periods))], v, r.IntN(3)+1, id)
}

// TestIncrementalEqualsFull adds random observations in batches to one
// engine, evaluating after each batch, and compares its findings with a
// fresh engine's full evaluation of the same data.
func TestIncrementalEqualsFull(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		inc := newEngine(t, testGroups())
		var all []chiso.Observation
		id := int64(0)
		for batch := range 12 {
			var b []chiso.Observation
			for range r.IntN(8) + 1 {
				id++
				b = append(b, randomObs(r, id))
			}
			all = append(all, b...)
			inc.Add(b...)
			at := now.AddDate(0, 0, batch/4) // time-dependent rules see a new day now and then
			got := evaluate(t, inc, "", at)
			full := newEngine(t, testGroups())
			full.Add(all...)
			want := evaluate(t, full, "", at)
			if !sameFindings(got.Findings, want.Findings) {
				t.Fatalf("seed %d batch %d: incremental findings differ from full:\n got %s\nwant %s", seed, batch,
					dump(got.Findings), dump(want.Findings))
			}
		}
	}
}

func sameFindings(a, b Findings) bool {
	ja, _ := json.Marshal(a.Slice())
	jb, _ := json.Marshal(b.Slice())
	return string(ja) == string(jb)
}

func dump(fs Findings) string {
	var b strings.Builder
	for f := range fs.All() {
		b.WriteString("\n  " + f.Rule + " " + f.Area + " " + f.Indicator + " " + f.Period.String() + " " + f.Text())
	}
	return b.String()
}

// TestIncrementalEvaluatesOnlyDirtyUnits checks the statistics: after one
// Add, a series-wise rule evaluates one unit per indicator it touches.
func TestIncrementalEvaluatesOnlyDirtyUnits(t *testing.T) {
	e := newEngine(t, testGroups())
	e.Add(obs("a", "Q1", "2024", 5, 1, 1), obs("a", "Q2", "2024", 6, 1, 2))
	first := evaluate(t, e, "g", now)
	if s := first.PerRule[RuleID{"g", "Above"}]; s.Evaluated != 2*8 || s.NotEvaluated != 0 {
		t.Fatalf("first evaluation of Above: %+v, want 16 units evaluated", s)
	}
	e.Add(obs("a", "Q2", "2025", 500, 1, 3))
	res := evaluate(t, e, "g", now)
	if s := res.PerRule[RuleID{"g", "Above"}]; s.Evaluated != 1 || s.NotEvaluated != 15 || s.Findings != 1 {
		t.Errorf("Above after one Add: %+v, want 1 evaluated, 15 not, 1 finding", s)
	}
	if s := res.PerRule[RuleID{"g", "Ordered"}]; s.Evaluated != 1 {
		t.Errorf("Ordered after one Add: %+v, want 1 area evaluated", s)
	}
	again := evaluate(t, e, "g", now)
	if s := again.PerRule[RuleID{"g", "Above"}]; s.Evaluated != 0 || s.Findings != 1 {
		t.Errorf("Above with nothing new: %+v, want nothing evaluated and the finding kept", s)
	}
}

// TestLineageDirtiesSuccessor checks that a new value for a predecessor
// re-evaluates its successor, whose change is measured against the sum of
// the predecessors.
func TestLineageDirtiesSuccessor(t *testing.T) {
	e := newEngine(t, testGroups())
	e.Add(obs("a", "P1", "2024", 10, 1, 1), obs("a", "P2", "2024", 10, 1, 2), obs("a", "N1", "2025", 50, 1, 3))
	res := evaluate(t, e, "g", now)
	if n := count(res.Findings, "Jump", "N1"); n != 1 {
		t.Fatalf("N1 2025 = 50 against 20 from predecessors: %d jump findings, want 1%s", n, dump(res.Findings))
	}
	e.Add(obs("a", "P3", "2024", 20, 1, 4))
	res = evaluate(t, e, "g", now)
	if n := count(res.Findings, "Jump", "N1"); n != 0 {
		t.Errorf("N1 2025 = 50 against 40: %d jump findings, want 0%s", n, dump(res.Findings))
	}
	if s := res.PerRule[RuleID{"g", "Jump"}]; s.Evaluated != 2 {
		t.Errorf("Jump evaluated %d units, want 2 (P3 and N1)", s.Evaluated)
	}
}

func count(fs Findings, rule, area string) int {
	n := 0
	for f := range fs.All() {
		if f.Rule == rule && f.Area == area {
			n++
		}
	}
	return n
}

func TestPanickingCheckIsRecovered(t *testing.T) {
	e := newEngine(t, testGroups(rules.Rule{Alert: "Boom", Check: "boom", Indicators: []string{"a"}, Params: boom{}}))
	e.Add(obs("a", "Q1", "2024", 500, 1, 1))
	res := evaluate(t, e, "", now)
	if err := res.PerRule[RuleID{"g", "Boom"}].Err; err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Boom error = %v, want the panic", err)
	}
	if n := count(res.Findings, "Above", "Q1"); n != 1 {
		t.Errorf("Above found %d, want 1 despite the panic", n)
	}
	res = evaluate(t, e, "", now)
	if s := res.PerRule[RuleID{"g", "Boom"}]; s.Err == nil || s.Evaluated == 0 {
		t.Errorf("a failed rule must run in full again: %+v", s)
	}
}

func TestTimeDependentRerunsOnNewNow(t *testing.T) {
	e := newEngine(t, testGroups())
	e.Add(obs("b", "Q1", "2025", 5, 1, 1))
	if n := count(evaluate(t, e, "", now).Findings, "Stale", "Q1"); n != 0 {
		t.Fatalf("2025 is not stale on %s, got %d findings", now, n)
	}
	res := evaluate(t, e, "", now.AddDate(1, 0, 0))
	if n := count(res.Findings, "Stale", "Q1"); n != 1 {
		t.Errorf("2025 is stale a year later, got %d findings", n)
	}
	if s := res.PerRule[RuleID{"g", "Above"}]; s.Evaluated != 0 {
		t.Errorf("a time-independent rule ran again on a new now: %+v", s)
	}
}

func TestSetRulesKeepsUnchangedRules(t *testing.T) {
	e := newEngine(t, testGroups())
	e.Add(obs("a", "Q1", "2024", 500, 1, 1), obs("b", "Q1", "2024", 5, 1, 2))
	evaluate(t, e, "", now)
	groups := testGroups()
	groups[0].Rules[0].Params = above{Max: 1000}                       // Above changes
	groups[0].Rules[2].Annotations = map[string]string{"summary": "x"} // Ordered does not
	if err := e.SetRules(groups); err != nil {
		t.Fatal(err)
	}
	res := evaluate(t, e, "", now)
	if s := res.PerRule[RuleID{"g", "Above"}]; s.Evaluated == 0 || s.Findings != 0 {
		t.Errorf("changed rule Above: %+v, want a full evaluation and no finding", s)
	}
	if s := res.PerRule[RuleID{"g", "Ordered"}]; s.Evaluated != 0 || s.Findings != 1 {
		t.Errorf("unchanged rule Ordered: %+v, want its cached finding kept", s)
	}
}

func TestRuleErrors(t *testing.T) {
	groups := []rules.Group{{Name: "g", Rules: []rules.Rule{
		{Alert: "X", Check: "above", Params: above{}, Pos: rules.Position{File: "r.yaml", Line: 3, Column: 5}},
		{Alert: "X", Check: "above", Params: above{}, Pos: rules.Position{File: "r.yaml", Line: 9, Column: 5}},
		{Alert: "Y", Check: "nothing", Params: nil, Pos: rules.Position{File: "r.yaml", Line: 12, Column: 5}},
	}}}
	_, err := New(testCatalogue(), groups, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`r.yaml:9:5: rule "X" defined twice`, `r.yaml:12:5: group "g" rule "Y": check "nothing" cannot be evaluated`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	e := newEngine(t, testGroups())
	if _, err := e.Evaluate(context.Background(), "nope", now); err == nil {
		t.Error("unknown group: no error")
	}
}

func TestFindingsFilledAndSorted(t *testing.T) {
	e := newEngine(t, testGroups())
	e.Add(obs("a", "Q2", "2024", 500, 1, 1), obs("a", "Q1", "2024", 700, 1, 2), obs("b", "Q1", "2024", 5, 1, 3))
	res := evaluate(t, e, "", now)
	var got []string
	for f := range res.Findings.All() {
		got = append(got, f.Group+"/"+f.Rule+"/"+f.Check+"/"+string(f.Severity)+"/"+f.Area)
	}
	want := []string{"g/Above/above/warning/Q1", "g/Above/above/warning/Q2", "g/Ordered/ordered/critical/Q1", "g/Stale/stale/info/Q1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
}

// sliceSource serves observations from memory the way the store does.
type sliceSource []chiso.Observation

func (s sliceSource) Scan(ctx context.Context, after int64, _ bool, fn func(chiso.Observation) error) (int64, error) {
	last := after
	for _, o := range s {
		if o.ID > after {
			if err := fn(o); err != nil {
				return last, err
			}
			last = o.ID
		}
	}
	return last, ctx.Err()
}

func TestLoadAndRefresh(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var src sliceSource
	for i := range 10000 {
		src = append(src, randomObs(r, int64(i+1)))
	}
	e := newEngine(t, testGroups())
	if err := e.Load(context.Background(), src[:6000]); err != nil {
		t.Fatal(err)
	}
	evaluate(t, e, "", now)
	n, err := e.Refresh(context.Background(), src)
	if err != nil || n != 4000 {
		t.Fatalf("Refresh = %d, %v; want 4000", n, err)
	}
	got := evaluate(t, e, "", now)
	full := newEngine(t, testGroups())
	full.Add(src...)
	if want := evaluate(t, full, "", now); !sameFindings(got.Findings, want.Findings) {
		t.Errorf("load and refresh differ from adding everything:%s\nwant%s", dump(got.Findings), dump(want.Findings))
	}
	if n, _ := e.Refresh(context.Background(), src); n != 0 {
		t.Errorf("second Refresh read %d", n)
	}
}

func TestEvaluateCancelled(t *testing.T) {
	e := newEngine(t, testGroups())
	e.Add(obs("a", "Q1", "2024", 500, 1, 1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Evaluate(ctx, "", now); err == nil {
		t.Fatal("cancelled evaluation: no error")
	}
	if res := evaluate(t, e, "", now); count(res.Findings, "Above", "Q1") != 1 {
		t.Errorf("after a cancelled evaluation the next one must still find Q1: %s", dump(res.Findings))
	}
}

func TestSkipsCounted(t *testing.T) {
	e := newEngine(t, testGroups())
	e.Add(obs("b", "Q1", "2025", 5, 1, 1), obs("b", "Q2", "2025", 5, 1, 2))
	res := evaluate(t, e, "", now)
	// Stale covers b in the country and eight provinces; two have data.
	if got := res.PerRule[RuleID{"g", "Stale"}].Skipped[checks.SkipNoData]; got != 7 {
		t.Errorf("Stale skipped %d series for no data, want 7", got)
	}
	if got := res.PerRule[RuleID{"g", "Above"}].Skipped; got != nil {
		t.Errorf("Above skipped %v, want nothing", got)
	}
}

// TestResultsAreSnapshots checks that a result is never modified by later
// evaluations, and is reused when nothing changed.
func TestResultsAreSnapshots(t *testing.T) {
	e := newEngine(t, testGroups())
	e.Add(obs("a", "Q1", "2024", 500, 1, 1))
	first := evaluate(t, e, "", now)
	before := dump(first.Findings)
	if again := evaluate(t, e, "", now); &again.Findings.parts[0].recs[0] != &first.Findings.parts[0].recs[0] {
		t.Error("nothing changed, yet the findings were gathered again")
	}
	e.Add(obs("a", "Q1", "2024", 5, 2, 2), obs("a", "Q2", "2024", 900, 1, 3))
	later := evaluate(t, e, "", now)
	if dump(first.Findings) != before {
		t.Errorf("an earlier result changed:%s\nwas%s", dump(first.Findings), before)
	}
	if count(later.Findings, "Above", "Q1") != 0 || count(later.Findings, "Above", "Q2") != 1 {
		t.Errorf("later findings wrong:%s", dump(later.Findings))
	}
}

// TestConcurrentUse runs additions, refreshes, rule swaps and evaluations
// at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var src sliceSource
	for i := range 2000 {
		src = append(src, randomObs(r, int64(i+1)))
	}
	e := newEngine(t, testGroups())
	if err := e.Load(context.Background(), src[:1000]); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 4)
	go func() {
		for i := range 200 {
			e.Add(obs("a", "Q3", "2026", float64(i), i+1, int64(5000+i)))
		}
		done <- nil
	}()
	go func() {
		_, err := e.Refresh(context.Background(), src)
		done <- err
	}()
	go func() { done <- e.SetRules(testGroups()) }()
	go func() {
		for range 20 {
			if _, err := e.Evaluate(context.Background(), "g", now); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	got := evaluate(t, e, "", now)
	full := newEngine(t, testGroups())
	full.Add(src...)
	for i := range 200 {
		full.Add(obs("a", "Q3", "2026", float64(i), i+1, int64(5000+i)))
	}
	if want := evaluate(t, full, "", now); !sameFindings(got.Findings, want.Findings) {
		t.Errorf("after concurrent use the findings differ from a fresh evaluation:%s\nwant%s", dump(got.Findings), dump(want.Findings))
	}
}

func TestFailingRuleKeepsItsLastFindings(t *testing.T) {
	failing := new(atomic.Bool)
	e := newEngine(t, testGroups(rules.Rule{Alert: "Fragile", Check: "fragile", Indicators: []string{"a"},
		Areas: rules.AreaSelector{Level: chiso.LevelProvince}, Params: fragile{failing: failing}}))
	e.Add(obs("a", "Q1", "2024", 500, 1, 1))
	if n := count(evaluate(t, e, "", now).Findings, "Fragile", "Q1"); n != 1 {
		t.Fatalf("Fragile found %d, want 1", n)
	}
	// The check fails on new data: its last findings stay, with the error.
	failing.Store(true)
	e.Add(obs("a", "Q1", "2024", 600, 2, 2), obs("a", "Q2", "2024", 700, 1, 3))
	res := evaluate(t, e, "", now)
	if err := res.PerRule[RuleID{"g", "Fragile"}].Err; err == nil {
		t.Error("the panic is not reported")
	}
	if n := count(res.Findings, "Fragile", "Q1"); n != 1 {
		t.Errorf("after a failed evaluation Fragile has %d findings for Q1, want its last 1%s", n, dump(res.Findings))
	}
	if n := count(res.Findings, "Above", "Q2"); n != 1 {
		t.Errorf("the other rules go on: Above found %d for Q2, want 1", n)
	}
	// Once it works again it runs in full and finds both.
	failing.Store(false)
	res = evaluate(t, e, "", now)
	if s := res.PerRule[RuleID{"g", "Fragile"}]; s.Err != nil || count(res.Findings, "Fragile", "Q1")+count(res.Findings, "Fragile", "Q2") != 2 {
		t.Errorf("after recovering: %+v%s", s, dump(res.Findings))
	}
}

func TestGroupLimitFailsARuleWithTooManyFindings(t *testing.T) {
	groups := []rules.Group{{Name: "g", Limit: 1, Rules: []rules.Rule{{Alert: "Above", Check: "above", Indicators: []string{"a"},
		Areas: rules.AreaSelector{Level: chiso.LevelProvince}, Severity: chiso.Warning, Params: above{Max: 100}}}}}
	e := newEngine(t, groups)
	e.Add(obs("a", "Q1", "2024", 500, 1, 1))
	res := evaluate(t, e, "g", now)
	if s := res.PerRule[RuleID{"g", "Above"}]; s.Err != nil || count(res.Findings, "Above", "Q1") != 1 {
		t.Fatalf("one finding within the limit: %+v%s", s, dump(res.Findings))
	}
	// A second finding is over the limit: the rule fails and keeps its last.
	e.Add(obs("a", "Q2", "2024", 700, 1, 2))
	res = evaluate(t, e, "g", now)
	s := res.PerRule[RuleID{"g", "Above"}]
	if s.Err == nil || !strings.Contains(s.Err.Error(), "2 findings, over the group's limit of 1") {
		t.Errorf("err = %v, want the limit named", s.Err)
	}
	if count(res.Findings, "Above", "Q1") != 1 || count(res.Findings, "Above", "Q2") != 0 {
		t.Errorf("over the limit the rule keeps its last findings:%s", dump(res.Findings))
	}
	// Raising the limit lets the rule report both.
	groups[0].Limit = 10
	if err := e.SetRules(groups); err != nil {
		t.Fatal(err)
	}
	res = evaluate(t, e, "g", now)
	if s := res.PerRule[RuleID{"g", "Above"}]; s.Err != nil || res.Findings.Len() != 2 {
		t.Errorf("with a limit of 10: %+v%s", s, dump(res.Findings))
	}
}
