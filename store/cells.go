package store

import "sort"

// cells is the current cells of one series, sorted by period key. Files
// usually list a series' periods in order, so a new cell is most often
// appended; a slice then beats a map in time and memory.
type cells []cell

// find returns the index of the cell for period, or where it would go, and
// whether it is there.
func (cs cells) find(period int32) (int, bool) {
	n := len(cs)
	if n == 0 || cs[n-1].period < period {
		return n, false
	}
	i := sort.Search(n, func(i int) bool { return cs[i].period >= period })
	return i, i < n && cs[i].period == period
}

// at returns the cell at index i, or the zero cell past the end.
func (cs cells) at(i int) cell {
	if i < len(cs) {
		return cs[i]
	}
	return cell{}
}

// put stores c at index i, replacing the cell there when exists.
func (cs *cells) put(i int, exists bool, c cell) {
	switch {
	case exists:
		(*cs)[i] = c
	case i == len(*cs):
		*cs = append(*cs, c)
	default:
		*cs = append(*cs, cell{})
		copy((*cs)[i+1:], (*cs)[i:])
		(*cs)[i] = c
	}
}

// spareCells keeps the cell slices of evicted series for the next ones, so
// that after the first eviction an import allocates no more of them.
type spareCells struct{ free []cells }

// take returns an empty slice, reusing a spare one when there is one.
func (s *spareCells) take() cells {
	if n := len(s.free); n > 0 {
		c := s.free[n-1]
		s.free = s.free[:n-1]
		return c[:0]
	}
	return nil
}

// give keeps a slice for reuse.
func (s *spareCells) give(c cells) {
	if cap(c) > 0 {
		s.free = append(s.free, c)
	}
}
