package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chiso-vn/chiso"
)

// sampleDB creates a database holding the sample data and returns its path.
func sampleDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "chiso.db")
	mustChiso(t, "--db", db, "init", "--sample")
	return db
}

const sampleAt = "2026-11-23T07:00:00+07:00"

func evalJSON(t *testing.T, args ...string) (int, []chiso.Finding, string) {
	t.Helper()
	code, out, errs := runChiso(t, append(args, "--format", "json")...)
	var fs []chiso.Finding
	if code < 2 {
		if err := json.Unmarshal([]byte(out), &fs); err != nil {
			t.Fatalf("output is not a JSON array of findings: %v\n%s", err, out)
		}
	}
	return code, fs, errs
}

// TestEvalSample checks what the default rule pack finds in the sample
// data: each published problem, and nothing for the traps that only look
// like one.
func TestEvalSample(t *testing.T) {
	db := sampleDB(t)
	code, fs, errs := evalJSON(t, "--db", db, "eval", "--at", sampleAt)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (warnings fail by default)\n%s", code, errs)
	}
	find := func(area, ind, period string, st chiso.Status, ds ...chiso.Diagnosis) *chiso.Finding {
		for i, f := range fs {
			if f.Area == area && f.Indicator == ind && (period == "" || f.Period.String() == period) &&
				(st == "" || f.Status == st) && (len(ds) == 0 || containsDiag(ds, f.Diagnosis)) {
				return &fs[i]
			}
		}
		return nil
	}
	want := []struct {
		area, ind, period string
		status            chiso.Status
		ds                []chiso.Diagnosis
	}{
		{"VP", "ict_revenue", "2022", chiso.Fail, []chiso.Diagnosis{chiso.ImplausibleChange}},
		{"DB", "electronic_document_rate", "", chiso.Indeterminate, nil},
	}
	for _, w := range want {
		if find(w.area, w.ind, w.period, w.status, w.ds...) == nil {
			t.Errorf("no %s finding %v for %s %s %s", w.status, w.ds, w.area, w.ind, w.period)
		}
	}
	jumps := []chiso.Diagnosis{chiso.ImplausibleChange, chiso.Decrease, chiso.UnitSlip, chiso.Inconsistent, chiso.BelowTarget, chiso.OffTrack}
	none := []struct {
		area, ind, period string
		ds                []chiso.Diagnosis
	}{
		{"PT", "bts_sites", "", jumps}, {"PT", "bts_stations", "", jumps}, // a definition change, not a drop
		{"VP", "ict_revenue", "2023-H1", nil}, // H1 is compared with H1 only
		{"DB", "commune_radio_stations", "", nil}, {"DB", "commune_radio_stations_it", "", nil},
		{"DB", "commune_radio_rate", "", nil}, {"DB", "communes", "", nil},
		{"PT", "postal_service_points", "", nil}, {"PT", "commune_cultural_post_offices", "", nil},
		{"PT", "online_dossier_rate", "", nil},
		// the old Phú Thọ ceased on 2025-07-01: its 2024 figures owe nothing to 2025 targets
		{"PT", "digital_economy_share", "", nil}, {"PT", "adult_epayment_account_rate", "", nil},
	}
	for _, n := range none {
		if f := find(n.area, n.ind, n.period, "", n.ds...); f != nil {
			t.Errorf("unexpected finding for %s %s %s: %s", n.area, n.ind, n.period, f.Text())
		}
	}
	for _, f := range fs {
		if f.Diagnosis == chiso.OutOfRange || (f.Area == "PY" && f.Diagnosis == chiso.Missing) {
			t.Errorf("unexpected %s finding: %s", f.Diagnosis, f.Text())
		}
		if f.Rule == "" || f.Group == "" || f.Check == "" || f.Severity == "" {
			t.Errorf("finding without rule, group, check or severity: %+v", f)
		}
	}
	if !strings.Contains(errs, "findings:") || !strings.Contains(errs, "units evaluated") {
		t.Errorf("no summary on stderr: %q", errs)
	}
	// A single 2022 figure has no earlier like period: counted, not a finding.
	if !strings.Contains(errs, "not evaluated (no finding possible):") || !strings.Contains(errs, " too_little_history") {
		t.Errorf("the summary does not count what could not be evaluated: %q", errs)
	}
}

func containsDiag(ds []chiso.Diagnosis, d chiso.Diagnosis) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

func TestEvalExitCodesAndTable(t *testing.T) {
	db := sampleDB(t)
	tests := []struct {
		name string
		args []string
		code int
		out  string // a substring of stdout
		err  string // a substring of stderr
	}{
		{"critical only", []string{"--fail-on", "critical"}, 0, "implausible_change", "0 critical"},
		{"table", nil, 1, "SEVERITY  STATUS", ""},
		{"english", []string{"--lang", "en"}, 1, "Vĩnh Phúc", ""},
		{"glob", []string{"--rules", "testdata/eval/*.yaml"}, 1, "ict_revenue", ""},
		{"no rule file", []string{"--rules", "testdata/nothing-*.yaml"}, 2, "", "nothing-*.yaml"},
		{"bad flags", []string{"--format", "xml", "--lang", "fr"}, 2, "", "--lang"},
		{"extra argument", []string{"now"}, 2, "", "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--db", db, "eval", "--rules", "testdata/eval", "--at", sampleAt}, tt.args...)
			code, out, errs := runChiso(t, args...)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errs, tt.err) {
				t.Errorf("exit %d (want %d), stdout has %q: %v, stderr has %q: %v\n%s%s", code, tt.code,
					tt.out, strings.Contains(out, tt.out), tt.err, strings.Contains(errs, tt.err), out, errs)
			}
		})
	}
}

func TestEvalNeedsADatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "missing.db")
	code, _, errs := runChiso(t, "--db", db, "eval", "--rules", "testdata/eval")
	if code != 2 || !strings.Contains(errs, "chiso init") || !strings.Contains(errs, "--sample") {
		t.Errorf("exit %d, stderr %q: want 2 and a hint to run chiso init --sample", code, errs)
	}
}

// TestEvalTableFigures: the table's VALUE column writes each figure as it
// was published, with its qualifier and its indicator's unit, in the
// language of the messages, and EXPECTED with the unit.
func TestEvalTableFigures(t *testing.T) {
	db := sampleDB(t)
	for lang, want := range map[string]map[string]string{
		"vi": {"bts_sites": "gần 1.900 vị trí", "ict_revenue": "183.001 tỷ đồng"},
		"en": {"bts_sites": "nearly 1,900 sites", "ict_revenue": "183,001 billion VND"},
	} {
		code, out, errs := runChiso(t, "--db", db, "eval", "--at", sampleAt, "--lang", lang)
		if code != 1 {
			t.Fatalf("%s: exit %d\n%s", lang, code, errs)
		}
		lines := strings.Split(out, "\n")
		from, to := strings.Index(lines[0], "VALUE"), strings.Index(lines[0], "EXPECTED")
		from, to = utf8.RuneCountInString(lines[0][:from]), utf8.RuneCountInString(lines[0][:to])
		got := map[string]string{}
		for _, line := range lines[1:] {
			r := []rune(line)
			if len(r) < to {
				continue
			}
			for ind := range want {
				if strings.Contains(line, " "+ind+" ") {
					got[ind] = strings.TrimSpace(string(r[from:to]))
				}
			}
		}
		for ind, w := range want {
			if got[ind] != w {
				t.Errorf("%s: VALUE of %s is %q, want %q:\n%s", lang, ind, got[ind], w, out)
			}
		}
	}
}
