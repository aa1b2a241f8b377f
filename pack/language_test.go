package pack

import (
	"context"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/internal/wordlang"
	"github.com/chiso-vn/chiso/rules"
	"github.com/chiso-vn/chiso/rules/ruletest"
)

// scenario is figures and what the pack finds in them.
type scenario struct {
	name     string
	obs      []chiso.Observation
	findings []chiso.Finding
}

// languageFindings returns the findings of the sample data and of every
// scenario of the pack's rule tests, evaluated with messages in lang, and
// the catalogue: between them every check kind and every diagnosis.
func languageFindings(t *testing.T, lang string) ([]chiso.Finding, *chiso.Catalogue) {
	t.Helper()
	var found []chiso.Finding
	scs, cat := scenarios(t, lang)
	for _, sc := range scs {
		found = append(found, sc.findings...)
	}
	return found, cat
}

// scenarios evaluates the sample data and every scenario of the pack's
// rule tests with messages in lang.
func scenarios(t *testing.T, lang string) ([]scenario, *chiso.Catalogue) {
	t.Helper()
	found, cat, obs := evalSampleIn(t, lang)
	out := []scenario{{name: "sample", obs: obs, findings: found}}
	names, err := fs.Glob(FS(), "tests/*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no rule tests: %v", err)
	}
	testCat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		src, err := fs.ReadFile(FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := ruletest.Parse(name, src)
		if err != nil {
			t.Fatal(err)
		}
		patterns := make([]string, len(f.RuleFiles))
		for i, p := range f.RuleFiles {
			patterns[i] = path.Join(path.Dir(name), p)
		}
		groups, err := rules.Load(FS(), patterns, testCat)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range f.Tests {
			eng, err := engine.New(testCat, groups, engine.Options{Lang: lang, Location: f.Location})
			if err != nil {
				t.Fatal(err)
			}
			sc := scenario{name: name + ": " + tc.Name}
			for _, o := range tc.Observations {
				sc.obs = append(sc.obs, o.Observation)
			}
			eng.Add(sc.obs...)
			res, err := eng.Evaluate(context.Background(), "", tc.EvalTime)
			if err != nil {
				t.Fatalf("%s: %v", sc.name, err)
			}
			sc.findings = res.Findings.Slice()
			out = append(out, sc)
		}
	}
	return out, cat
}

// names are the strings a message may show in either language: names of
// areas, source titles (a decision's title, an article's file name) and
// codes.
func names(cat *chiso.Catalogue, fs []chiso.Finding) []string {
	var out []string
	for _, a := range cat.Areas {
		out = append(out, a.Name)
	}
	for _, tg := range cat.Targets {
		out = append(out, tg.Source)
	}
	for _, f := range fs {
		out = append(out, f.Source)
	}
	// longest first, so that a name is removed before a shorter one inside it
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// TestMessagesInOneLanguage: with messages in English, no finding of the
// sample or of the rule tests' scenarios says a Vietnamese word other than
// a name, and in Vietnamese no English word other than a code; between them
// the findings cover every check kind and every diagnosis.
func TestMessagesInOneLanguage(t *testing.T) {
	vocab, err := wordlang.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "vi"} {
		t.Run(lang, func(t *testing.T) {
			found, cat := languageFindings(t, lang)
			allowed := names(cat, found)
			kinds, diags := map[string]bool{}, map[chiso.Diagnosis]bool{}
			seen := map[string]bool{}
			for _, f := range found {
				kinds[f.Check], diags[f.Diagnosis] = true, true
				msg := f.Text()
				if words := vocab.Foreign(withoutExpressions(msg), lang, allowed); len(words) > 0 && !seen[msg] {
					seen[msg] = true
					t.Errorf("%s %s %s %s: %q in %q", f.Rule, f.Area, f.Indicator, f.Period, words, msg)
				}
			}
			for _, d := range []chiso.Diagnosis{chiso.OutOfRange, chiso.BelowTarget, chiso.OffTrack, chiso.ImplausibleChange,
				chiso.UnitSlip, chiso.DefinitionChange, chiso.Inconsistent, chiso.Decrease, chiso.Missing, chiso.Outlier} {
				if !diags[d] {
					t.Errorf("no finding with diagnosis %s: the test does not see its messages", d)
				}
			}
			for _, k := range []string{"range", "target", "change", "scale", "consistency", "monotonic", "freshness", "outlier", "definition"} {
				if !kinds[k] {
					t.Errorf("no finding of check kind %s: the test does not see its messages", k)
				}
			}
			if t.Failed() {
				t.Logf("%d findings; names allowed: %s", len(found), strings.Join(allowed[:min(5, len(allowed))], ", "))
			}
		})
	}
}

