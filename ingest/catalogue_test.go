package ingest

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
)

func TestSampleCatalogue(t *testing.T) {
	cat := sampleCat(t)
	if len(cat.Indicators) != 45 || len(cat.Areas) != 9 || len(cat.Lineage) != 5 || len(cat.Targets) != 7 {
		t.Fatalf("read %d indicators, %d areas, %d lineage, %d targets; want 45, 9, 5, 7",
			len(cat.Indicators), len(cat.Areas), len(cat.Lineage), len(cat.Targets))
	}
	bts, _ := cat.Indicator("bts_sites")
	if bts.Min != 0 || !math.IsNaN(bts.Max) || !bts.Additive || bts.Kind != chiso.KindCount || bts.Unit != "site" {
		t.Errorf("bts_sites = %+v", bts)
	}
	pt, _ := cat.Area("PT")
	if !pt.ValidFrom.Equal(time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC)) || !pt.ValidTo.Equal(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)) || pt.GSOCode != "25" {
		t.Errorf("PT = %+v", pt)
	}
	if vn, _ := cat.Area("VN"); !vn.ValidFrom.IsZero() || !vn.ValidTo.IsZero() || vn.Level != chiso.LevelCountry {
		t.Errorf("VN = %+v", vn)
	}
	if got := cat.TargetsFor("digital_economy_share", "PT"); len(got) != 2 || got[1].Value != 30 || got[1].Op != chiso.OpGE {
		t.Errorf("digital economy targets = %+v", got)
	}
	// ranks run 1–63 until the 2025 merger and 1–34 after it
	dti, _ := cat.Indicator("dti_digital_infrastructure_rank")
	for _, tt := range []struct {
		period string
		max    float64
	}{{"2024", 63}, {"2025-H1", 63}, {"2025", 34}, {"2026-Q1", 34}} {
		if got := dti.At(chiso.MustParsePeriod(tt.period)); got.Min != 1 || got.Max != tt.max {
			t.Errorf("DTI rank bounds for %s = %g–%g, want 1–%g", tt.period, got.Min, got.Max, tt.max)
		}
	}
}

