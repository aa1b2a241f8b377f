package chiso

// PeriodKey is the compact integer that identifies a period in storage and
// indexes (Period.Key): year*1000 + kind*100 + n, so 2024 is 2024100,
// 2024-H1 2024201, 2024-Q3 2024303 and 2024-08 2024408. Keys of one kind
// sort in time order, and the like period a year before is 1000 less. Its
// methods are the arithmetic on keys, for the loops over columns of keys
// that should not build a Period for each; they assume a valid key.
type PeriodKey int32

// PeriodKeysPerYear is the span of one year's keys: those of year y are
// from y*PeriodKeysPerYear up to (y+1)*PeriodKeysPerYear, exclusive.
const PeriodKeysPerYear = 1000

// Year returns the key's calendar year.
func (k PeriodKey) Year() int { return int(k / PeriodKeysPerYear) }

// Kind returns the key's period kind.
func (k PeriodKey) Kind() PeriodKind { return PeriodKind(k % PeriodKeysPerYear / 100) }

// N returns the key's half, quarter or month number (0 for a year).
func (k PeriodKey) N() int { return int(k % 100) }

// PreviousLike returns the key of the like period a year before: 2024-H1 →
// 2023-H1, as Period.PreviousLike.
func (k PeriodKey) PreviousLike() PeriodKey { return k - PeriodKeysPerYear }

// IsLike reports whether k and o are like periods: the same kind and
// number in any year (H1 with H1, August with August, a year with a year).
func (k PeriodKey) IsLike(o PeriodKey) bool { return k%PeriodKeysPerYear == o%PeriodKeysPerYear }

// Period returns the period of the key.
func (k PeriodKey) Period() Period {
	return Period{Year: int(k / PeriodKeysPerYear), Kind: PeriodKind(k % PeriodKeysPerYear / 100), N: int(k % 100)}
}

// Order returns a number that sorts as Period.Compare does: by the month
// the period ends, then the longer period first.
func (k PeriodKey) Order() int32 {
	year, kind, n := int32(k/PeriodKeysPerYear), PeriodKind(k%PeriodKeysPerYear/100), int32(k%100)
	months := int32(kind.Months())
	start := year * 12
	if n > 0 {
		start += (n - 1) * months
	}
	return (start+months)*16 + 12 - months
}
