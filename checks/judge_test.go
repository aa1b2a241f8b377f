package checks

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks/consistency"
)

// TestConsistencyFastMatchesMachine: the findings and skips with the fast
// forms are those expr's machine gives, over random data with qualified
// figures, in both languages.
func TestConsistencyFastMatchesMachine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	quals := []string{"", "", "", "over", "nearly", "about", "estimate", "preliminary", "derived"}
	periods := []string{"2020", "2021", "2022", "2022-H1", "2022-Q3", "2023-08"}
	inds := []string{"radio_it", "radio", "communes", "radio_rate"}
	exprs := []string{
		"radio_it <= radio <= communes",
		"radio_rate ~= 100 * radio / communes",
		"radio_rate ≈ 100 * radio / communes ± 0.5",
		"1 <= radio / radio_it <= 4",
		"radio_it + radio <= communes && approx(radio_rate, 100 * radio / communes)",
		"radio <= communes || radio_it == 0",
	}
	statuses := map[chiso.Status]int{}
	for trial := range 40 {
		var obs []chiso.Observation
		for _, ind := range inds {
			for k, per := range append(periods, periods...) {
				area := "A1"
				if k >= len(periods) {
					area = "A2"
				}
				if rng.IntN(6) == 0 {
					continue
				}
				v := float64(rng.IntN(200))
				if ind == "radio_rate" {
					v = math.Round(rng.Float64()*1000) / 10
				}
				o := ob(ind, area, per, v, quals[rng.IntN(len(quals))])
				if rng.IntN(2) == 0 {
					o.Source = "src-" + ind
				}
				obs = append(obs, o)
			}
		}
		for _, lang := range []string{"en", "vi"} {
			for _, src := range exprs {
				for _, tol := range []*float64{nil, ptr(0.3)} {
					p := &ConsistencyParams{Expr: src, Tolerance: tol}
					if trial%2 == 1 {
						p.Slack = ptr(0.3)
					}
					if err := p.Prepare(); err != nil {
						t.Fatal(err)
					}
					c := p.expr
					if !c.Fast {
						t.Fatalf("%q: no fast form", src)
					}
					fastEnv := consistencyEnv(obs...)
					fastEnv.Lang = lang
					got := evaluate(p, fastEnv, Scope{Indicators: p.Indicators(), Areas: []string{"A1", "A2"}})
					slowEnv := consistencyEnv(obs...)
					slowEnv.Lang = lang
					want := slowEvaluate(p, slowEnv, Scope{Indicators: p.Indicators(), Areas: []string{"A1", "A2"}})
					if !sameFindings(got, want) {
						t.Fatalf("%q (%s): fast\n%+v\nmachine\n%+v", src, lang, got, want)
					}
					if a, b := fastEnv.Skips.Count(SkipMissingValues), slowEnv.Skips.Count(SkipMissingValues); a != b {
						t.Fatalf("%q: %d skips, machine %d", src, a, b)
					}
					for _, f := range got {
						statuses[f.Status]++
						if ref := refMessage(p, fastEnv, c, f); f.Text() != ref {
							t.Fatalf("%q: message\n%q\nwant\n%q", src, f.Text(), ref)
						}
					}
				}
			}
		}
	}
	if statuses[chiso.Fail] < 100 || statuses[chiso.Indeterminate] < 100 {
		t.Errorf("too few findings to compare: %v", statuses)
	}
}

// slowEvaluate is Evaluate with expr's machine for every part.
func slowEvaluate(p *ConsistencyParams, env Env, scope Scope) []chiso.Finding {
	if err := p.Prepare(); err != nil {
		panic(err)
	}
	c := *p.expr
	c.Fast = false
	j := newJudge(p, env, &c)
	for a := range scope.Areas {
		j.fetch(scope.Areas, a)
		j.area(int32(a))
	}
	return j.findings(scope.Areas)
}

func sameFindings(a, b []chiso.Finding) bool {
	return slices.EqualFunc(a, b, func(x, y chiso.Finding) bool {
		return x.Text() == y.Text() && x.Status == y.Status && x.Period == y.Period && x.Area == y.Area &&
			x.Indicator == y.Indicator && x.Value == y.Value && x.Source == y.Source && x.DataID == y.DataID
	})
}

