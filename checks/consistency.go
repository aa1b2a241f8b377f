package checks

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/chiso-vn/chiso"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

func init() {
	Register(Kind{Name: "consistency",
		Doc:       "Reports figures of one area and period that contradict each other: parts larger than wholes, published shares that do not match their parts.",
		NewParams: func() Params { return &ConsistencyParams{} }})
}

// ConsistencyParams configures the consistency check: an expression over
// indicator codes, judged for every area and period where all of them have
// a figure (a missing one means no verdict, not a finding). Comparisons may
// be chained (a <= b <= c) and a ~= b (or a ≈ b, or approx(a, b)) is
// approximate equality, with "a ~= b ± t" (or approx(a, b, t)) for an
// explicit tolerance. When qualified figures ("over",
// "nearly", "about") let the verdict go either way, it is indeterminate.
type ConsistencyParams struct {
	// Expr is the expression that must hold, e.g.
	// "commune_radio_stations_it <= commune_radio_stations <= communes" or
	// "commune_radio_rate ~= 100 * commune_radio_stations / communes".
	Expr string `yaml:"expr" json:"expr"`
	// Tolerance is the absolute tolerance of ~= where the expression gives
	// none with ±, in the compared values' unit; unset means half a unit of
	// the last decimal published (83.7 → ±0.05, 84 → ±0.5).
	Tolerance *float64 `yaml:"tolerance" json:"tolerance,omitempty"`
	// Slack is how far, as a fraction of the figure, a qualified figure may
	// lie from the true value; unset means 0.1.
	Slack *float64 `yaml:"slack" json:"slack,omitempty"`
}

// compiledExprs caches compiled expressions by their text: compiling is
// deterministic and the result immutable, so every rule (and every reload)
// with the same expression shares one.
var compiledExprs sync.Map // string → *compiledExpr

// compiledExpr is an expression ready to run: the indicators it names and
// its conjuncts, each compiled alone so that a failing part can be named
// and judged under the qualifiers by itself.
type compiledExpr struct {
	names []string
	parts []exprPart
}

type exprPart struct {
	prog *vm.Program
	text string // the part as written, e.g. "commune_radio_stations <= communes"
}

// Indicators returns the indicator codes the expression names, in order of
// first mention.
func (p *ConsistencyParams) Indicators() []string {
	toks, err := lexExpr(p.Expr)
	if err != nil {
		return nil
	}
	return uniqueNames(identifiers(toks))
}

func uniqueNames(toks []token) []string {
	var out []string
	for _, t := range toks {
		if !contains(out, t.text) {
			out = append(out, t.text)
		}
	}
	return out
}

// Validate compiles the expression: every identifier must be an indicator
// of the catalogue, and the result a boolean. Errors carry the byte offset
// in expr.
func (p *ConsistencyParams) Validate(cat *chiso.Catalogue, rule RuleContext) []FieldError {
	errs := append(validateSlack(p.Slack), nonNegative("tolerance", p.Tolerance)...)
	if strings.TrimSpace(p.Expr) == "" {
		return append(errs, fieldErr("expr", "is empty; write a condition over indicator codes, e.g. a <= b <= c"))
	}
	toks, err := lexExpr(p.Expr)
	if err != nil {
		return append(errs, exprFieldError(err))
	}
	if len(identifiers(toks)) == 0 {
		return append(errs, fieldErr("expr", "names no indicator; write a condition over indicator codes, e.g. a <= b <= c"))
	}
	var unknown []FieldError
	for _, t := range identifiers(toks) {
		if _, ok := cat.Indicator(t.text); !ok {
			unknown = append(unknown, FieldError{Field: "expr", Offset: t.off, Msg: fmt.Sprintf("unknown indicator %q", t.text)})
		}
	}
	if len(unknown) > 0 {
		return append(errs, unknown...)
	}
	if _, err := compileConsistency(p.Expr); err != nil {
		errs = append(errs, exprFieldError(err))
	}
	return errs
}

