package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
)

// TestCurrentPageWalksEveryCellOnce: following the positions page after
// page returns what Current returns, each cell once at its current
// revision, whatever the page size and filter.
func TestCurrentPageWalksEveryCellOnce(t *testing.T) {
	db := openTest(t, 3, 2)
	mustImport(t, db, synth.Grid(3, 2, 6, 0))
	year := chiso.Observation{Indicator: synth.IndicatorCode(0), Area: synth.AreaCode(0), Period: chiso.Period{Kind: chiso.Year, Year: 2020}, Value: 1}
	revised := synth.Grid(1, 1, 2, 100) // two cells revised
	mustImport(t, db, append(revised, year))
	m := func(n int) chiso.Period { return chiso.Period{Kind: chiso.Month, Year: 2020, N: n} }
	filters := []Filter{{}, {Indicators: []string{synth.IndicatorCode(1)}}, {Areas: []string{synth.AreaCode(0), synth.AreaCode(2)}},
		{From: m(3)}, {To: m(2)}, {Areas: []string{"nowhere"}}}
	for _, f := range filters {
		want, err := db.Current(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []int{1, 2, 5, 7, 100} {
			t.Run(fmt.Sprintf("%+v/%d", f, size), func(t *testing.T) {
				seen := map[string]chiso.Observation{}
				var pos Position
				for pages := 0; ; pages++ {
					obs, last, more, err := db.CurrentPage(context.Background(), f, pos, size)
					if err != nil {
						t.Fatal(err)
					}
					if len(obs) > size || more && len(obs) < size {
						t.Fatalf("page %d: %d observations of %d, more %v", pages, len(obs), size, more)
					}
					for i, o := range obs {
						k := o.Indicator + "/" + o.Area + "/" + o.Period.String()
						if _, dup := seen[k]; dup {
							t.Fatalf("%s returned twice", k)
						}
						seen[k] = o
						if i > 0 && obs[i-1].Indicator == o.Indicator && obs[i-1].Area == o.Area && !obs[i-1].Period.Before(o.Period) {
							t.Errorf("out of order: %s before %s", obs[i-1].Period, o.Period)
						}
					}
					if !more {
						break
					}
					pos = last
				}
				if len(seen) != len(want) {
					t.Fatalf("pages hold %d observations, Current %d", len(seen), len(want))
				}
				for _, w := range want {
					got := seen[w.Indicator+"/"+w.Area+"/"+w.Period.String()]
					if got.ID != w.ID || got.Value != w.Value || got.Source != w.Source || !got.IngestedAt.Equal(w.IngestedAt) {
						t.Errorf("%s %s %s: page has %+v, Current %+v", w.Indicator, w.Area, w.Period, got, w)
					}
				}
			})
		}
	}
}

// TestCurrentPageQueryStartsAtTheCursor: the page's query seeks to the
// cursor's series (or each series of the filter) by key and never sorts
// the figures: a page does not read the store from its start.
func TestCurrentPageQueryStartsAtTheCursor(t *testing.T) {
	db := openTest(t, 2, 2)
	mustImport(t, db, synth.Grid(2, 2, 3, 0))
	for _, f := range []Filter{{}, {Indicators: []string{synth.IndicatorCode(1)}, Areas: []string{synth.AreaCode(0)}}} {
		q, args := pageQuery(f, 2)
		rows, err := db.read.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		// unfiltered: a seek to the cursor's series; filtered: a seek to
		// each chosen series, in id order
		if !strings.Contains(text, "SEARCH sc USING INTEGER PRIMARY KEY (rowid") || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("filter %+v: plan\n%s", f, text)
		}
	}
}
