package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/yamlpos"
)

// IndicatorSelector chooses a rule's indicators from the catalogue by what
// they are rather than by name, so that an indicator added to the catalogue
// is watched without editing the rule (indicators_matching:). Empty fields
// select everything; set fields must all match. It is resolved into
// Rule.Indicators when the rules load (at start and on every reload),
// against the catalogue of that moment.
type IndicatorSelector struct {
	Kind     chiso.IndicatorKind `yaml:"kind"`     // percent, count, money, rank…; empty: any
	Additive *bool               `yaml:"additive"` // nil: either
	Unit     string              `yaml:"unit"`     // the catalogue's unit code; empty: any
	Except   []string            `yaml:"except"`   // indicator codes left out
}

// Matches reports whether the selector chooses the indicator.
func (s IndicatorSelector) Matches(ind chiso.Indicator) bool {
	return (s.Kind == "" || ind.Kind == s.Kind) &&
		(s.Additive == nil || ind.Additive == *s.Additive) &&
		(s.Unit == "" || ind.Unit == s.Unit) &&
		!slices.Contains(s.Except, ind.Code)
}

// String describes the selector as a rule file writes it.
func (s IndicatorSelector) String() string {
	var parts []string
	if s.Kind != "" {
		parts = append(parts, "kind: "+string(s.Kind))
	}
	if s.Additive != nil {
		parts = append(parts, fmt.Sprintf("additive: %t", *s.Additive))
	}
	if s.Unit != "" {
		parts = append(parts, "unit: "+s.Unit)
	}
	if len(s.Except) > 0 {
		parts = append(parts, "except: ["+strings.Join(s.Except, ", ")+"]")
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// indicatorsMatching checks the selector at path and resolves it against
// the catalogue, in catalogue order; it reports a selector that selects no
// indicator. failed is set when it reported a problem.
func (p *fileParser) indicatorsMatching(path string, s IndicatorSelector) (codes []string, failed bool) {
	before := len(p.errs)
	s.Except = p.codes(path+".except", s.Except, p.knownIndicator)
	if p.isString(path+".kind") && !knownKind(p.cat, s.Kind) {
		p.errorf(path+".kind", "indicators_matching.kind: no indicator of the catalogue is of kind %q", s.Kind)
	}
	if p.isString(path + ".unit") {
		if !slices.ContainsFunc(p.cat.Indicators, func(ind chiso.Indicator) bool { return ind.Unit == s.Unit }) {
			p.errorf(path+".unit", "indicators_matching.unit: no indicator of the catalogue has unit %q", s.Unit)
		}
	}
	if len(p.errs) == before && !p.hasProblems(path) && s.Kind == "" && s.Additive == nil && s.Unit == "" {
		p.errorf(path, "indicators_matching: say what to match (kind, additive or unit); an empty selector would watch every indicator of every kind")
	}
	if len(p.errs) != before || p.hasProblems(path) {
		return nil, true
	}
	var out []string
	for _, ind := range p.cat.Indicators {
		if s.Matches(ind) {
			out = append(out, ind.Code)
		}
	}
	if len(out) == 0 && len(p.cat.Indicators) > 0 {
		p.errorf(path, "indicators_matching: %s selects no indicator of the catalogue", s)
		return nil, true
	}
	return out, false
}

func knownKind(cat *chiso.Catalogue, k chiso.IndicatorKind) bool {
	return slices.ContainsFunc(cat.Indicators, func(ind chiso.Indicator) bool { return ind.Kind == k })
}

// oneIndicatorKey reports a rule with more than one of indicator,
// indicators and indicators_matching, at the later keys.
func (p *fileParser) oneIndicatorKey(path string) {
	type key struct {
		name string
		line int
	}
	var present []key
	for _, name := range []string{"indicator", "indicators", "indicators_matching"} {
		if n, ok := p.d.Key(path + "." + name); ok {
			present = append(present, key{name, yamlpos.NodePos(n).Line})
		}
	}
	slices.SortStableFunc(present, func(a, b key) int { return a.line - b.line })
	for _, k := range present[min(1, len(present)):] {
		p.keyError(path+"."+k.name, "use one of indicator, indicators or indicators_matching")
	}
}