// exprFieldError turns an expression error into a FieldError on expr.
func exprFieldError(err error) FieldError {
	var ee *ExprError
	if errors.As(err, &ee) {
		return FieldError{Field: "expr", Offset: ee.Offset, Msg: ee.Msg}
	}
	return FieldError{Field: "expr", Offset: -1, Msg: err.Error()}
}

// compileConsistency lexes, rewrites and compiles an expression.
func compileConsistency(src string) (*compiledExpr, error) {
	toks, err := lexExpr(src)
	if err != nil {
		return nil, err
	}
	rw, err := rewriteExpr(toks)
	if err != nil {
		return nil, err
	}
	c := &compiledExpr{names: uniqueNames(identifiers(toks))}
	env := map[string]any{approxFunc: func(x, y, t float64, k int) bool { return x-y <= t },
		halfUnitFunc: func(code string) float64 { return 0 }}
	for _, n := range c.names {
		env[n] = 0.0
	}
	if _, err := compileTokens(rw, env); err != nil {
		return nil, err
	}
	for _, part := range conjuncts(rw) {
		prog, err := compileTokens(part, env)
		if err != nil {
			return nil, err
		}
		c.parts = append(c.parts, exprPart{prog: prog, text: spanText(src, part)})
	}
	return c, nil
}

// compileTokens compiles rendered tokens as a boolean expression, mapping
// an error's position back to the text as written.
func compileTokens(toks []token, env map[string]any) (*vm.Program, error) {
	code, offs := render(toks)
	prog, err := expr.Compile(code, expr.Env(env), expr.AsBool())
	if err == nil {
		return prog, nil
	}
	var fe *file.Error
	if errors.As(err, &fe) {
		msg := fe.Message
		if strings.Contains(msg, "U+00B1") {
			msg = "± (a tolerance) may only follow the right side of ~= or ≈"
		}
		return nil, &ExprError{Offset: origOffset(code, offs, fe.From), Msg: msg}
	}
	if strings.Contains(err.Error(), "expected bool") {
		return nil, &ExprError{Offset: -1, Msg: "must be a condition (true or false), e.g. a <= b; this one computes " + strings.TrimPrefix(err.Error(), "expected bool, but got ")}
	}
	return nil, &ExprError{Offset: -1, Msg: err.Error()}
}

// origOffset maps a rune offset in rendered code to a byte offset in the
// text as written.
func origOffset(code string, offs []int, runeOff int) int {
	b := 0
	for n := 0; n < runeOff && b < len(code); n++ {
		_, size := utf8.DecodeRuneInString(code[b:])
		b += size
	}
	switch {
	case len(offs) == 0:
		return 0
	case b >= len(offs):
		return offs[len(offs)-1]
	}
	return offs[b]
}

// spanText returns the text as written that the tokens came from: from the
// first to the last token found there (a call approx(…) rewritten starts at
// its name), with the closing brackets that balance it.
func spanText(src string, toks []token) string {
	lo, hi := len(src), 0
	for _, t := range toks {
		switch {
		case t.text == approxFunc && t.off < len(src):
			lo = min(lo, t.off)
		case t.off+len(t.text) <= len(src) && src[t.off:t.off+len(t.text)] == t.text:
			lo, hi = min(lo, t.off), max(hi, t.off+len(t.text))
		}
	}
	if lo >= hi {
		return src
	}
	for open := strings.Count(src[lo:hi], "(") - strings.Count(src[lo:hi], ")"); open > 0; open-- {
		next := strings.IndexByte(src[hi:], ')')
		if next < 0 {
			break
		}
		hi += next + 1
	}
	return src[lo:hi]
}

// Unit is ByArea: findings depend on several indicators of one area.
func (p *ConsistencyParams) Unit() Unit { return ByArea }

// TimeDependent is false.
func (p *ConsistencyParams) TimeDependent() bool { return false }

