package checks

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
)

func TestFreshnessLatestDue(t *testing.T) {
	tests := []struct {
		kind chiso.PeriodKind
		due  string
		now  time.Time
		want string
	}{
		{chiso.Year, "03-31", day(2026, 3, 31), "2024"}, // due today: not late yet
		{chiso.Year, "03-31", day(2026, 4, 1), "2025"},
		{chiso.Year, "03-31", day(2026, 11, 23), "2025"},
		{chiso.Year, "+90d", day(2026, 4, 1), "2025"},
		{chiso.Quarter, "+45d", day(2026, 5, 16), "2026-Q1"},
		{chiso.Quarter, "+45d", day(2026, 5, 15), "2025-Q4"},
		{chiso.Month, "+1m", day(2026, 3, 1), "2026-01"},
		{chiso.Half, "09-30", day(2026, 11, 23), "2026-H1"},
	}
	for _, tt := range tests {
		d, err := parseDue(tt.due)
		if err != nil {
			t.Fatal(err)
		}
		if got := latestDue(tt.kind, d, tt.now).String(); got != tt.want {
			t.Errorf("%s due %s on %s: latest due %s, want %s", tt.kind, tt.due, tt.now.Format(time.DateOnly), got, tt.want)
		}
	}
}

func TestFreshness(t *testing.T) {
	no := false
	tests := []struct {
		name   string
		params FreshnessParams
		now    time.Time
		obs    []chiso.Observation
		area   string
		want   string // missing period; empty: none
	}{
		{"2025 missing after 31 March 2026", FreshnessParams{}, evalTime, []chiso.Observation{ob("rate", "A1", "2024", 50, "")}, "A1", "2025"},
		{"2025 present", FreshnessParams{}, evalTime, []chiso.Observation{ob("rate", "A1", "2025", 50, "")}, "A1", ""},
		{"a later figure will do", FreshnessParams{}, evalTime, []chiso.Observation{ob("rate", "A1", "2026", 50, "estimate")}, "A1", ""},
		{"not yet due", FreshnessParams{}, time.Date(2026, 3, 31, 23, 0, 0, 0, ict), []chiso.Observation{ob("rate", "A1", "2024", 50, "")}, "A1", ""},
		{"no history: not owed", FreshnessParams{}, evalTime, []chiso.Observation{ob("rate", "A2", "2024", 50, "")}, "A1", ""},
		{"no history, required anyway", FreshnessParams{RequireHistory: &no}, evalTime, []chiso.Observation{ob("rate", "A2", "2024", 50, "")}, "A1", "2025"},
		{"ceased area owes nothing for its last year", FreshnessParams{}, evalTime, []chiso.Observation{ob("rate", "PT", "2024", 50, "")}, "PT", ""},
		{"new area did not cover 2025", FreshnessParams{}, evalTime, []chiso.Observation{ob("rate", "PT", "2024", 50, "")}, "PT25", ""},
		{"new area owes 2026, its predecessors' history counts", FreshnessParams{}, time.Date(2027, 4, 2, 0, 0, 0, 0, ict),
			[]chiso.Observation{ob("rate", "PT", "2024", 50, "")}, "PT25", "2026"},
		{"a half-year figure is not the annual one", FreshnessParams{}, evalTime,
			[]chiso.Observation{ob("rate", "A1", "2024", 50, ""), ob("rate", "A1", "2025-H1", 50, "")}, "A1", "2025"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := synthEnv(tt.obs...)
			env.Now = tt.now
			got := evaluate(&tt.params, env, Scope{Indicators: []string{"rate"}, Areas: []string{tt.area}})
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("want no finding, got %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Diagnosis != chiso.Missing || got[0].Period.String() != tt.want {
				t.Fatalf("got %+v, want missing %s", got, tt.want)
			}
			if !strings.Contains(got[0].Text(), tt.want) {
				t.Errorf("message %q does not name the expected period", got[0].Text())
			}
			if got[0].DataID == 0 && tt.params.RequireHistory == nil {
				t.Error("DataID 0: an acknowledgement would never lapse")
			}
		})
	}
}

// TestFreshnessSample: at 2026-11-23, Phú Yên (ceased 2025-07-01) owes no
// 2025 figure and neither does the new Phú Thọ; Điện Biên owes its 2025
// figures, and the message says when they were due.
func TestFreshnessSample(t *testing.T) {
	env := sampleEnv(t, "vi")
	var inds []string
	for _, ind := range env.Data.(*fakeData).cat.Indicators {
		inds = append(inds, ind.Code)
	}
	got := evaluate((&FreshnessParams{}), env, Scope{Indicators: inds, Areas: allAreas(env.Data)})
	if len(got) == 0 {
		t.Fatal("no finding")
	}
	for _, f := range got {
		if f.Area != "DB" || f.Period.String() != "2025" {
			t.Errorf("unexpected finding %s %s %s", f.Area, f.Indicator, f.Period)
		}
		if !strings.Contains(f.Text(), "31/03/2026") {
			t.Errorf("message %q lacks the due date", f.Text())
		}
	}
	if n := len(only(got, "DB", "commune_radio_rate")); n != 1 {
		t.Errorf("Điện Biên's commune_radio_rate: %d findings, want 1", n)
	}
}