// refMessage writes a finding's message as fmt would: the reference for
// the message builder.
func refMessage(p *ConsistencyParams, env Env, c *consistency.Expr, f chiso.Finding) string {
	var figs, sources []string
	for _, n := range c.Names {
		s := env.Data.Series(n, f.Area)
		i := s.Find(f.Period)
		if i < 0 {
			continue // a chain is judged on the parts whose figures are published
		}
		pt := s.point(i)
		ind, _ := env.Data.Indicator(n)
		figs = append(figs, fmt.Sprintf("%s = %s", env.indName(n), refQualifier(pt.qual, env.Lang)+refQuantity(pt.value, ind.Unit, env.Lang)))
		sources = append(sources, pt.source)
	}
	part := f.Text()[strings.Index(f.Text(), "“")+len("“") : strings.Index(f.Text(), "”")]
	msg := env.tr("Số liệu của %s %s không nhất quán: “%s” không đúng với %s.",
		"The figures of %s for %s are inconsistent: “%s” does not hold with %s.",
		env.areaName(f.Area), refPeriod(f.Period, env.Lang), part, strings.Join(figs, "; "))
	if f.Status == chiso.Indeterminate {
		msg = env.tr("Số liệu của %s %s có thể không nhất quán: “%s” đúng hay sai tùy giá trị thật của các số liệu có định tính (%s).",
			"The figures of %s for %s may be inconsistent: whether “%s” holds depends on the true values behind the qualified figures (%s).",
			env.areaName(f.Area), refPeriod(f.Period, env.Lang), part, strings.Join(figs, "; "))
	}
	var uniq []string
	for _, s := range sources {
		if s != "" && !slices.Contains(uniq, s) {
			uniq = append(uniq, s)
		}
	}
	if len(uniq) > 0 {
		msg += env.tr(" Nguồn: %s.", " Source: %s.", strings.Join(uniq, "; "))
	}
	return msg
}

// refNumber is FormatNumber written plainly: the reference.
func refNumber(v float64, lang string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if dot := strings.IndexByte(s, '.'); dot >= 0 && len(s)-dot-1 > 2 {
		if math.Abs(v) < 0.01 {
			s = strconv.FormatFloat(v, 'g', 3, 64)
			if strings.ContainsAny(s, "e") {
				return s
			}
		} else {
			s = strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', 2, 64), "0"), ".")
		}
	}
	group, dec := ".", ","
	if lang == "en" {
		group, dec = ",", "."
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString(dec)
		b.WriteString(frac)
	}
	return b.String()
}

func refQuantity(v float64, unit, lang string) string {
	n := refNumber(v, lang)
	switch unit {
	case "percent":
		return n + "%"
	case "rank":
		if lang == "en" {
			return "rank " + n
		}
		return "hạng " + n
	case "", "number", "ratio":
		return n
	}
	w, ok := unitWords[unit]
	if !ok {
		return n + " " + unit
	}
	if lang == "en" {
		return n + " " + w[1]
	}
	return n + " " + w[0]
}

func refQualifier(q chiso.Qualifier, lang string) string {
	w := map[chiso.Qualifier][2]string{
		chiso.Over: {"trên ", "over "}, chiso.Nearly: {"gần ", "nearly "}, chiso.About: {"khoảng ", "about "},
		chiso.Estimate: {"ước ", "an estimated "}, chiso.Preliminary: {"sơ bộ ", "a preliminary "},
	}[q]
	if lang == "en" {
		return w[1]
	}
	return w[0]
}

func refPeriod(p chiso.Period, lang string) string {
	en := lang == "en"
	switch {
	case p.Kind == chiso.Year && en:
		return strconv.Itoa(p.Year)
	case p.Kind == chiso.Year:
		return fmt.Sprintf("năm %d", p.Year)
	case p.Kind == chiso.Half && en:
		return fmt.Sprintf("H%d %d", p.N, p.Year)
	case p.Kind == chiso.Half && p.N == 1:
		return fmt.Sprintf("6 tháng đầu năm %d", p.Year)
	case p.Kind == chiso.Half:
		return fmt.Sprintf("6 tháng cuối năm %d", p.Year)
	case p.Kind == chiso.Quarter && en:
		return fmt.Sprintf("Q%d %d", p.N, p.Year)
	case p.Kind == chiso.Quarter:
		return fmt.Sprintf("quý %d/%d", p.N, p.Year)
	case p.Kind == chiso.Month && en:
		return fmt.Sprintf("%s %d", time.Month(p.N), p.Year)
	case p.Kind == chiso.Month:
		return fmt.Sprintf("tháng %d/%d", p.N, p.Year)
	}
	return p.String()
}

