package chiso

import "time"

// Observation is one published figure: the value of an indicator for an area
// and a period. Observations are append-only: a correction is a new revision,
// and the latest revision is the current value.
type Observation struct {
	Indicator string    // indicator code
	Area      string    // area code
	Period    Period    // the period the figure covers
	Value     float64   // in the indicator's canonical unit
	Qualifier Qualifier // how the figure relates to the true value
	Raw       string    // the figure as printed, for provenance; empty if none
	Source    string    // where it was published (a file, an article, a URL)
	// ReportedOn is the publication date; zero means unknown.
	ReportedOn time.Time
	// Method tags the measuring method; empty means the indicator's default.
	Method string
	// Revision counts the versions of this (indicator, area, period), from 1;
	// zero means not yet stored.
	Revision int
	// IngestedAt is when the store received this revision; zero if not stored.
	IngestedAt time.Time
	// ID is the store's sequence number for this revision, increasing with
	// every revision stored; zero if not stored.
	ID int64
	// Origin says where in its input file the figure was read, so that an
	// import can name both rows when a file gives one cell two figures.
	// Only the reader that set it can decode it; zero means unknown. It is
	// never stored.
	Origin int64
}

// SeriesKey identifies a series: one indicator for one area.
type SeriesKey struct {
	Indicator string
	Area      string
}

// Key returns the observation's series.
func (o Observation) Key() SeriesKey { return SeriesKey{o.Indicator, o.Area} }

// SameFigure reports whether two observations publish the same figure for
// the same cell: same value, qualifier and method. Re-importing the same
// figure is no revision.
func (o Observation) SameFigure(p Observation) bool {
	return o.Indicator == p.Indicator && o.Area == p.Area && o.Period == p.Period &&
		o.Value == p.Value && o.Qualifier == p.Qualifier && o.Method == p.Method
}
