package pack

import (
	"context"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/internal/wordlang"
	"github.com/chiso-vn/chiso/rules"
	"github.com/chiso-vn/chiso/rules/ruletest"
)

// languageFindings returns the findings of the sample data and of every
// scenario of the pack's rule tests, evaluated with messages in lang, and
// the catalogue: between them every check kind and every diagnosis.
func languageFindings(t *testing.T, lang string) ([]chiso.Finding, *chiso.Catalogue) {
	t.Helper()
	found, cat := evalSampleIn(t, lang)
	names, err := fs.Glob(FS(), "tests/*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no rule tests: %v", err)
	}
	testCat, err := ingest.SampleCatalogue()
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
			for _, o := range tc.Observations {
				eng.Add(o.Observation)
			}
			res, err := eng.Evaluate(context.Background(), "", tc.EvalTime)
			if err != nil {
				t.Fatalf("%s: %s: %v", name, tc.Name, err)
			}
			found = append(found, res.Findings.Slice()...)
		}
	}
	return found, cat
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
