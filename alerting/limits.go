package alerting

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
)

// The limits of matchers and silences, documented in the README's Limits
// table. Fifty silences of 400 KB regular expressions once cost 1.5 GB and
// came back at every start; these keep a silence to kilobytes.
const (
	// MaxMatcherBytes bounds a matcher's value: a label value or a
	// regular expression.
	MaxMatcherBytes = 1 << 10
	// MaxLabelNameBytes bounds a matcher's label name.
	MaxLabelNameBytes = 128
	// MaxRegexpSize bounds the program a regular expression compiles to,
	// in instructions, as estimated before compiling: `[a-z]{1000}` is
	// about 1,000, `(PT|VP){1000}` about 7,000.
	MaxRegexpSize = 2048
	// MaxMatchersSize bounds the programs of a silence's regular
	// expressions together, in the same instructions.
	MaxMatchersSize = 4096
	// MaxMatchers bounds the matchers of a silence, a preview or a filter.
	MaxMatchers = 64
	// MaxCommentBytes bounds a silence's or an acknowledgement's comment.
	MaxCommentBytes = 4 << 10
	// MaxAuthorBytes bounds who created a silence or acknowledged an alert.
	MaxAuthorBytes = 256
)

// regexpSize parses expr and estimates the size of its program, in
// instructions, without expanding its repetitions as compiling does; it
// stops counting at limit+1.
func regexpSize(expr string, limit int) (int, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return 0, err
	}
	return min(progSize(re, limit)+3, limit+1), nil // + fail, match and the unanchored start
}

// progSize counts the instructions Simplify and Compile make of re: x{2,4}
// becomes xx(x(x)?)?, each ? one more instruction.
func progSize(re *syntax.Regexp, limit int) int {
	subs := 0
	for _, s := range re.Sub {
		subs = min(subs+progSize(s, limit), limit+1)
	}
	var n int
	switch re.Op {
	case syntax.OpLiteral:
		n = len(re.Rune)
	case syntax.OpCharClass:
		// one instruction holding the class's ranges: \pL has hundreds,
		// which cost as much memory as several instructions
		n = 1 + len(re.Rune)/8
	case syntax.OpConcat:
		n = subs
	case syntax.OpAlternate:
		n = subs + len(re.Sub) - 1
	case syntax.OpCapture:
		n = subs + 2
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		n = subs + 1
	case syntax.OpRepeat:
		if re.Max < 0 {
			n = re.Min*subs + subs + 1
		} else {
			n = re.Min*subs + (re.Max-re.Min)*(subs+1)
		}
	default: // empty, any character, a class, an anchor
		n = 1
	}
	return min(n, limit+1)
}

// checkMatcherSize refuses a matcher whose name or value exceeds the
// limits; it reads no more of them than their lengths.
func checkMatcherSize(name, value string) error {
	switch {
	case len(name) > MaxLabelNameBytes:
		return fmt.Errorf("label name of %d bytes: at most %d", len(name), MaxLabelNameBytes)
	case len(value) > MaxMatcherBytes:
		return fmt.Errorf("label %s: value of %d bytes: at most %d", name, len(value), MaxMatcherBytes)
	}
	return nil
}

// LimitProblems lists what in the silence exceeds the limits of this
// build (not the number of silences, which the alerts manager checks); a
// silence read from the store may, having been stored before them.
func (s *Silence) LimitProblems() []string {
	var out []string
	if len(s.Matchers) > MaxMatchers {
		out = append(out, fmt.Sprintf("%d matchers: at most %d", len(s.Matchers), MaxMatchers))
	}
	size := 0
	for _, m := range s.Matchers {
		if err := checkMatcherSize(m.Name, m.Value); err != nil {
			out = append(out, err.Error())
		}
		size += m.size
	}
	if size > MaxMatchersSize {
		out = append(out, fmt.Sprintf("the regular expressions together compile to about %d instructions: at most %d", size, MaxMatchersSize))
	}
	if len(s.Comment) > MaxCommentBytes {
		out = append(out, fmt.Sprintf("comment of %d bytes: at most %d", len(s.Comment), MaxCommentBytes))
	}
	if len(s.CreatedBy) > MaxAuthorBytes {
		out = append(out, fmt.Sprintf("created_by of %d bytes: at most %d", len(s.CreatedBy), MaxAuthorBytes))
	}
	return out
}

// CheckLimits refuses matchers beyond MaxMatchers and MaxMatchersSize, as
// for a silence: for a preview or a filter, which are not stored.
func (ms Matchers) CheckLimits() error {
	s := Silence{Matchers: ms}
	if p := s.LimitProblems(); len(p) > 0 {
		return fmt.Errorf("matchers: %s", strings.Join(p, "; "))
	}
	return nil
}

// Compile compiles the regular expressions of matchers decoded from the
// store, without limits: a silence stored before them stays in effect.
func (ms Matchers) Compile() error {
	var errs []error
	for _, m := range ms {
		errs = append(errs, m.compile(unlimited))
	}
	return errors.Join(errs...)
}
