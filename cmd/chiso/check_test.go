package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes name→content files under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const checkGood = `groups:
  - name: plausibility
    schedule: "0 7 * * *"
    rules:
      - alert: ShareOutOfRange
        check: range
        indicators: [village_mobile_broadband_coverage, online_dossier_rate]
  - name: weekly
    schedule: "30 8 * * 1"
    rules: []
`

const checkBad = `groups:
  - name: broken
    schedule: "TZ=UTC 0 7 * * *"
    rules:
      - alert: Unknown
        check: range
        indicator: no_such_indicator
        maximum: 3
`

// TestCheckGood prints each group's next runs in the time zone and the
// totals.
func TestCheckGood(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"rules/a.yaml": checkGood})
	code, out, errs := runChiso(t, "--db", filepath.Join(dir, "none.db"), "check",
		"--rules", filepath.Join(dir, "rules"), "--now", "2026-11-23T07:00:00+07:00")
	want := `catalogue: built-in sample (45 indicators, 9 areas)
` + filepath.Join(dir, "rules", "a.yaml") + `
  plausibility: 1 rule, schedule "0 7 * * *", next: Tue 2026-11-24 07:00 +07:00, Wed 2026-11-25 07:00 +07:00, Thu 2026-11-26 07:00 +07:00
  weekly: 0 rules, schedule "30 8 * * 1", next: Mon 2026-11-23 08:30 +07:00, Mon 2026-11-30 08:30 +07:00, Mon 2026-12-07 08:30 +07:00
2 groups, 1 rule: OK (times in Asia/Ho_Chi_Minh)
`
	if code != 0 || out != want || errs != "" {
		t.Errorf("exit %d\n%s\nwant\n%s\nstderr: %s", code, out, want, errs)
	}
	code, out, _ = runChiso(t, "--db", filepath.Join(dir, "none.db"), "check", "--tz", "UTC",
		"--now", "2026-11-23T07:00:00+07:00", filepath.Join(dir, "rules", "*.yaml"))
	if code != 0 || !strings.Contains(out, "next: Mon 2026-11-23 07:00 +00:00, Tue 2026-11-24 07:00 +00:00") {
		t.Errorf("--tz UTC: exit %d\n%s", code, out)
	}
}

// TestCheckBad lists every problem of every source, with paths as given,
// and exits 1.
func TestCheckBad(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a/good.yaml": checkGood, "b/bad.yml": checkBad, "c/again.yaml": checkGood})
	code, out, errs := runChiso(t, "--db", filepath.Join(dir, "none.db"), "check", "--rules", filepath.Join(dir, "a"),
		"--rules", filepath.Join(dir, "b"), filepath.Join(dir, "c", "again.yaml"), filepath.Join(dir, "d"))
	bad, again := filepath.Join(dir, "b", "bad.yml"), filepath.Join(dir, "c", "again.yaml")
	want := []string{
		bad + `:3:15: group "broken": schedule "TZ=UTC 0 7 * * *": a time zone cannot be set here; the time zone is set in the configuration`,
		bad + `:7:20: group "broken" rule "Unknown": unknown indicator "no_such_indicator"`,
		bad + `:8:9: group "broken" rule "Unknown": unknown key "maximum" for check range`,
		again + `:2:5: group "plausibility": group name already used at ` + filepath.Join(dir, "a", "good.yaml") + ":2:5",
		again + `:8:5: group "weekly": group name already used at `,
		filepath.Join(dir, "d") + ": no rule file matches",
		"6 problems: FAILED",
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if code != 1 || len(lines) != len(want) || strings.Contains(out, "OK") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d:\n%s\nwant prefix\n%s", i+1, lines[i], w)
		}
	}
}

// TestCheckConfig takes the rules and the time zone from the
// configuration, and reports a bad configuration.
func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"chiso.yaml":        "time_zone: Europe/Paris\nrules: [\"rules.d/*.yaml\"]\n",
		"rules.d/one.yaml":  checkGood,
		"broken.yaml":       "time_zone: Nowhere/City\nnonsense: 1\n",
		"rules.d/other.txt": "not a rule file",
	})
	code, out, errs := runChiso(t, "--db", filepath.Join(dir, "none.db"), "check", "--config", filepath.Join(dir, "chiso.yaml"), "--now", "2026-11-23T07:00:00+07:00")
	if code != 0 || !strings.Contains(out, "next: Mon 2026-11-23 07:00 +01:00, Tue") || !strings.Contains(out, "2 groups, 1 rule: OK (times in Europe/Paris)") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runChiso(t, "check", "--config", filepath.Join(dir, "broken.yaml"))
	if code != 1 || !strings.Contains(errs, "broken.yaml:1") || !strings.Contains(errs, "nonsense") {
		t.Errorf("bad configuration: exit %d\n%s", code, errs)
	}
}

