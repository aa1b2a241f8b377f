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
		if len(cat.Indicators) != 1 || len(cat.Areas)+len(cat.Lineage)+len(cat.Targets) != 0 {
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
