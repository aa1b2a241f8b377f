package checks

import (
	"math"
	"math/bits"
	"sort"
)

// quantileSelect returns the q-quantile of xs by linear interpolation
// between order statistics (type 7, the default of R and NumPy), and may
// reorder xs: it finds the two order statistics it needs by selection, and
// returns what sorting would give, to the bit.
func quantileSelect(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	nan, plain := classify(xs)
	if nan { // order them as quantile does
		sort.Float64s(xs)
		h := q * float64(len(xs)-1)
		i := int(h)
		if i+1 >= len(xs) {
			return xs[len(xs)-1]
		}
		return xs[i] + (h-float64(i))*(xs[i+1]-xs[i])
	}
	return quantileFrom(xs, 0, q, plain)
}

// classify reports whether xs holds a NaN, and whether it is plain: only
// finite numbers and no negative zero, which nthPlain needs.
func classify(xs []float64) (nan, plain bool) {
	plain = true
	for _, x := range xs {
		if x-x != 0 { // NaN or an infinity
			if x != x {
				return true, false
			}
			plain = false
		} else if math.Float64bits(x) == 1<<63 {
			plain = false
		}
	}
	return false, plain
}

// copyPlain copies src into dst, as long, and reports whether the values
// are plain (what classify says).
func copyPlain(dst, src []float64) bool {
	plain := true
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = x
		if x-x != 0 || math.Float64bits(x) == 1<<63 {
			plain = false
		}
	}
	return plain
}

// quantileFrom is quantileSelect for a non-empty xs without NaNs, whose
// first from values are its smallest, and whose q-quantile lies at or
// after from; plain is what classify says of xs. It leaves the values
// before the quantile's lower order statistic the smallest, so that a
// higher quantile can start there.
func quantileFrom(xs []float64, from int, q float64, plain bool) float64 {
	sel := nth
	if plain {
		sel = nthPlain
	}
	h := q * float64(len(xs)-1)
	i := int(h)
	if i+1 >= len(xs) {
		return sel(xs[from:], len(xs)-1-from)
	}
	a := sel(xs[from:], i-from)
	b := xs[i+1]
	for _, x := range xs[i+2:] {
		if x < b {
			b = x
		}
	}
	return a + (h-float64(i))*(b-a)
}

// nth reorders xs so that xs[k] is the value sorting would put there,
// nothing before it is greater and nothing after it smaller, and returns
// xs[k]. It is Hoare's selection around a median of three; after too many
// rounds (a pathological input) it sorts what is left.
func nth(xs []float64, k int) float64 {
	l, r := 0, len(xs)-1
	for rounds := 2*bits.Len(uint(len(xs))) + 8; r-l > 16; rounds-- {
		if rounds == 0 {
			break
		}
		x := medianOf3(xs[l], xs[l+(r-l)/2], xs[r])
		i, j := l, r
		for i <= j {
			for xs[i] < x {
				i++
			}
			for x < xs[j] {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		if j < k {
			l = i
		}
		if k < i {
			r = j
		}
	}
	if l < r {
		sort.Float64s(xs[l : r+1])
	}
	return xs[k]
}

// nthPlain is nth for plain values (finite, no negative zero), without a
// branch per value: a Lomuto partition that counts the values below the
// pivot by the sign of their difference to it. Those signs are the
// comparisons themselves: the difference of two distinct finite numbers
// is never rounded to zero, and that of equal ones is +0.
func nthPlain(xs []float64, k int) float64 {
	l, r := 0, len(xs) // the part left to select from: [l, r)
	for rounds := 2*bits.Len(uint(len(xs))) + 8; r-l > 16; rounds-- {
		if rounds == 0 { // a pathological input
			sort.Float64s(xs[l:r])
			return xs[k]
		}
		p := medianOf3(xs[l], xs[l+(r-l)/2], xs[r-1])
		j := l // [l, j) holds the values below p, [j, i) the others
		for i := l; i < r; i++ {
			v := xs[i]
			xs[i] = xs[j]
			xs[j] = v
			j += int(math.Float64bits(v-p) >> 63)
		}
		switch {
		case k < j:
			r = j
		case j > l:
			l = j
		default: // p is the least value: gather the values equal to it
			e := l
			for i := l; i < r; i++ {
				v := xs[i]
				xs[i] = xs[e]
				xs[e] = v
				e += int(math.Float64bits(p-v)>>63) ^ 1
			}
			if k < e {
				return xs[k]
			}
			l = e
		}
	}
	insertionSort(xs[l:r])
	return xs[k]
}

// insertionSort sorts a few values.
func insertionSort(xs []float64) {
	for i := 1; i < len(xs); i++ {
		v := xs[i]
		j := i
		for ; j > 0 && v < xs[j-1]; j-- {
			xs[j] = xs[j-1]
		}
		xs[j] = v
	}
}

// medianOf3 returns the middle one of three values.
func medianOf3(a, b, c float64) float64 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	return math.Max(a, b)
}
