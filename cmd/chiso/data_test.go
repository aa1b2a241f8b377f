package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chiso runs the command in process and returns its exit code and output.
func runChiso(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func mustChiso(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runChiso(t, args...)
	if code != 0 {
		t.Fatalf("chiso %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func TestExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db, empty := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	exported := filepath.Join(dir, "export.csv")
	mustChiso(t, "--db", db, "init", "--sample")
	mustChiso(t, "--db", db, "export", "-o", exported)

	out := mustChiso(t, "--db", db, "import", exported)
	if !strings.Contains(out, "0 added, 0 revised, 59 unchanged") {
		t.Errorf("re-importing the export into the same database changed something:\n%s", out)
	}
	mustChiso(t, "--db", empty, "init")
	out = mustChiso(t, "--db", empty, "import", exported)
	if !strings.Contains(out, "59 added, 0 revised, 0 unchanged") {
		t.Errorf("importing the export into an empty database:\n%s", out)
	}
	again := mustChiso(t, "--db", empty, "export")
	want, _ := os.ReadFile(exported)
	if again != string(want) {
		t.Errorf("the second database exports differently:\n%s\nwant:\n%s", again, want)
	}
}

func TestImportBadFileImportsNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	mustChiso(t, "--db", db, "init", "--sample")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("indicator,area,period,value\n"+
		"ict_revenue,VP,2024,\"1.234,5 tỷ đồng\"\n"+
		"bts_sites,XX,2024,5\n"+
		"bts_sites,PT,2024-13,5\n"), 0o644)
	code, _, errs := runChiso(t, "--db", db, "import", bad)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"bad.csv:3:", `"XX"`, "bad.csv:4:", `"2024-13"`} {
		if !strings.Contains(errs, want) {
			t.Errorf("error output lacks %q:\n%s", want, errs)
		}
	}
	hist := mustChiso(t, "--db", db, "history", "ict_revenue", "VP")
	if strings.Contains(hist, "1.234,5") {
		t.Errorf("the good row of a bad file was stored:\n%s", hist)
	}
}

func TestImportRevisionAndHistory(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	mustChiso(t, "--db", db, "init", "--sample")
	est := filepath.Join(dir, "est.csv")
	final := filepath.Join(dir, "final.csv")
	os.WriteFile(est, []byte("indicator,area,period,value\nict_revenue,VP,2023,\"ước đạt 190.000 tỷ đồng\"\n"), 0o644)
	os.WriteFile(final, []byte("indicator,area,period,value\nict_revenue,VP,2023,\"191.250 tỷ đồng\"\n"), 0o644)
	if out := mustChiso(t, "--db", db, "import", "--dry-run", est); !strings.Contains(out, "1 added") || !strings.Contains(out, "dry run") {
		t.Errorf("dry run: %s", out)
	}
	mustChiso(t, "--db", db, "import", est)
	if out := mustChiso(t, "--db", db, "import", final); !strings.Contains(out, "0 added, 1 revised") {
		t.Errorf("final figure: %s", out)
	}
	hist := mustChiso(t, "--db", db, "history", "ict_revenue", "VP")
	for _, want := range []string{"190.000", "estimate", "191.250"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
}

func TestCommandsNeedADatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "missing.db")
	code, _, errs := runChiso(t, "--db", db, "export")
	if code != 1 || !strings.Contains(errs, "chiso init") {
		t.Errorf("exit %d, stderr %q: want a hint to run chiso init", code, errs)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("export created a database")
	}
}

func TestExportAllRevisionsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db, empty := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	mustChiso(t, "--db", db, "init", "--sample")
	for i, fig := range []string{"ước đạt 190.000 tỷ đồng", "191.250 tỷ đồng"} {
		f := filepath.Join(dir, "rev"+string(rune('0'+i))+".csv")
		os.WriteFile(f, []byte("indicator,area,period,value\nict_revenue,VP,2023,\""+fig+"\"\n"), 0o644)
		mustChiso(t, "--db", db, "import", f)
	}
	all := filepath.Join(dir, "all.csv")
	mustChiso(t, "--db", db, "export", "--all-revisions", "-o", all)
	if out := mustChiso(t, "--db", db, "import", all); !strings.Contains(out, "0 added, 0 revised, 61 unchanged") {
		t.Errorf("re-importing every revision into the same database changed something:\n%s", out)
	}
	mustChiso(t, "--db", empty, "init")
	if out := mustChiso(t, "--db", empty, "import", all); !strings.Contains(out, "60 added, 1 revised, 0 unchanged") {
		t.Errorf("importing every revision into an empty database:\n%s", out)
	}
	if h := mustChiso(t, "--db", empty, "history", "ict_revenue", "VP"); !strings.Contains(h, "190.000") || !strings.Contains(h, "191.250") {
		t.Errorf("the revisions were not reproduced:\n%s", h)
	}
}

