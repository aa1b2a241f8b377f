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
