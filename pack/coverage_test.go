package pack

import (
	"math"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"slices"
	"testing"

	"github.com/chiso-vn/chiso"

	"github.com/chiso-vn/chiso/rules"
)

// unwatched lists, per concern, the catalogue indicators the pack
// deliberately does not watch, each with the reason. An indicator added to
// the catalogue must be watched or listed here.
var unwatched = map[string]map[string]string{
	"change": {
		"communes": "the 2025 reform cut communes from about 10,600 to 3,321: every merged province would fall by two thirds; " +
			"the consistency rules compare the counts of communes with it",
		"communes_fixed_broadband":  "a count of communes: the 2025 reform makes it fall with communes; checked against communes by consistency",
		"commune_radio_stations":    "a count of communes: the 2025 reform makes it fall with communes; checked against communes and its share by consistency",
		"commune_radio_stations_it": "a count of communes: the 2025 reform makes it fall with communes; checked against communes and its share by consistency",
		"dti_digital_infrastructure_rank": "a rank moves by tens of places between years, and runs 1–63 before the merger and 1–34 after it; " +
			"range (with the bounds of each period) and freshness watch it",
	},
}

// TestEveryIndicatorWatched: every indicator of the catalogue is covered by
// a range rule, a scale rule, and a change or monotonic rule of the pack,
// or is listed in unwatched with a reason; and nothing listed there is
// watched after all.
func TestEveryIndicatorWatched(t *testing.T) {
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	groups, err := rules.Load(FS(), Patterns, cat)
	if err != nil {
		t.Fatal(err)
	}
	concerns := map[string][]string{"range": {"range"}, "scale": {"scale"}, "change": {"change", "monotonic"}}
	watched := map[string]map[string]bool{}
	for _, g := range groups {
		for _, r := range g.Rules {
			for concern, kinds := range concerns {
				if !slices.Contains(kinds, r.Check) {
					continue
				}
				if watched[concern] == nil {
					watched[concern] = map[string]bool{}
				}
				for _, code := range r.Indicators {
					watched[concern][code] = true
				}
			}
		}
	}
	for concern := range concerns {
		for _, ind := range cat.Indicators {
			reason, listed := unwatched[concern][ind.Code]
			switch w := watched[concern][ind.Code]; {
			case w && listed:
				t.Errorf("%s is listed as not watched for %s, but a rule watches it", ind.Code, concern)
			case !w && !listed:
				t.Errorf("no %s rule watches %s (%s, additive %t): add it to a rule or to unwatched with the reason", concern, ind.Code, ind.Kind, ind.Additive)
			case listed && reason == "":
				t.Errorf("%s is not watched for %s without a reason", ind.Code, concern)
			}
		}
		for code := range unwatched[concern] {
			if _, ok := cat.Indicator(code); !ok {
				t.Errorf("unwatched %s lists %s, which the catalogue does not have", concern, code)
			}
		}
	}
}

// TestNewCountIsWatched: a count added to a catalogue is watched for change
// by the catch-all rule without editing the pack.
func TestNewCountIsWatched(t *testing.T) {
	cat, err := samplecat.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	cat.Indicators = append(cat.Indicators, chiso.Indicator{Code: "smart_city_kiosks", NameVI: "Số ki-ốt đô thị thông minh",
		NameEN: "Smart-city kiosks", Unit: "unit", Kind: chiso.KindCount, Additive: true, Min: 0, Max: math.NaN()})
	groups, err := rules.Load(FS(), Patterns, cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.Alert == "CountChangeImplausible" {
				if !slices.Contains(r.Indicators, "smart_city_kiosks") {
					t.Fatalf("CountChangeImplausible reads %v, not the new count", r.Indicators)
				}
				return
			}
		}
	}
	t.Fatal("no CountChangeImplausible rule")
}
