package checks

import (
	"fmt"
	"math"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks/consistency"
)

// IndicatorLister is implemented by the parameters of kinds that name their
// own indicators (consistency, definition): the engine adds them to the
// rule's Scope.Indicators.
type IndicatorLister interface {
	// Indicators returns the indicator codes the parameters name, each once,
	// in order of first mention.
	Indicators() []string
}

// fieldErr makes a FieldError with no offset.
func fieldErr(field, format string, args ...any) FieldError {
	return FieldError{Field: field, Offset: -1, Msg: fmt.Sprintf(format, args...)}
}

// seriesBlock is how many series eachSeries fetches at once.
const seriesBlock = 64

// eachSeries calls fn for every series of the scope that has points and
// whose indicator is in the catalogue.
func eachSeries(env Env, scope Scope, fn func(ind chiso.Indicator, s Series)) {
	var buf []Series
	for _, code := range scope.Indicators {
		ind, ok := env.Data.Indicator(code)
		if !ok {
			env.skip(SkipUnknown)
			continue
		}
		for lo := 0; lo < len(scope.Areas); lo += seriesBlock {
			buf = appendSeries(env.Data, buf[:0], code, scope.Areas[lo:min(lo+seriesBlock, len(scope.Areas))])
			for _, s := range buf {
				if s.Len() > 0 {
					fn(ind, s)
				}
			}
		}
	}
}

// knownIndicators reports every code that is not in the catalogue.
func knownIndicators(cat *chiso.Catalogue, field string, codes []string) []FieldError {
	var errs []FieldError
	for _, c := range codes {
		if _, ok := cat.Indicator(c); !ok {
			errs = append(errs, fieldErr(field, "unknown indicator %q", c))
		}
	}
	return errs
}

// nonNegative reports a parameter that is set and negative or not a number.
func nonNegative(field string, p *float64) []FieldError {
	if p != nil && (*p < 0 || math.IsNaN(*p) || math.IsInf(*p, 0)) {
		return []FieldError{fieldErr(field, "must be a finite number ≥ 0; got %g", *p)}
	}
	return nil
}

// orDefault returns *p, or def when p is nil.
func orDefault(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

// decimals returns how many decimals the shortest form of v has, at most 9.
func decimals(v float64) int { return consistency.Decimals(v) }

// statusOf turns a failing or unsure verdict into a finding's status.
func statusOf(v verdict) chiso.Status {
	if v == unsure {
		return chiso.Indeterminate
	}
	return chiso.Fail
}

// NeedIndicators is the message of a rule that names no indicator for a
// kind that judges the rule's own indicators.
const NeedIndicators = "this check needs indicator:, indicators: or indicators_matching:"

// needIndicators reports a rule that names no indicator for a kind that
// judges the rule's own indicators.
func needIndicators(rule RuleContext) []FieldError {
	if len(rule.Indicators) == 0 {
		return []FieldError{fieldErr("", NeedIndicators)}
	}
	return nil
}
