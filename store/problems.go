package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/chiso-vn/chiso"
)

// maxProblems bounds how many problems an error lists; the rest are counted.
const maxProblems = 50

// Problems collects every problem found in an input, so that one error can
// name them all. The zero value is empty and ready to use; both stores
// share it so that their errors read the same.
type Problems struct {
	list  []string
	extra int // problems found beyond maxProblems, only counted
}

// Addf records a problem, or only counts it once maxProblems are listed.
func (p *Problems) Addf(format string, args ...any) {
	if len(p.list) >= maxProblems {
		p.extra++
		return
	}
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

// Err returns nil when there is no problem, else one error listing them.
func (p *Problems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	msg := strings.Join(p.list, "\n\t")
	if p.extra > 0 {
		msg += fmt.Sprintf("\n\t… and %d more", p.extra)
	}
	if len(p.list) == 1 {
		return errors.New(msg)
	}
	return fmt.Errorf("%d problems:\n\t%s", len(p.list)+p.extra, msg)
}

// errUnknownCodes marks an import that named indicators or areas missing
// from the catalogue.
var errUnknownCodes = errors.New("not in the catalogue")

// Rejects records the observations an import cannot store: those naming an
// indicator or area missing from the catalogue, counted by code, and those
// with an invalid period or value. The zero value is ready to use.
type Rejects struct {
	unknownI map[string]int // rows by unknown indicator code
	unknownA map[string]int // rows by unknown area code
	invalid  Problems
}

// Add records why o cannot be stored; okI and okA say whether its
// indicator and its area are in the catalogue.
func (r *Rejects) Add(o chiso.Observation, okI, okA bool) {
	switch {
	case !okI:
		r.unknownI = count(r.unknownI, o.Indicator)
	case !okA:
		r.unknownA = count(r.unknownA, o.Area)
	case !o.Period.Valid():
		r.invalid.Addf("%s %s: invalid period %v", o.Indicator, o.Area, o.Period)
	default:
		r.invalid.Addf("%s %s %s: value %v is not a finite number", o.Indicator, o.Area, o.Period, o.Value)
	}
}

func count(m map[string]int, code string) map[string]int {
	if m == nil {
		m = map[string]int{}
	}
	m[code]++
	return m
}

// Err returns one error naming every unknown code and invalid figure, or
// nil when nothing was rejected.
func (r *Rejects) Err() error {
	var p Problems
	for _, code := range slices.Sorted(maps.Keys(r.unknownI)) {
		p.Addf("unknown indicator %q (%d rows)", code, r.unknownI[code])
	}
	for _, code := range slices.Sorted(maps.Keys(r.unknownA)) {
		p.Addf("unknown area %q (%d rows)", code, r.unknownA[code])
	}
	// The invalid figures are listed after the codes, whether or not the
	// codes filled the list.
	p.list = append(p.list, r.invalid.list...)
	p.extra += r.invalid.extra
	if err := p.Err(); err != nil {
		if len(r.unknownI)+len(r.unknownA) > 0 {
			return fmt.Errorf("%w: %w", errUnknownCodes, err)
		}
		return err
	}
	return nil
}
