package chiso

import (
	"fmt"
	"time"
)

// Op is the comparator of a target.
type Op string

// The comparators. ≈ is written "~=" in files too.
const (
	OpGE     Op = ">="
	OpGT     Op = ">"
	OpLE     Op = "<="
	OpLT     Op = "<"
	OpApprox Op = "≈"
)

// ParseOp reads a comparator: >=, >, <=, <, ≈ or ~=.
func ParseOp(s string) (Op, error) {
	switch Op(s) {
	case OpGE, OpGT, OpLE, OpLT, OpApprox:
		return Op(s), nil
	case "~=":
		return OpApprox, nil
	}
	return "", fmt.Errorf("unknown comparator %q (want >=, >, <=, < or ≈)", s)
}

// Holds reports whether value v meets the target value t under the
// comparator; for ≈ within the relative tolerance tol (0.01 is 1%).
func (op Op) Holds(v, t, tol float64) bool {
	switch op {
	case OpGE:
		return v >= t
	case OpGT:
		return v > t
	case OpLE:
		return v <= t
	case OpLT:
		return v < t
	case OpApprox:
		d := v - t
		if d < 0 {
			d = -d
		}
		if t < 0 {
			t = -t
		}
		return d <= tol*t
	}
	return false
}

// AnyArea is the area of a national target: it applies to every area that
// has no target of its own for the same indicator and deadline.
const AnyArea = "*"

// Target is a value an indicator must reach by a deadline.
type Target struct {
	Indicator string
	Area      string // an area code, or AnyArea
	Period    Period // the deadline: the period whose value must meet it
	Op        Op
	Value     float64 // in the indicator's canonical unit
	Source    string  // the decision that set it, e.g. Quyết định 749/QĐ-TTg
	// DescriptionVI and DescriptionEN say what the target asks, in each
	// language ("80% dịch vụ công trực tuyến mức độ 4 vào năm 2025");
	// empty when the catalogue gives none.
	DescriptionVI, DescriptionEN string
	// ValidFrom and ValidTo are the first and last days the target is in
	// force (a target set for 63 provinces, replaced after the 2025
	// merger); zero means no limit on that side. A target applies only if
	// it is in force on its deadline's last day (InForce).
	ValidFrom, ValidTo time.Time
}

// InForce reports whether the target is in force on its deadline's last
// day, the day its figure describes: only then does it apply.
func (t Target) InForce() bool {
	d := t.Period.End().AddDate(0, 0, -1)
	return (t.ValidFrom.IsZero() || !d.Before(t.ValidFrom)) && (t.ValidTo.IsZero() || !d.After(t.ValidTo))
}

// Description returns what the target asks in the language ("vi" or
// "en"); empty when the catalogue says nothing in it.
func (t Target) Description(lang string) string {
	if lang == "en" {
		return t.DescriptionEN
	}
	return t.DescriptionVI
}