// withoutExpressions removes the rule expressions a consistency message
// quotes (“commune_radio_stations <= communes”): codes, shown deliberately.
func withoutExpressions(msg string) string {
	var b strings.Builder
	for {
		before, rest, ok := strings.Cut(msg, "“")
		b.WriteString(before)
		if !ok {
			return b.String()
		}
		quoted, after, ok := strings.Cut(rest, "”")
		if !ok || !strings.Contains(quoted, "_") {
			b.WriteString("“")
			msg = rest
			continue
		}
		msg = after
	}
}

// TestFiguresCarryQualifierAndUnit: wherever a message prints a qualified
// figure ("gần 1.900"), it prints it with its qualifier and its
// indicator's unit, in the message's language: "gần 1.900 vị trí",
// "nearly 1,900 sites", never "1.900" or "1.900 trạm".
func TestFiguresCarryQualifierAndUnit(t *testing.T) {
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			scs, cat := scenarios(t, lang)
			checked := 0
			for _, sc := range scs {
				for _, f := range sc.findings {
					msg := withoutTargets(f.Text(), cat)
					if f.Source != "" {
						msg = strings.ReplaceAll(msg, f.Source, " ")
					}
					for _, o := range sc.obs {
						ind, ok := cat.Indicator(o.Indicator)
						if !ok || o.Area != f.Area || o.Indicator != f.Indicator && !strings.Contains(msg, ind.Name(lang)) {
							continue
						}
						want, ok := asWritten(o.Value, o.Qualifier, ind.Unit, lang)
						if !ok {
							t.Fatalf("the test does not know how %s (%s) is written: add it to asWritten", ind.Unit, o.Indicator)
						}
						for _, at := range numberAt(msg, checks.FormatNumber(o.Value, lang)) {
							if threshold(msg[:at]) {
								continue
							}
							checked++
							if !figureAt(msg, at, want, checks.FormatNumber(o.Value, lang)) {
								t.Errorf("%s: %s %s %s: %s %s %s is printed without “%s” in %q",
									sc.name, f.Rule, f.Area, f.Period, o.Indicator, o.Period, o.Qualifier, want, msg)
							}
						}
					}
				}
			}
			if checked < 10 {
				t.Errorf("only %d qualified figures printed: the test sees too little", checked)
			}
		})
	}
}

// asWritten writes a figure as a statistician does, independently of the
// code under test: the qualifier, the number and the indicator's own unit
// in the language's words.
func asWritten(v float64, q chiso.Qualifier, unit, lang string) (string, bool) {
	words := map[chiso.Qualifier][2]string{chiso.Exact: {"", ""}, chiso.Derived: {"", ""},
		chiso.Over: {"trên ", "over "}, chiso.Nearly: {"gần ", "nearly "}, chiso.About: {"khoảng ", "about "},
		chiso.Estimate: {"ước ", "an estimated "}, chiso.Preliminary: {"sơ bộ ", "a preliminary "}}
	units := map[string][2]string{"percent": {"%", "%"}, "site": {" vị trí", " sites"}, "station": {" trạm", " stations"},
		"subscriber": {" thuê bao", " subscribers"}, "commune": {" xã", " communes"}, "account": {" tài khoản", " accounts"},
		"card": {" thẻ", " cards"}, "team": {" tổ", " teams"}, "person": {" người", " people"}, "point": {" điểm", " points"},
		"title": {" đầu sách", " titles"}, "copy": {" bản", " copies"}, "billion_vnd": {" tỷ đồng", " billion VND"},
		"billion_usd": {" tỷ USD", " billion USD"}}
	i := 0
	if lang == "en" {
		i = 1
	}
	num := checks.FormatNumber(v, lang)
	if unit == "rank" {
		return words[q][i] + [2]string{"hạng ", "rank "}[i] + num, true
	}
	u, ok := units[unit]
	return words[q][i] + num + u[i], ok
}