// TestCheckFlags refuses bad flag values.
func TestCheckFlags(t *testing.T) {
	for _, args := range [][]string{{"--tz", "Mars/Olympus"}, {"--now", "yesterday"}} {
		code, _, errs := runChiso(t, append([]string{"check"}, args...)...)
		if code != 1 || !strings.Contains(errs, args[0]) {
			t.Errorf("%v: exit %d, %s", args, code, errs)
		}
	}
}

// TestCheckDatabaseCatalogue lints against the catalogue of the database
// when it exists.
func TestCheckDatabaseCatalogue(t *testing.T) {
	db := sampleDB(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.yaml": checkGood})
	code, out, errs := runChiso(t, "--db", db, "check", "--rules", filepath.Join(dir, "a.yaml"))
	if code != 0 || !strings.HasPrefix(out, "catalogue: "+db+" (") || !strings.Contains(out, "2 groups, 1 rule: OK") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}

// TestCheckPack lints the built-in rule pack when no rules are named.
func TestCheckPack(t *testing.T) {
	code, out, errs := runChiso(t, "--db", filepath.Join(t.TempDir(), "none.db"), "check")
	if code != 0 || !strings.Contains(out, "\nbuiltin:") || !strings.Contains(out, ": OK") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}

// TestCheckConfigFailsWhatServeRefuses: check --config reports every
// problem serve would refuse to start with — a missing database it may not
// create, an unknown receiver, a missing secret file, an unreadable
// template, a bad rule file — all at once, and exits 1.
func TestCheckConfigFailsWhatServeRefuses(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"chiso.yaml": `database: missing.db
create_database: false
drop_folder: {path: inbox, areas: [PT25, ZZ]}
alerting:
  route: {receiver: nobody}
  receivers:
    - name: heads
      email: {smarthost: "mail.example.vn:587", from: "chiso <chiso@example.vn>", to: ["head@example.vn"],
              username: chiso, password_file: nope.txt, html: missing.tmpl}
`,
		"rules.d/bad.yaml": checkBad,
	})
	code, out, errs := runChiso(t, "check", "--config", filepath.Join(dir, "chiso.yaml"))
	for _, want := range []string{
		filepath.Join(dir, "chiso.yaml") + ":1:11: database: " + filepath.Join(dir, "missing.db") + " does not exist, and create_database is false",
		`alerting.route.receiver: no receiver has this name (got "nobody")`,
		"nope.txt",
		"missing.tmpl",
		filepath.Join(dir, "chiso.yaml") + `:3:42: drop_folder.areas[1]: unknown area "ZZ"`,
		filepath.Join(dir, "rules.d", "bad.yaml") + `:7:20: group "broken" rule "Unknown": unknown indicator "no_such_indicator"`,
		"FAILED",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if code != 1 || strings.Contains(out, "OK") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// TestCheckConfigChecksItsOwnRules: with --config, check lints the rule
// files serve would load from that configuration — none for rules: [] —
// never the built-in pack instead.
func TestCheckConfigChecksItsOwnRules(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"none.yaml": "rules: []\n"})
	code, out, errs := runChiso(t, "check", "--config", filepath.Join(dir, "none.yaml"))
	if code != 0 || strings.Contains(out, "builtin:") || !strings.Contains(out, "0 groups, 0 rules: OK") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// TestCheckRefusesUnboundedTemplates: the annotation that used to pass
// check and then exhaust the daemon's memory is refused at its position.
func TestCheckRefusesUnboundedTemplates(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.yaml": `groups:
  - name: g
    schedule: "@daily"
    rules:
      - alert: R
        check: range
        indicator: village_mobile_broadband_coverage
        annotations:
          summary: "{{range 100000000}}xxxxxxxxxx{{end}}"
`})
	code, _, errs := runChiso(t, "--db", filepath.Join(dir, "none.db"), "check", filepath.Join(dir, "a.yaml"))
	// Whichever bound a loaded machine reaches first: the output or the time.
	want := filepath.Join(dir, "a.yaml") + `:9:20: group "g" rule "R": annotation summary: `
	if code != 1 || !strings.Contains(errs, want) || !strings.Contains(errs, "the bound of") {
		t.Errorf("exit %d, stderr:\n%s\nwant %s", code, errs, want)
	}
}