// TestReadCatalogueValidity: bounds and targets carry the days they are
// valid, and a file without them loads as before.
func TestReadCatalogueValidity(t *testing.T) {
	cat := &chiso.Catalogue{}
	for name, text := range map[string]string{
		"bounds.csv":  "indicator,min,max,valid_from,valid_to\nrank,1,63,,2025-06-30\nrank,1,,2025-07-01,\n",
		"targets.csv": "indicator,area,period,op,value,source,valid_from,valid_to\nrank,*,2025,<=,20,NQ,,2025-06-30\nrank,*,2026,<=,10,NQ,2025-07-01,\n",
	} {
		if err := ReadCatalogue(name, strings.NewReader(text), cat); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	merger := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	if len(cat.Bounds) != 2 || !cat.Bounds[0].ValidFrom.IsZero() || !cat.Bounds[0].ValidTo.Equal(merger.AddDate(0, 0, -1)) ||
		cat.Bounds[0].Max != 63 || !cat.Bounds[1].ValidFrom.Equal(merger) || !math.IsNaN(cat.Bounds[1].Max) {
		t.Errorf("bounds = %+v", cat.Bounds)
	}
	if len(cat.Targets) != 2 || cat.Targets[0].InForce() || !cat.Targets[1].InForce() {
		t.Errorf("targets = %+v: want the first not in force at its 2025 deadline, the second in force", cat.Targets)
	}
}

func TestReadCatalogueErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"indicators.csv", "code,name_vi,name_en,unit,kind,additive,min,max,method\n" +
			"a,A,A,site,count,true,0,,\n" +
			"b,B,B,site,counts,true,0,,\n" +
			"c,C,C,site,count,maybe,zero,,\n" +
			"a,A,A,site,count,true,0,,\n" +
			"d,D,D,percent,percent,false,100,0,\n", []string{
			`indicators.csv:3:1: code "b": indicator b: unknown kind "counts"`,
			`indicators.csv:4:6: additive "maybe": want true or false`,
			`indicators.csv:4:7: min "zero": want a plain number or nothing`,
			`indicators.csv:5:1: code "a": duplicate indicator`,
			`indicators.csv:6:1: code "d": indicator d: min 100 above max 0`,
		}},
		{"areas.csv", "code,name_vi,level,parent,gso_code,valid_from,valid_to\n" +
			"X,X,region,,,,\n" +
			"Y,Y,province,,,01/07/2025,\n" +
			"Z,Z,province,,,2025-07-01,2025-06-30\n", []string{
			`areas.csv:2:1: code "X": area X: unknown level "region"`,
			`areas.csv:3:6: valid_from "01/07/2025": want a date YYYY-MM-DD`,
			`areas.csv:4:1: code "Z": area Z: valid_to 2025-06-30 before valid_from 2025-07-01`,
		}},
		{"lineage.csv", "from,to,effective,kind\nA,B,2025-07-01,absorb\nA,B,,merge\n", []string{
			`lineage.csv:2:4: kind "absorb": want merge, split or rename`,
			`lineage.csv:3:3: effective "": want the first day`,
		}},
		{"targets.csv", "indicator,area,period,op,value,source\nx,*,2025-H3,=>,80%,Q\n", []string{
			`targets.csv:2:3: period "2025-H3": invalid period`,
			`targets.csv:2:4: op "=>": unknown comparator`,
			`targets.csv:2:5: value "80%": want a plain number`,
		}},
		{"targets.csv", "indicator,area,period,op,value,source,valid_from,valid_to\nx,*,2025,>=,80,Q,2025-07-01,2025-06-30\nx,*,2025,>=,80,Q,1/7/2025,\n", []string{
			`targets.csv:2:8: valid_to "2025-06-30": valid_to is before valid_from 2025-07-01`,
			`targets.csv:3:7: valid_from "1/7/2025": want a date YYYY-MM-DD`,
		}},
		{"bounds.csv", "indicator,min,max,valid_from,valid_to\n,1,34,2025-07-01,\nr,one,34,,\nr,34,1,,\nr,1,34,2025-07-01,2024-12-31\n", []string{
			`bounds.csv:2:1: indicator "": bounds need an indicator`,
			`bounds.csv:3:2: min "one": want a plain number or nothing`,
			`bounds.csv:4:3: max "1": max is below min 34`,
			`bounds.csv:5:5: valid_to "2024-12-31": valid_to is before valid_from 2025-07-01`,
		}},
		{"other.csv", "a,b\n1,2\n", []string{`other.csv:1: header "a,b" is none of the catalogue formats`}},
		{"indicators.csv", "code,name_vi,name_en,unit,kind,additive,min,max,colour\n", []string{`indicators.csv:1: unknown column "colour"`}},
	}
	for _, tt := range tests {
		cat := &chiso.Catalogue{Indicators: []chiso.Indicator{{Code: "keep", Unit: "x", Kind: chiso.KindCount}}}
		err := ReadCatalogue(tt.name, strings.NewReader(tt.text), cat)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		lines := strings.Split(Message(err, "en"), "\n")
		if len(lines) != len(tt.want) {
			t.Errorf("%s: %d errors, want %d:\n%v", tt.name, len(lines), len(tt.want), err)
		}
		for i := 0; i < len(lines) && i < len(tt.want); i++ {
			if !strings.HasPrefix(lines[i], tt.want[i]) {
				t.Errorf("%s error %d = %s\nwant prefix %s", tt.name, i, lines[i], tt.want[i])
			}
		}
		if len(cat.Indicators) != 1 || len(cat.Areas)+len(cat.Lineage)+len(cat.Targets)+len(cat.Bounds) != 0 {
			t.Errorf("%s: a file with errors changed the catalogue: %+v", tt.name, cat)
		}
	}
}

func TestReadCatalogueAppendsAndDuplicatesAcrossFiles(t *testing.T) {
	cat := &chiso.Catalogue{}
	ind := "code,name_vi,name_en,unit,kind,additive,min,max\nx,X,X,site,count,true,,\n"
	if err := ReadCatalogue("a.csv", strings.NewReader(ind), cat); err != nil || len(cat.Indicators) != 1 {
		t.Fatalf("first file: %v, %d indicators", err, len(cat.Indicators))
	}
	err := ReadCatalogue("b.csv", strings.NewReader(ind), cat)
	if err == nil || !strings.Contains(Message(err, "en"), `b.csv:2:1: code "x": duplicate indicator`) || !strings.Contains(err.Error(), "chỉ tiêu bị trùng") {
		t.Errorf("second file: %v", err)
	}
}