// program compiles the expression once; nil when it does not compile
// (Validate has said why).
func (p *ConsistencyParams) program() *compiledExpr {
	if c, ok := compiledExprs.Load(p.Expr); ok {
		return c.(*compiledExpr)
	}
	c, err := compileConsistency(p.Expr)
	if err != nil {
		return nil
	}
	compiledExprs.Store(p.Expr, c)
	return c
}

// Evaluate judges the expression for every area of the scope and every
// period where all the indicators it names have a figure.
func (p *ConsistencyParams) Evaluate(env Env, scope Scope) []chiso.Finding {
	c := p.program()
	if c == nil || len(c.names) == 0 {
		return nil
	}
	var out []chiso.Finding
	for _, area := range scope.Areas {
		series := make([]Series, len(c.names))
		for i, n := range c.names {
			series[i] = env.Data.Series(n, area)
		}
		for _, per := range unionPeriods(series) {
			if f, ok := p.judge(env, c, area, series, per); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// unionPeriods returns every period any of the series has, in order. The
// series usually share their periods, so it merges each into the union so
// far, which is a mere comparison when they are the same.
func unionPeriods(series []Series) []chiso.Period {
	var keys, merged []int32
	for _, s := range series {
		if slices.Equal(keys, s.keys) {
			continue
		}
		merged = mergeKeys(merged[:0], keys, s.keys)
		keys, merged = merged, keys
	}
	out := make([]chiso.Period, len(keys))
	for i, k := range keys {
		out[i], _ = chiso.PeriodFromKey(k)
	}
	return out
}

// mergeKeys appends to dst the keys of a and b, two lists in
// chiso.Period.Compare order without repeats, in order without repeats.
func mergeKeys(dst, a, b []int32) []int32 {
	for len(a) > 0 && len(b) > 0 {
		oa, ob := keyOrder(a[0]), keyOrder(b[0])
		switch {
		case oa < ob:
			dst, a = append(dst, a[0]), a[1:]
		case ob < oa:
			dst, b = append(dst, b[0]), b[1:]
		default:
			dst, a, b = append(dst, a[0]), a[1:], b[1:]
		}
	}
	return append(append(dst, a...), b...)
}

// judge evaluates the expression for one area and period.
func (p *ConsistencyParams) judge(env Env, c *compiledExpr, area string, series []Series, per chiso.Period) (chiso.Finding, bool) {
	pts := make([]point, len(series))
	for i, s := range series {
		j := s.Find(per)
		if j < 0 {
			env.skip(SkipMissingValues)
			return chiso.Finding{}, false
		}
		pts[i] = s.point(j)
	}
	assignments := p.assignments(env, c.names, pts)
	var machine vm.VM // reused across runs: one allocation per (area, period)
	for _, part := range c.parts {
		v, ok := judgePart(&machine, part, assignments)
		if !ok {
			return chiso.Finding{}, false
		}
		if v == fails || v == unsure {
			return p.finding(env, c, area, per, pts, part, v), true
		}
	}
	return chiso.Finding{}, false
}

// assignments returns the values to run the expression with: the published
// figures first, then every corner of what the qualified figures allow
// (at most 2¹⁰ of them; beyond, only the all-low and all-high corners).
func (p *ConsistencyParams) assignments(env Env, names []string, pts []point) []map[string]any {
	slack := slackOr(p.Slack)
	published := map[string]float64{}
	var ivs []interval
	var qualified []int
	for i, pt := range pts {
		published[names[i]] = pt.value
		iv := figure(pt.value, pt.qual, slack)
		if ind, ok := env.Data.Indicator(names[i]); ok {
			if c, possible := iv.clip(ind); possible {
				iv = c
			}
		}
		ivs = append(ivs, iv)
		if iv.lo != iv.hi {
			qualified = append(qualified, i)
		}
	}
	halfUnit := func(code string) float64 { return 0.5 * math.Pow(10, -float64(decimals(published[code]))) }
	assign := func(vals func(i int) float64) map[string]any {
		a := map[string]any{approxFunc: p.approx, halfUnitFunc: halfUnit}
		for i, n := range names {
			a[n] = vals(i)
		}
		return a
	}
	out := []map[string]any{assign(func(i int) float64 { return pts[i].value })}
	if len(qualified) == 0 {
		return out
	}
	for _, mask := range cornerMasks(len(qualified)) {
		out = append(out, assign(func(i int) float64 { return corner(ivs, qualified, i, mask) }))
	}
	return out
}

// cornerMasks returns the corners to try for n qualified figures: all 2ⁿ
// up to n = 10, else the all-low and all-high ones.
func cornerMasks(n int) []int {
	if n > 10 {
		return []int{0, -1}
	}
	masks := make([]int, 1<<n)
	for m := range masks {
		masks[m] = m
	}
	return masks
}

// corner returns figure i's value at the corner mask: its low end where
// the mask's bit for it is 0, its high end where 1; an unqualified figure
// has one value.
func corner(ivs []interval, qualified []int, i, mask int) float64 {
	for b, q := range qualified {
		if q == i && mask&(1<<b) != 0 {
			return ivs[i].hi
		}
	}
	return ivs[i].lo
}

// judgePart runs one conjunct under every assignment on the machine.
func judgePart(machine *vm.VM, part exprPart, assignments []map[string]any) (verdict, bool) {
	var yes, no int
	for _, a := range assignments {
		r, err := machine.Run(part.prog, a)
		if err != nil {
			return unsure, false
		}
		if b, _ := r.(bool); b {
			yes++
		} else {
			no++
		}
	}
	return mixed(no == 0, yes == 0), true
}

// approx is ~= rewritten: x − y ≤ t, t coming from where k says (see
// tolExplicit), plus float slack.
func (p *ConsistencyParams) approx(x, y, t float64, k int) bool {
	switch {
	case k == tolExplicit:
	case p.Tolerance != nil:
		t = *p.Tolerance
	case k == tolNone:
		t = 0.5 * math.Pow(10, -float64(min(decimals(x), decimals(y))))
	}
	return x-y <= t+1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
}

// decimals returns how many decimals the shortest form of v has, at most 9.
func decimals(v float64) int {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return min(len(s)-i-1, 9)
	}
	return 0
}

// finding builds the inconsistent finding for the failing part.
func (p *ConsistencyParams) finding(env Env, c *compiledExpr, area string, per chiso.Period, pts []point, part exprPart, v verdict) chiso.Finding {
	figs := make([]string, len(pts))
	sources := make([]string, len(pts))
	for i, pt := range pts {
		ind, _ := env.Data.Indicator(c.names[i])
		if ind.Code == "" {
			ind.Code = c.names[i]
		}
		figs[i] = fmt.Sprintf("%s = %s", env.indName(c.names[i]), env.fig(pt, ind))
		sources[i] = pt.source
	}
	msg := env.tr("Số liệu của %s %s không nhất quán: “%s” không đúng với %s.",
		"The figures of %s for %s are inconsistent: “%s” does not hold with %s.",
		env.areaName(area), env.period(per), part.text, strings.Join(figs, "; "))
	if v == unsure {
		msg = env.tr("Số liệu của %s %s có thể không nhất quán: “%s” đúng hay sai tùy giá trị thật của các số liệu có định tính (%s).",
			"The figures of %s for %s may be inconsistent: whether “%s” holds depends on the true values behind the qualified figures (%s).",
			env.areaName(area), env.period(per), part.text, strings.Join(figs, "; "))
	}
	msg += env.sourceNote(sources...)
	return chiso.Finding{Diagnosis: chiso.Inconsistent, Status: statusOf(v), Indicator: c.names[0], Area: area,
		Period: per, Value: pts[0].value, Expected: math.NaN(), Message: msg, Source: pts[0].source, DataID: maxID(pts...)}
}
