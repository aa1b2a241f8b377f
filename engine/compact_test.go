package engine

import (
	"context"
	"testing"

	"github.com/chiso-vn/chiso"
)

// TestSharedColumnsAreCopiedOnWrite loads series that share periods,
// qualifiers, methods, sources and revisions, then revises one cell: the
// other series must not see it.
func TestSharedColumnsAreCopiedOnWrite(t *testing.T) {
	var src sliceSource
	id := int64(0)
	for _, area := range []string{"Q1", "Q2", "Q3"} {
		for _, p := range []string{"2022", "2023", "2024"} {
			id++
			o := obs("a", area, p, 10, 1, id)
			o.Source, o.Method, o.Qualifier = "report", "gso", chiso.Estimate
			src = append(src, o)
		}
	}
	e := newEngine(t, testGroups())
	if err := e.Load(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	q1, q2 := e.ix.cols[e.ix.seriesOf("a")["Q1"]], e.ix.cols[e.ix.seriesOf("a")["Q2"]]
	if &q1.keys[0] != &q2.keys[0] || &q1.sources[0] != &q2.sources[0] || q1.shared == 0 {
		t.Fatal("series with the same periods and source do not share them")
	}
	revised := obs("a", "Q2", "2023", 99, 2, 100)
	revised.Source, revised.Qualifier = "correction", chiso.Exact
	e.Add(revised, obs("a", "Q3", "2025", 7, 1, 101))
	for _, tt := range []struct {
		area   string
		n, i   int
		value  float64
		source string
		qual   chiso.Qualifier
		method string
	}{
		{"Q1", 3, 1, 10, "report", chiso.Estimate, "gso"},
		{"Q2", 3, 1, 99, "correction", chiso.Exact, ""},
		{"Q2", 3, 2, 10, "report", chiso.Estimate, "gso"},
		{"Q3", 4, 3, 7, "src-Q3", chiso.Exact, ""},
		{"Q3", 4, 1, 10, "report", chiso.Estimate, "gso"},
	} {
		s := e.ix.view("a", tt.area)
		if s.Len() != tt.n || s.Value(tt.i) != tt.value || s.Source(tt.i) != tt.source ||
			s.Qualifier(tt.i) != tt.qual || s.Method(tt.i) != tt.method {
			t.Errorf("%s point %d: len %d value %v source %q qualifier %s method %q; want len %d value %v source %q qualifier %s method %q",
				tt.area, tt.i, s.Len(), s.Value(tt.i), s.Source(tt.i), s.Qualifier(tt.i), s.Method(tt.i),
				tt.n, tt.value, tt.source, tt.qual, tt.method)
		}
	}
}
