package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/wordlang"
)

// englishOnly fails the test for every line of out that says a Vietnamese
// word other than the names of areas and the titles of sources.
func englishOnly(t *testing.T, what, out string, extra ...string) {
	t.Helper()
	vocab, err := wordlang.Load()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	allowed := extra
	for _, a := range cat.Areas {
		allowed = append(allowed, a.Name)
	}
	for _, tg := range cat.Targets {
		allowed = append(allowed, tg.Source)
	}
	slices.SortFunc(allowed, func(a, b string) int { return len(b) - len(a) })
	for _, line := range strings.Split(out, "\n") {
		if words := vocab.Foreign(quotedCodes.ReplaceAllString(line, ""), "en", allowed); len(words) > 0 {
			t.Errorf("%s: %q in %q", what, words, line)
		}
	}
}

// quotedCodes are the rule expressions consistency messages quote.
var quotedCodes = regexp.MustCompile(`“[^”]*_[^”]*”`)

// TestEnglishOutput: with --lang en (or --locale en), what the commands
// print has no Vietnamese word but names: chiso eval's table, its JSON and
// its summary, chiso history (but for the text as the article printed
// it), and chiso test's report on an English test file.
func TestEnglishOutput(t *testing.T) {
	db := sampleDB(t)
	code, out, errs := runChiso(t, "--db", db, "eval", "--at", sampleAt, "--lang", "en")
	if code != 1 || !strings.Contains(out, "Vĩnh Phúc") {
		t.Fatalf("eval: exit %d\n%s%s", code, out, errs)
	}
	englishOnly(t, "eval table", out+errs)
	code, fs, errs := evalJSON(t, "--db", db, "eval", "--at", sampleAt, "--lang", "en")
	if code != 1 || len(fs) == 0 {
		t.Fatalf("eval json: exit %d, %d findings\n%s", code, len(fs), errs)
	}
	for _, f := range fs {
		b, _ := json.Marshal(f)
		englishOnly(t, "eval json", string(b))
	}

	for _, series := range [][2]string{{"bts_sites", "PT"}, {"bts_stations", "PT"}, {"ict_revenue", "VP"}, {"electronic_document_rate", "DB"},
		{"dti_digital_infrastructure_rank", "PT"}, {"community_digital_team_members", "PT"}} {
		out := mustChiso(t, "--db", db, "history", series[0], series[1], "--locale", "en")
		var raws []string // the text as printed in the article: Vietnamese on purpose
		for _, o := range historyOf(t, db, series[0], series[1]) {
			raws = append(raws, o.Raw)
		}
		englishOnly(t, "history "+series[0], out, raws...)
	}

	// chiso test on the pack's scenarios, every message in English and
	// every expectation renamed away, so that each finding is printed.
	dir := filepath.Join(t.TempDir(), "pack")
	mustChiso(t, "rules", "export", dir)
	names, _ := filepath.Glob(filepath.Join(dir, "tests", "*.yaml"))
	if len(names) == 0 {
		t.Fatal("rules export wrote no tests")
	}
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(src), "lang: vi", "lang: en")
		s = strings.ReplaceAll(s, "{rule: ", "{rule: Renamed")
		if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs = runChiso(t, append([]string{"test"}, names...)...)
	if code != 1 || strings.Count(out, "unexpected: ") < 20 {
		t.Fatalf("test: exit %d, %d unexpected findings\n%s%s", code, strings.Count(out, "unexpected: "), out, errs)
	}
	for _, line := range strings.Split(out, "\n") {
		// test names and expectations are the test file's own words
		if _, f, ok := strings.Cut(line, "unexpected: "); ok {
			englishOnly(t, "test", f)
		}
	}
}

// historyOf reads a series' revisions from the database, as exported.
func historyOf(t *testing.T, db, ind, area string) []chiso.Observation {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(mustChiso(t, "--db", db, "export", "--all-revisions"))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("export: %v", err)
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	var obs []chiso.Observation
	for _, r := range rows[1:] {
		if r[col("indicator")] == ind && r[col("area")] == area {
			obs = append(obs, chiso.Observation{Raw: r[col("raw")]})
		}
	}
	return obs
}