// TestImportRepeatedCell: two figures for one cell in one file import
// nothing and name both places.
func TestImportRepeatedCell(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	mustChiso(t, "--db", db, "init", "--sample")
	dup := filepath.Join(dir, "dup.csv")
	os.WriteFile(dup, []byte("indicator,area,period,value\n"+
		"bts_stations,DB,2022,2.500\n"+
		"bts_stations,DB,2023,2.600\n"+
		"bts_stations,DB,2022,2.500\n"+ // the same figure again: fine
		"bts_stations,DB,2022,2.510\n"), 0o644)
	code, _, errs := runChiso(t, "--db", db, "import", "--lang", "en", dup)
	want := `dup.csv:5:4: value "2.510": a second figure for bts_stations DB 2022 in this file: 2,510 here, 2,500 at line 2`
	if code != 1 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, errors:\n%s\nwant %s", code, errs, want)
	}
	if strings.Count(errs, "dup.csv") != 2 { // the header line and the problem: no repeated prefix
		t.Errorf("the file is named more than twice:\n%s", errs)
	}
	code, _, errs = runChiso(t, "--db", db, "import", dup)
	if code != 1 || !strings.Contains(errs, "không nhập gì, 1 lỗi") || !strings.Contains(errs, "ở dòng 2") {
		t.Errorf("exit %d, Vietnamese errors:\n%s", code, errs)
	}
	if code, hist, _ := runChiso(t, "--db", db, "history", "bts_stations", "DB"); code == 0 {
		t.Errorf("a row of the refused file was stored:\n%s", hist)
	}
	// A wide file naming the same row twice.
	wide := filepath.Join(dir, "wide.csv")
	os.WriteFile(wide, []byte("indicator,area,2022,2023\nbts_stations,DB,2.500,2.600\nbts_stations,DB,2.500,2.700\n"), 0o644)
	code, _, errs = runChiso(t, "--db", db, "import", "--lang", "en", wide)
	if code != 1 || !strings.Contains(errs, `wide.csv:3:4: value "2.700": a second figure for bts_stations DB 2023 in this file: 2,700 here, 2,600 at line 2`) {
		t.Errorf("exit %d, errors:\n%s", code, errs)
	}
}

// TestFlagsAfterTheFileName: flags typed after the file name are read as
// flags, so a dry run stays dry and the declared locale holds.
func TestFlagsAfterTheFileName(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "f.db")
	mustChiso(t, "--db", db, "init", "--sample")
	en := filepath.Join(dir, "en.csv")
	os.WriteFile(en, []byte("indicator,area,period,value\nict_revenue,DB,2019,1307.25\n"), 0o644)
	out := mustChiso(t, "--db", db, "import", en, "--dry-run", "--locale", "en")
	if !strings.Contains(out, "would import") {
		t.Errorf("not a dry run:\n%s", out)
	}
	if code, hist, _ := runChiso(t, "--db", db, "history", "ict_revenue", "DB"); code == 0 {
		t.Errorf("the dry run stored something:\n%s", hist)
	}
	mustChiso(t, "--db", db, "import", en, "--locale", "en")
	if hist := mustChiso(t, "--db", db, "history", "ict_revenue", "DB", "--locale", "en"); !strings.Contains(hist, "1,307.25") {
		t.Errorf("history:\n%s", hist)
	}
	if code, _, errs := runChiso(t, "--db", db, "import", "--", "--locale"); code != 1 || !strings.Contains(errs, "--locale") {
		t.Errorf("after --, a file named --locale: exit %d %s", code, errs)
	}
}

// TestCatalogueImportBounds: a bounds file names indicators the database
// already holds; one naming an unknown indicator imports nothing.
func TestCatalogueImportBounds(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	mustChiso(t, "--db", db, "init")
	good, bad := filepath.Join(dir, "bounds.csv"), filepath.Join(dir, "bad.csv")
	overlap := filepath.Join(dir, "overlap.csv")
	writeTestFile(t, good, "indicator,min,max,valid_from,valid_to\ndti_digital_infrastructure_rank,1,34,2025-07-01,2029-12-31\n"+
		"dti_digital_infrastructure_rank,1,30,2030-01-01,\n")
	writeTestFile(t, bad, "indicator,min,max,valid_from,valid_to\nno_such_rank,1,30,,\n")
	// Overlapping the stored range valid to 2029-12-31 from 2029-06-01.
	writeTestFile(t, overlap, "indicator,min,max,valid_from,valid_to\ndti_digital_infrastructure_rank,1,20,2029-06-01,\n")
	if out := mustChiso(t, "--db", db, "catalogue", "import", good); !strings.Contains(out, "2 entries added or changed") {
		t.Errorf("import of two bounds: %s", out)
	}
	code, _, errs := runChiso(t, "--db", db, "catalogue", "import", overlap)
	if code != 1 || !strings.Contains(errs, "overlaps the one from 2029-06-01") {
		t.Errorf("overlap: exit %d, stderr %s", code, errs)
	}
	code, _, errs = runChiso(t, "--db", db, "catalogue", "import", bad)
	if code != 1 || !strings.Contains(errs, `unknown indicator "no_such_rank"`) {
		t.Errorf("exit %d, stderr %s", code, errs)
	}
}