// TestFormattingMatchesReference: numbers, quantities, qualifiers and
// periods are written as the plain fmt versions write them.
func TestFormattingMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	values := []float64{0, math.Copysign(0, -1), 1, -1, 0.001234, 0.00001234, -0.005, 0.01, 0.0100001, 0.00999999999,
		100.001, -1000.001, 999999999999999, -999999999999999, 0.015, 0.025, 1.005, 2.675, 1e12 - 0.005, 999999999999.99, -0.0149999, 8796093022207.99, 1e15, -1e15, 123456789012345, 4503599627370497, 1307.44, 183001, 1e21, 1e300, -1e-300, math.NaN(), math.Inf(1), math.Inf(-1), 999.995, 0.125, 1234567.891}
	for range 20000 {
		v := randomFigure(rng)
		if rng.IntN(2) == 0 {
			v = -v
		}
		scale := math.Pow(10, float64(rng.IntN(20)-8))
		values = append(values, v, rng.NormFloat64()*scale, math.Round(rng.NormFloat64()*scale*100)/100,
			math.Round(rng.NormFloat64()*scale*10)/10, math.Round(rng.Float64()*1e6)/1000+0.005, float64(rng.IntN(1e6))/100)
	}
	units := []string{"", "percent", "rank", "number", "ratio", "station", "billion_vnd", "widgets"}
	for _, lang := range []string{"vi", "en"} {
		for _, v := range values {
			if got, want := FormatNumber(v, lang), refNumber(v, lang); got != want {
				t.Fatalf("FormatNumber(%v, %s) = %q, want %q", v, lang, got, want)
			}
			for _, u := range units {
				if got, want := FormatQuantity(v, u, lang), refQuantity(v, u, lang); got != want {
					t.Fatalf("FormatQuantity(%v, %s, %s) = %q, want %q", v, u, lang, got, want)
				}
			}
		}
		for q := chiso.Qualifier(0); q < 10; q++ {
			if got, want := qualifierWord(q, lang), refQualifier(q, lang); got != want {
				t.Errorf("qualifierWord(%v, %s) = %q, want %q", q, lang, got, want)
			}
		}
		for _, s := range []string{"2024", "2023-H1", "2023-H2", "2024-Q3", "2023-08", "2023-12"} {
			p := chiso.MustParsePeriod(s)
			if got, want := FormatPeriod(p, lang), refPeriod(p, lang); got != want {
				t.Errorf("FormatPeriod(%s, %s) = %q, want %q", s, lang, got, want)
			}
		}
		for _, p := range []chiso.Period{{}, {Year: 2024, Kind: chiso.Month, N: 13}} {
			if got, want := FormatPeriod(p, lang), refPeriod(p, lang); got != want {
				t.Errorf("FormatPeriod(%+v, %s) = %q, want %q", p, lang, got, want)
			}
		}
	}
}

// TestFreshnessMessagesMatchReference: the missing findings over the
// sample, for several kinds and dates, are written as fmt would write them.
func TestFreshnessMessagesMatchReference(t *testing.T) {
	for _, lang := range []string{"vi", "en"} {
		env := sampleEnv(t, lang)
		var inds []string
		for _, ind := range env.Data.(*fakeData).cat.Indicators {
			inds = append(inds, ind.Code)
		}
		n := 0
		for _, now := range []time.Time{day(2023, 6, 1), day(2025, 4, 1), day(2026, 11, 23), day(2027, 5, 1)} {
			env.Now = now
			for _, p := range []*FreshnessParams{{}, {Kind: "half"}, {Kind: "quarter", Due: "+1m"}, {RequireHistory: new(bool)}} {
				got := evaluate(p, env, Scope{Indicators: inds, Areas: allAreas(env.Data)})
				want := refOwed(p, env, inds)
				slices.Sort(want)
				if !slices.Equal(seriesOf(got), want) {
					t.Fatalf("%+v at %s: findings for %v, want %v", p, now, seriesOf(got), want)
				}
				for _, f := range got {
					n++
					if ref := refMissing(p, env, f); f.Text() != ref {
						t.Fatalf("message\n%q\nwant\n%q", f.Text(), ref)
					}
				}
			}
		}
		if n < 20 {
			t.Errorf("%s: only %d findings compared", lang, n)
		}
	}
}