func TestValidateCatalogue(t *testing.T) {
	cat := sampleCat(t)
	cat.Areas = append(cat.Areas, chiso.Area{Code: "HN", Level: chiso.LevelProvince, Parent: "ASEAN"})
	cat.Lineage = append(cat.Lineage, chiso.Lineage{From: "HT", To: "PT25", Kind: chiso.Merge})
	cat.Targets = append(cat.Targets, chiso.Target{Indicator: "gdp", Area: "*"}, chiso.Target{Indicator: "bts_sites", Area: "QQ"})
	err := ValidateCatalogue(cat)
	want := []string{
		`area HN: unknown parent "ASEAN"`,
		`lineage HT→PT25: unknown area "HT"`,
		`unknown indicator "gdp"`,
		`unknown area "QQ"`,
	}
	for _, w := range want {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("ValidateCatalogue = %v, want %s", err, w)
		}
	}
	if err != nil && strings.Count(err.Error(), "\n") != len(want)-1 {
		t.Errorf("want %d problems:\n%v", len(want), err)
	}
}

func TestReadCatalogueAliases(t *testing.T) {
	var cat chiso.Catalogue
	inds := "code,name_vi,name_en,unit,kind,additive,min,max,aliases\n" +
		"bts_stations,Số trạm BTS,BTS stations,station,count,true,0,,Trạm BTS; Số trạm thu phát sóng ;\n" +
		"bts_sites,Số vị trí trạm BTS,BTS sites,site,count,true,0,,\n"
	areas := "code,name_vi,level,parent,gso_code,valid_from,valid_to,aliases\n" +
		"HCM,Hồ Chí Minh,province,,79,,,Thành phố Hồ Chí Minh;TP. Hồ Chí Minh;TP.HCM;TP HCM;Sài Gòn\n"
	if err := ReadCatalogue("indicators.csv", strings.NewReader(inds), &cat); err != nil {
		t.Fatal(err)
	}
	if err := ReadCatalogue("areas.csv", strings.NewReader(areas), &cat); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cat.Indicators[0].Aliases, "|"); got != "Trạm BTS|Số trạm thu phát sóng" {
		t.Errorf("bts_stations aliases = %q", cat.Indicators[0].Aliases)
	}
	if cat.Indicators[1].Aliases != nil {
		t.Errorf("bts_sites aliases = %#v, want nil", cat.Indicators[1].Aliases)
	}
	names := NewNames(&cat)
	for _, s := range []string{"Hồ Chí Minh", "Thành phố Hồ Chí Minh", "tp hcm", "Sài Gòn", "HCM"} {
		if a, err := names.Area(s, chiso.Period{}); err != nil || a.Code != "HCM" {
			t.Errorf("Area(%q) = %s, %v", s, a.Code, err)
		}
	}
}

// TestBoundsOverlapAndEmptyRows: two ranges of one indicator valid on the
// same day are refused (which applies would depend on reading order), and
// so is a row with neither min nor max (it would lift the bounds).
func TestBoundsOverlapAndEmptyRows(t *testing.T) {
	cat, err := sampleCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	src := "indicator,min,max,valid_from,valid_to\n" +
		"dti_digital_infrastructure_rank,1,63,2020-01-01,2025-12-31\n" // overlaps the sample's 1–34 from 2025-07-01
	if err := ReadCatalogue("b.csv", strings.NewReader(src), cat); err != nil {
		t.Fatal(err)
	}
	if err := ValidateCatalogue(cat); err == nil || !strings.Contains(err.Error(), "overlaps the one from 2025-07-01") {
		t.Errorf("overlap: %v", err)
	}
	empty := "indicator,min,max,valid_from,valid_to\ndti_digital_infrastructure_rank,,,2026-01-01,\n"
	if err := ReadCatalogue("e.csv", strings.NewReader(empty), &chiso.Catalogue{}); err == nil || !strings.Contains(err.Error(), "e.csv:2") {
		t.Errorf("a row with neither min nor max: %v", err)
	}
}

// TestCatalogueRepeatsAndLinks: a source described twice, a link that is
// not a web address and a second target for the same deadline are refused
// at their line.
func TestCatalogueRepeatsAndLinks(t *testing.T) {
	for name, src := range map[string]string{
		"sources.csv:3": "id,title,url\nabc,One,\nabc,Two,\n",
		"links.csv:2":   "id,title,url\nabc,One,javascript:alert(1)\n",
		"targets.csv:3": "indicator,area,period,op,value,source\nonline_dossier_rate,*,2025,>=,90,QĐ X\nonline_dossier_rate,*,2025,>=,70,QĐ Y\n",
	} {
		file, _, _ := strings.Cut(name, ":")
		cat, err := sampleCatalogue()
		if err != nil {
			t.Fatal(err)
		}
		cat.Sources, cat.Targets = nil, nil
		if err := ReadCatalogue(file, strings.NewReader(src), cat); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
