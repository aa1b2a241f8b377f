package engine

import (
	"slices"
	"unsafe"

	"github.com/chiso-vn/chiso"
)

// Most series repeat themselves: every province reports the same periods,
// and a series' qualifiers, method, source and revision are mostly one
// value. A loaded column shares such slices with the other columns instead
// of holding its own copy, which takes about a third off the index. Shared
// slices are read-only: their capacity equals their length, so an append or
// insert copies them, and a column writing in place first takes its own
// copy (column.own).

// constLen is the longest column that can share a constant slice.
const constLen = 256

// maxShared bounds the distinct shared slices of each kind, so that data
// with no repetition costs little.
const maxShared = 1 << 14

// constants hands out read-only slices whose entries all equal one value.
type constants[T comparable] struct{ byValue map[T][]T }

// share returns a shared slice equal to s, if s is constant and short.
func (c *constants[T]) share(s []T) ([]T, bool) {
	n := len(s)
	if n == 0 || n > constLen {
		return s, false
	}
	v := s[0]
	for _, x := range s[1:] {
		if x != v {
			return s, false
		}
	}
	full, ok := c.byValue[v]
	if !ok {
		if len(c.byValue) >= maxShared {
			return s, false
		}
		if c.byValue == nil {
			c.byValue = map[T][]T{}
		}
		full = make([]T, constLen)
		for i := range full {
			full[i] = v
		}
		c.byValue[v] = full
	}
	return full[:n:n], true
}

// keySets shares the period keys of columns that cover the same periods.
type keySets struct{ byContent map[string][]int32 }

// share returns a shared slice equal to keys.
func (k *keySets) share(keys []int32) []int32 {
	s, _ := k.shareSeen(keys)
	return s
}

// shareSeen returns a shared slice equal to keys, or a copy of keys
// without spare capacity, and whether an equal slice was shared before.
func (k *keySets) shareSeen(keys []int32) ([]int32, bool) {
	if len(keys) == 0 {
		return keys, false
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(keys))), len(keys)*4)
	if s, ok := k.byContent[string(b)]; ok {
		return s, true
	}
	if k.byContent == nil {
		k.byContent = map[string][]int32{}
	}
	s := exact(keys)
	if len(k.byContent) < maxShared {
		k.byContent[string(b)] = s
	}
	return s, false
}

// sharing holds an index's shared slices.
type sharing struct {
	keys    keySets
	quals   constants[chiso.Qualifier]
	methods constants[uint16]
	sources constants[uint32]
	revs    constants[int32]
}

// The column slices that may be shared and are written in place.
const (
	sharedQuals uint8 = 1 << iota
	sharedMethods
	sharedSources
	sharedRevs
)

// compact makes the column hold no spare capacity and share what it can.
// Slices it already shares stay shared: they are constant and short, so
// sharing them again returns them.
func (sh *sharing) compact(c *column) {
	c.keys = sh.keys.share(c.keys)
	c.values, c.ids = clip(c.values), clip(c.ids)
	c.quals = shareOrClip(&sh.quals, c.quals, &c.shared, sharedQuals)
	c.methods = shareOrClip(&sh.methods, c.methods, &c.shared, sharedMethods)
	c.sources = shareOrClip(&sh.sources, c.sources, &c.shared, sharedSources)
	c.revs = shareOrClip(&sh.revs, c.revs, &c.shared, sharedRevs)
}

// shareOrClip returns a shared slice equal to s, and sets bit in shared,
// or s without spare capacity when it cannot be shared.
func shareOrClip[T comparable](c *constants[T], s []T, shared *uint8, bit uint8) []T {
	if t, ok := c.share(s); ok {
		*shared |= bit
		return t
	}
	return clip(s)
}

// shareOrCopy returns a shared slice equal to s, and sets bit in shared,
// or a copy of s without spare capacity: s is scratch space the caller
// reuses.
func shareOrCopy[T comparable](c *constants[T], s []T, shared *uint8, bit uint8) []T {
	if t, ok := c.share(s); ok {
		*shared |= bit
		return t
	}
	return exact(s)
}

// exact returns a copy of s whose capacity is its length.
func exact[T any](s []T) []T {
	t := make([]T, len(s))
	copy(t, s)
	return t
}

// clip returns s without spare capacity, copying it only when it has much.
func clip[T any](s []T) []T {
	if cap(s)-len(s) <= len(s)/8 {
		return s
	}
	return slices.Clip(slices.Clone(s))
}

// own gives the column its own copy of the slices it writes in place.
func (c *column) own() {
	if c.shared == 0 {
		return
	}
	if c.shared&sharedQuals != 0 {
		c.quals = slices.Clone(c.quals)
	}
	if c.shared&sharedMethods != 0 {
		c.methods = slices.Clone(c.methods)
	}
	if c.shared&sharedSources != 0 {
		c.sources = slices.Clone(c.sources)
	}
	if c.shared&sharedRevs != 0 {
		c.revs = slices.Clone(c.revs)
	}
	c.shared = 0
}
