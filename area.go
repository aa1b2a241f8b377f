package chiso

import (
	"fmt"
	"time"
)

// AreaLevel is the administrative level of an area.
type AreaLevel string

// The administrative levels. The district level ended on 2025-07-01.
const (
	LevelCountry  AreaLevel = "country"
	LevelProvince AreaLevel = "province"
	LevelDistrict AreaLevel = "district"
	LevelCommune  AreaLevel = "commune"
)

// Valid reports whether l is a known level.
func (l AreaLevel) Valid() bool {
	switch l {
	case LevelCountry, LevelProvince, LevelDistrict, LevelCommune:
		return true
	}
	return false
}

// Area is an administrative unit for which indicators are reported. Areas
// come and go: on 2025-07-01 the 63 provinces became 34, so the new Phú Thọ
// (PT25) is another area than the old one (PT).
type Area struct {
	Code    string    // stable identifier, e.g. PT, PT25
	Name    string    // Vietnamese name
	Level   AreaLevel // country, province, district or commune
	Parent  string    // code of the enclosing area; empty for the country
	GSOCode string    // the statistics office's code; empty if none
	// Aliases are other names departments write for the area (TP. Hồ Chí
	// Minh, Tỉnh Điện Biên), matched like Name when a file names an area;
	// nil means none.
	Aliases []string
	// ValidFrom is the first day the area existed; zero means always.
	ValidFrom time.Time
	// ValidTo is the last day the area existed; zero means it still exists.
	ValidTo time.Time
}

// ExistedOn reports whether the area existed on the calendar date of t.
func (a Area) ExistedOn(t time.Time) bool {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return (a.ValidFrom.IsZero() || !d.Before(a.ValidFrom)) && (a.ValidTo.IsZero() || !d.After(a.ValidTo))
}

// Overlaps reports whether the area existed for at least part of p: a value
// may be reported for such a period.
func (a Area) Overlaps(p Period) bool {
	last := p.End().AddDate(0, 0, -1)
	return (a.ValidFrom.IsZero() || !last.Before(a.ValidFrom)) && (a.ValidTo.IsZero() || !p.Start().After(a.ValidTo))
}

// HoldsAt reports whether a figure for p belongs to the area: whether the
// area exists on the last day of p. Statistics offices report a period for
// the territory as it is at the period's end, so a province created on
// 2025-07-01 reports the whole of 2025 (and no 2025-H1), and one dissolved
// that day reports up to 2025-H1 and nothing ending later.
func (a Area) HoldsAt(p Period) bool {
	return a.ExistedOn(p.End().AddDate(0, 0, -1))
}

// Covers reports whether the area existed for the whole of p: only then can
// a value for p be expected of it.
func (a Area) Covers(p Period) bool {
	return a.ExistedOn(p.Start()) && a.ExistedOn(p.End().AddDate(0, 0, -1))
}

// Validate reports the first thing wrong with the entry.
func (a Area) Validate() error {
	switch {
	case a.Code == "":
		return fmt.Errorf("area has no code")
	case !a.Level.Valid():
		return fmt.Errorf("area %s: unknown level %q (want country, province, district or commune)", a.Code, a.Level)
	case !a.ValidFrom.IsZero() && !a.ValidTo.IsZero() && a.ValidTo.Before(a.ValidFrom):
		return fmt.Errorf("area %s: valid_to %s before valid_from %s", a.Code, a.ValidTo.Format(time.DateOnly), a.ValidFrom.Format(time.DateOnly))
	}
	return nil
}

// LineageKind is how an area became another.
type LineageKind string

// The lineage kinds.
const (
	Merge  LineageKind = "merge"  // several areas became one (From is one of them)
	Split  LineageKind = "split"  // one area became several (To is one of them)
	Rename LineageKind = "rename" // the same territory under a new code or name
)

// Lineage links an area to its successor, so that a check can compare a
// merged province with the sum of its predecessors.
type Lineage struct {
	From, To  string      // area codes
	Effective time.Time   // the first day of To
	Kind      LineageKind // merge, split or rename
}