// withoutTargets removes what the targets' sources and descriptions say
// (“80% of people aged 15+ …”): the target's words, not a figure.
func withoutTargets(msg string, cat *chiso.Catalogue) string {
	for _, tg := range cat.Targets {
		for _, s := range []string{tg.DescriptionVI, tg.DescriptionEN, tg.Source} {
			if s != "" {
				msg = strings.ReplaceAll(msg, s, " ")
			}
		}
	}
	return msg
}

// numberAt returns where num stands alone in msg (not inside a longer
// number).
func numberAt(msg, num string) []int {
	var out []int
	for i := 0; ; {
		j := strings.Index(msg[i:], num)
		if j < 0 {
			return out
		}
		at := i + j
		end := at + len(num)
		if !digitOrMark(msg, at-1) && !digitOrMark(msg, end) {
			out = append(out, at)
		}
		i = end
	}
}

// digitOrMark reports whether msg[i] continues a number: a digit, or a
// separator followed by a digit.
func digitOrMark(msg string, i int) bool {
	if i < 0 || i >= len(msg) {
		return false
	}
	c := msg[i]
	if c >= '0' && c <= '9' {
		return true
	}
	return (c == '.' || c == ',') && i+1 < len(msg) && msg[i+1] >= '0' && msg[i+1] <= '9' && i > 0 && msg[i-1] >= '0' && msg[i-1] <= '9'
}

// threshold reports whether the number after before is a bound or target
// ("≥ 80%"), not a published figure.
func threshold(before string) bool {
	for _, op := range []string{"≥ ", "≤ ", "> ", "< ", "≈ ", "±", "×", "+", "-", "từ ", "đến ", "from ", "to "} {
		if strings.HasSuffix(before, op) {
			return true
		}
	}
	return false
}

// figureAt reports whether the figure want is printed around the number
// num at msg[at:].
func figureAt(msg string, at int, want, num string) bool {
	i := strings.Index(want, num)
	start := at - i
	return start >= 0 && start+len(want) <= len(msg) && msg[start:start+len(want)] == want
}

// TestAnnotationsInOneLanguage: the pack's annotations (an alert's summary
// and description, in e-mails, webhooks and Alertmanager) are in the
// language of the messages, for every finding of the sample and of the
// rule tests' scenarios.
func TestAnnotationsInOneLanguage(t *testing.T) {
	vocab, err := wordlang.Load()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	groups, err := rules.Load(FS(), Patterns, cat)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]rules.Rule{}
	for _, g := range groups {
		for _, r := range g.Rules {
			byName[r.Alert] = r
		}
	}
	for _, lang := range []string{"en", "vi"} {
		t.Run(lang, func(t *testing.T) {
			found, _ := languageFindings(t, lang)
			allowed := names(cat, found)
			seen := map[string]bool{}
			for _, f := range found {
				r, ok := byName[f.Rule]
				if !ok {
					t.Fatalf("no rule %s", f.Rule)
				}
				ann, err := r.RenderAnnotations(rules.NewTemplateData(f, cat, nil, lang))
				if err != nil {
					t.Fatalf("%s: %v", f.Rule, err)
				}
				for name, text := range ann {
					if words := vocab.Foreign(withoutExpressions(text), lang, allowed); len(words) > 0 && !seen[text] {
						seen[text] = true
						t.Errorf("%s %s: %s %q in %q", f.Rule, f.Area, name, words, text)
					}
				}
			}
		})
	}
}

// TestSummaryFigureQualified: an alert's summary prints the figure judged
// as published, qualifier included — "trên 95%", never "95%".
func TestSummaryFigureQualified(t *testing.T) {
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	groups, err := rules.Load(FS(), Patterns, cat)
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"vi": "Tỷ lệ văn bản điện tử trên 95% (2022), mục tiêu 100%", "en": "Documents exchanged electronically over 95% (2022), target 100%"} {
		fs, _, _ := evalSampleIn(t, lang)
		var got []string
		for _, f := range fs {
			if f.Area != "DB" || f.Indicator != "electronic_document_rate" || f.Diagnosis != chiso.BelowTarget {
				continue
			}
			for _, g := range groups {
				for _, r := range g.Rules {
					if r.Alert == f.Rule {
						ann, err := r.RenderAnnotations(rules.NewTemplateData(f, cat, nil, lang))
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, ann["summary"])
					}
				}
			}
		}
		if len(got) != 1 || !strings.Contains(got[0], want) {
			t.Errorf("%s: summaries %q, want one with %q", lang, got, want)
		}
	}
}