func TestFreshnessValidate(t *testing.T) {
	for _, p := range []FreshnessParams{{Kind: "week"}, {Due: "31-03"}, {Due: "+3w"}, {Due: "+d"}, {Due: "3-31"}} {
		if errs := p.Validate(&chiso.Catalogue{}, oneIndicator); len(errs) != 1 {
			t.Errorf("%+v: got %+v, want one error", p, errs)
		}
	}
	if errs := (&FreshnessParams{Kind: "quarter", Due: "+45d"}).Validate(&chiso.Catalogue{}, oneIndicator); len(errs) != 0 {
		t.Errorf("valid params: %+v", errs)
	}
}

// FuzzParseDue: any due text either fails to parse or gives a due date
// after the period it is for.
func FuzzParseDue(f *testing.F) {
	for _, s := range []string{"03-31", "12-31", "02-29", "+45d", "+1m", "+0d", "+12m", "13-01", "+-1d", "+1y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDue(s)
		if err != nil {
			return
		}
		for _, p := range []string{"2024", "2024-H2", "2024-Q1", "2024-02", "2023-12"} {
			per := chiso.MustParsePeriod(p)
			if due := d.date(per); due.Before(per.End().AddDate(0, 0, -1)) {
				t.Fatalf("due %q for %s is %s, before the period ends", s, p, due.Format(time.DateOnly))
			}
		}
	})
}

// TestFindingsIgnoreBufferContents: the kinds that fill in findings in
// place (freshness, consistency) write every field, so findings left in a
// buffer by an earlier check cannot show through.
func TestFindingsIgnoreBufferContents(t *testing.T) {
	stale := func() *[]chiso.Finding {
		buf := make([]chiso.Finding, 4)
		for i := range buf {
			buf[i] = chiso.Finding{Message: "stale message", Source: "stale source", Check: "range", Value: 1}
		}
		buf = buf[:0]
		return &buf
	}
	fresh := synthEnv(ob("rate", "A2", "2024", 50, ""))
	cons := consistencyEnv(ob("radio_it", "A1", "2022", 110, ""), ob("radio", "A1", "2022", 108, ""), ob("communes", "A1", "2022", 129, ""))
	for _, tc := range emittingKinds(fresh, []string{"rate"}, []string{"A1"}, cons) {
		want := tc.eval(tc.env)
		env := tc.env
		env.Buffer = stale()
		got := tc.eval(env)
		if len(want) != 1 || len(got) != 1 {
			t.Fatalf("%s: %d findings with a buffer, %d without; want 1", tc.name, len(got), len(want))
		}
		if g, w := got[0].Text()+" | "+got[0].Source+" | "+got[0].Check, want[0].Text()+" | "+want[0].Source+" | "+want[0].Check; g != w {
			t.Errorf("%s: with a used buffer %q, without %q", tc.name, g, w)
		}
	}
}

// TestEmittedBatches: with Env.Emit, the kinds that emit (freshness,
// consistency) hand out their findings in batches, in order, and the
// batches followed by what they return are what they return without Emit.
func TestEmittedBatches(t *testing.T) {
	const size = 3
	var obs []chiso.Observation
	areas := []string{"A1", "A2", "A3", "A4", "A5"}
	for _, a := range areas[:2] {
		obs = append(obs, ob("rate", a, "2024", 50, ""))
	}
	var cobs []chiso.Observation
	for y := 2000; y < 2020; y++ {
		p := strconv.Itoa(y)
		cobs = append(cobs, ob("radio_it", "A1", p, float64(100+y%7), ""), ob("radio", "A1", p, 100, ""), ob("communes", "A1", p, 129, ""))
	}
	for _, tc := range emittingKinds(synthEnv(obs...), []string{"rate", "revenue", "sites", "stations"}, areas, consistencyEnv(cobs...)) {
		want := tc.eval(tc.env)
		var got []chiso.Finding
		batches := 0
		env := tc.env
		env.Buffer = new([]chiso.Finding)
		env.batch = size
		env.Emit = func(batch []chiso.Finding) {
			if len(batch) == 0 || len(batch) > size {
				t.Errorf("%s: a batch of %d findings", tc.name, len(batch))
			}
			batches++
			got = append(got, batch...)
			clear(batch)
		}
		got = append(got, tc.eval(env)...)
		if batches < 2 || len(want) <= 2*size {
			t.Fatalf("%s: %d batches of %d findings: the test shows little", tc.name, batches, len(want))
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d findings emitted and returned, want %d", tc.name, len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Text() != w.Text() || g.Area != w.Area || g.Indicator != w.Indicator || g.Period != w.Period || g.Source != w.Source || g.DataID != w.DataID {
				t.Errorf("%s: finding %d is\n%+v\nwant\n%+v", tc.name, i, g, w)
			}
		}
	}
}

// kindCase is one check kind's evaluation over a fixed scope, in an
// environment that a test may change (its buffer, its Emit).
type kindCase struct {
	name string
	eval func(env Env) []chiso.Finding
	env  Env
}

// emittingKinds are the kinds that fill findings in place and emit them
// in batches: freshness (with no history required) of the indicators and
// areas in fresh at the evaluation time, and a consistency chain over
// area A1 in cons.
func emittingKinds(fresh Env, inds, areas []string, cons Env) []kindCase {
	no := false
	fresh.Now = evalTime
	cp := &ConsistencyParams{Expr: "radio_it <= radio <= communes"}
	return []kindCase{
		{"freshness", func(env Env) []chiso.Finding {
			return evaluate((&FreshnessParams{RequireHistory: &no}), env, Scope{Indicators: inds, Areas: areas})
		}, fresh},
		{"consistency", func(env Env) []chiso.Finding {
			return evaluate(cp, env, Scope{Indicators: cp.Indicators(), Areas: []string{"A1"}})
		}, cons},
	}
}
