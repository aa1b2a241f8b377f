package chiso

import "fmt"

// Qualifier says how a published figure relates to the true value: "trên
// 98%" is over 98, "gần 1.900" is nearly 1,900. Checks use it to tell a
// failure from a verdict the data cannot support.
type Qualifier uint8

// The qualifiers. Exact is the zero value.
const (
	Exact       Qualifier = iota // printed as is
	Over                         // trên, hơn: the true value is above
	Nearly                       // gần: the true value is just below
	About                        // khoảng: the true value is near, either side
	Estimate                     // ước, ước đạt, ước tính: an estimate, to be revised
	Preliminary                  // sơ bộ: a preliminary figure, to be revised
	Derived                      // computed by chiso or the importer from other published figures
)

var qualifierNames = [...]string{"exact", "over", "nearly", "about", "estimate", "preliminary", "derived"}

// String returns the qualifier's name: exact, over, nearly, about, estimate,
// preliminary or derived.
func (q Qualifier) String() string {
	if int(q) < len(qualifierNames) {
		return qualifierNames[q]
	}
	return fmt.Sprintf("Qualifier(%d)", q)
}

// ParseQualifier reads a qualifier's name; the empty string is Exact.
func ParseQualifier(s string) (Qualifier, error) {
	if s == "" {
		return Exact, nil
	}
	for i, n := range qualifierNames {
		if n == s {
			return Qualifier(i), nil
		}
	}
	return Exact, fmt.Errorf("unknown qualifier %q (want one of exact, over, nearly, about, estimate, preliminary, derived)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (q Qualifier) MarshalText() ([]byte, error) { return []byte(q.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (q *Qualifier) UnmarshalText(b []byte) error {
	v, err := ParseQualifier(string(b))
	if err == nil {
		*q = v
	}
	return err
}

// Bound says what a qualified figure tells of the true value: whether it is
// a lower bound (over), an upper bound (nearly), or approximately the value.
// Provisional figures (estimate, preliminary) are taken as the value, but a
// verdict on them says so.
func (q Qualifier) Bound() Bound {
	switch q {
	case Over:
		return Lower
	case Nearly:
		return Upper
	case About:
		return Approximate
	}
	return Point
}

// Provisional reports whether the figure is expected to be revised.
func (q Qualifier) Provisional() bool { return q == Estimate || q == Preliminary }

// Bound is what a published figure tells of the true value.
type Bound uint8

// The bounds a qualifier gives.
const (
	Point       Bound = iota // the true value is the figure
	Lower                    // the true value is above the figure
	Upper                    // the true value is (just) below the figure
	Approximate              // the true value is near the figure, either side
)