// refMissing writes a missing finding's message as fmt would.
func refMissing(p *FreshnessParams, env Env, f chiso.Finding) string {
	due, _ := parseDue(p.due())
	ind, _ := env.Data.Indicator(f.Indicator)
	msg := env.tr("Chưa có số liệu %s %s của %s, hạn công bố là %s.",
		"No figure yet for %s, %s, in %s; it was due by %s.",
		env.indName(ind.Code), refPeriod(f.Period, env.Lang), env.areaName(f.Area), formatDate(due.date(f.Period), env.Lang))
	s := env.Data.Series(f.Indicator, f.Area)
	last := -1
	for i := 0; i < s.Len(); i++ {
		if s.Period(i).Before(f.Period) {
			last = i
		}
	}
	if last >= 0 {
		pt := s.point(last)
		msg += env.tr(" Số liệu mới nhất: %s (%s).", " The latest figure is %s (%s).",
			refQualifier(pt.qual, env.Lang)+refQuantity(pt.value, ind.Unit, env.Lang), refPeriod(pt.period, env.Lang))
		if pt.source != "" {
			msg += env.tr(" Nguồn: %s.", " Source: %s.", pt.source)
		}
	}
	return msg
}

func seriesOf(fs []chiso.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Indicator+"/"+f.Area+"/"+f.Period.String())
	}
	slices.Sort(out)
	return out
}

// refOwed lists the series that owe their figure, by a scan of every point.
func refOwed(p *FreshnessParams, env Env, inds []string) []string {
	kind, _ := p.kind()
	due, _ := parseDue(p.due())
	per := latestDue(kind, due, localDate(env))
	var out []string
	for _, code := range inds {
	areas:
		for _, area := range allAreas(env.Data) {
			if a, ok := env.Data.Area(area); !ok || !a.Covers(per) {
				continue
			}
			s := env.Data.Series(code, area)
			last := -1
			for i := 0; i < s.Len(); i++ {
				q := s.Period(i)
				if q.Kind == per.Kind && !q.Before(per) {
					continue areas
				}
				if q.Before(per) {
					last = i
				}
			}
			if (p.RequireHistory == nil || *p.RequireHistory) && last < 0 && !predecessorHistory(env, code, area, per) {
				continue
			}
			out = append(out, code+"/"+area+"/"+per.String())
		}
	}
	return out
}

// TestLocateMatchesFind: walking the union of the series' periods in
// order, locate finds each series' point as Series.Find does, whatever
// periods each series has.
func TestLocateMatchesFind(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var all []chiso.Period
	for y := 2019; y <= 2023; y++ {
		all = append(all, chiso.Period{Year: y, Kind: chiso.Year}, chiso.Period{Year: y, Kind: chiso.Half, N: 1},
			chiso.Period{Year: y, Kind: chiso.Quarter, N: 3}, chiso.Period{Year: y, Kind: chiso.Month, N: 8},
			chiso.Period{Year: y, Kind: chiso.Half, N: 2}, chiso.Period{Year: y, Kind: chiso.Month, N: 12})
	}
	slices.SortFunc(all, chiso.Period.Compare)
	for range 300 {
		var obs []chiso.Observation
		names := []string{"radio_it", "radio", "communes"}
		for _, n := range names {
			for _, p := range all {
				if rng.IntN(3) > 0 {
					obs = append(obs, ob(n, "A1", p.String(), 1, ""))
				}
			}
		}
		env := consistencyEnv(obs...)
		c, _ := consistency.Compile("radio_it <= radio <= communes")
		j := newJudge(&ConsistencyParams{}, env, c)
		j.fetch([]string{"A1"}, 0)
		j.load(0)
		for _, k := range j.keys {
			if rng.IntN(4) == 0 {
				continue // pass 2 locates only some periods
			}
			per := keyPeriod(k)
			ok := j.locate(k)
			all := true
			for i, s := range j.series {
				want := s.Find(per)
				all = all && want >= 0
				if want >= 0 && j.at[i] != want {
					t.Fatalf("%s series %d: at %d, want %d", per, i, j.at[i], want)
				}
			}
			if ok != all {
				t.Fatalf("%s: locate %v, want %v", per, ok, all)
			}
		}
	}
}

// randomFigure returns figures of the kinds that matter: integers, one or
// two decimals, zero, negatives, tiny and huge ones, equal neighbours.
func randomFigure(rng *rand.Rand) float64 {
	switch rng.IntN(10) {
	case 0:
		return 0
	case 1:
		return float64(rng.IntN(5))
	case 2:
		return math.Round(rng.Float64()*1000) / 10
	case 3:
		return math.Round(rng.Float64()*10000) / 100
	case 4:
		return -float64(rng.IntN(100))
	case 5:
		return rng.Float64() * 1e-6
	case 6:
		return rng.Float64() * 1e12
	case 7:
		return []float64{1, 3, 4, 12, 100, 0.5, 83.7, 84}[rng.IntN(8)]
	}
	return float64(rng.IntN(3000))
}
