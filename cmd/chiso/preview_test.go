package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/sample/samplecat"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden e-mails in testdata/email")

// previewAt is a Monday, 08:00 in Hanoi: the sample's findings as a
// department head would receive them that morning.
var previewAt = time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)

// TestPreviewGolden renders every kind of e-mail in both languages from
// the sample data, evaluated by the default pack, and compares them with
// testdata/email/*: read them as the director who receives them would.
func TestPreviewGolden(t *testing.T) {
	for _, reason := range []string{"firing", "repeat", "resolved", "digest", "test"} {
		for _, lang := range []string{"vi", "en"} {
			for _, format := range []string{"text", "html"} {
				name := reason + "." + lang + "." + map[string]string{"text": "txt", "html": "html"}[format]
				t.Run(name, func(t *testing.T) {
					p := previewFlags{reason: reason, lang: lang, format: format}
					got, err := p.render(context.Background(), previewAt)
					if err != nil {
						t.Fatal(err)
					}
					checkLanguage(t, lang, got)
					golden(t, filepath.Join("testdata", "email", name), got)
				})
			}
		}
	}
}

// golden compares got with the file, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestPreviewGolden -update, and read the result)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the rendering:\n%s", path, got)
	}
}

// englishWords are words of the English templates and sentences that must
// not appear in a Vietnamese e-mail (compared whole, lower-cased).
var englishWords = strings.Fields(`the and of to is are for with from figure figures check checks target
	source series problem what published firing resolved reminder digest test message rule group
	severity warning critical info below over nearly about period dear colleague sent automatically
	acknowledged none new still cleared why`)

// labelKeys are alert label names, and chiso's own, which the body leaves
// to the X-Chiso headers.
var labelKeys = strings.Fields(`alertname group severity diagnosis status indicator area period fingerprint
	below_target off_track implausible_change unit_slip definition_change inconsistent out_of_range`)

// vietnameseLetters are the letters only Vietnamese writes, with their
// tone marks: a word holding one is Vietnamese.
const vietnameseLetters = "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"

// checkLanguage fails the test on what languageProblems finds.
func checkLanguage(t *testing.T, lang, body string) {
	t.Helper()
	for _, p := range languageProblems(lang, body, ruleNames(t), names(t)) {
		t.Errorf("%s e-mail: %s\n%s", lang, p, body)
	}
}

// languageProblems lists what a Vietnamese e-mail must not have — a rule
// or group name, a label key, an English word — or, for an English one, a
// Vietnamese word that is not part of a name (a province, an article's
// title, a publisher) and a rule name or label key.
func languageProblems(lang, body string, rules, names []string) []string {
	body = regexp.MustCompile(`https?://\S+|<[^>]*>|&[a-z#0-9]+;`).ReplaceAllString(body, " ")
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(body), func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		words[w] = true
	}
	var out []string
	forbidden := append(labelKeys, rules...)
	if lang == "vi" {
		forbidden = append(forbidden, englishWords...)
	} else {
		for _, name := range names {
			if name != "" {
				body = strings.ReplaceAll(body, name, " ")
			}
		}
		for _, w := range strings.Fields(body) {
			if strings.ContainsAny(strings.ToLower(w), vietnameseLetters) {
				out = append(out, "Vietnamese word "+strconv.Quote(w))
			}
		}
	}
	for _, w := range forbidden {
		if words[strings.ToLower(w)] {
			out = append(out, "has "+strconv.Quote(w))
		}
	}
	return out
}

// TestLanguageProblems holds the language check to what the e-mails
// printed before: rule names and groups, English words in Vietnamese,
// Vietnamese words in English.
func TestLanguageProblems(t *testing.T) {
	rules := []string{"UnitSlip", "plausibility"}
	names := []string{"Phú Thọ"}
	tests := []struct {
		lang, body string
		problems   int
	}{
		{"vi", "Quy tắc: UnitSlip (nhóm plausibility)", 2},
		{"vi", "Mức độ: Warning. Vấn đề: below_target", 2},
		{"vi", "Số liệu công bố: trên 81,7% – Phú Thọ, năm 2024 http://x/series/a_b/PT", 0},
		{"en", "Problem: Phú Thọ chưa đạt mục tiêu", 4},
		{"en", "Published figure: over 81.7% – Phú Thọ, 2024", 0},
		{"en", "alertname: UnitSlip", 2},
	}
	for _, tt := range tests {
		if got := languageProblems(tt.lang, tt.body, rules, names); len(got) != tt.problems {
			t.Errorf("%s %q: %q, want %d problems", tt.lang, tt.body, got, tt.problems)
		}
	}
}

// ruleNames are the alert names of the default pack.
func ruleNames(t *testing.T) []string {
	t.Helper()
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	groups, err := loadRules("", cat)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range groups {
		out = append(out, g.Name)
		for _, r := range g.Rules {
			out = append(out, r.Alert)
		}
	}
	return out
}

// names are the names an English e-mail may print in Vietnamese: areas,
// departments, the sources' titles and publishers.
func names(t *testing.T) []string {
	t.Helper()
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range cat.Sources {
		out = append(out, s.Title, s.Publisher)
	}
	for _, a := range cat.Areas {
		out = append(out, a.Name)
	}
	return out
}
