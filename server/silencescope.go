package server

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/internal/clip"
)

// maxProvable bounds the strings a regular expression may expand to for
// silenceScope to prove it stays within a token's areas.
const maxProvable = 1000

// silenceScope checks that a silence a scoped principal adds or expires
// mutes alerts of its areas only: it must have an area matcher, and every
// area matcher must be = or =~ with values that can be listed and all lie
// within the areas. A regular expression counts only when its language is
// finite and small (PT25|PT|VP|HB, P[TY], (PT|VP)25?): a matcher that could
// match an area outside, or an alert without an area, is refused, even
// when another matcher would narrow it, so that each matcher can be judged
// alone.
func (s *Server) silenceScope(p Principal, action chiso.Action, ms alerting.Matchers) *AccessError {
	if !p.Scoped() {
		return nil
	}
	var lacked []string
	found := false
	for _, m := range ms {
		if m.Name != alerting.LabelArea {
			continue
		}
		found = true
		values, ok := matcherValues(m)
		if !ok {
			return s.forbidden(p, action, nil, fmt.Sprintf("matcher %s could match an area outside the token's; %s", clip.Quote(m.String()), areaHint(p)))
		}
		for _, v := range values {
			if v == "" {
				return s.forbidden(p, action, nil, fmt.Sprintf("matcher %s matches alerts without an area; %s", clip.Quote(m.String()), areaHint(p)))
			}
		}
		lacked = append(lacked, p.Lacks(values)...)
	}
	switch {
	case !found:
		return s.forbidden(p, action, nil, "a silence of a token scoped to areas needs an area matcher; "+areaHint(p))
	case len(lacked) > 0:
		return s.forbidden(p, action, p.Lacks(lacked), areaHint(p))
	}
	return nil
}

// areaHint suggests matchers within the principal's areas.
func areaHint(p Principal) string {
	areas := p.Areas
	more := ""
	if len(areas) > 8 {
		areas, more = areas[:8], "…"
	}
	if len(areas) == 0 {
		return "the token covers no area"
	}
	return fmt.Sprintf("use area=%q, or area=~%q with areas of the token (%s%s)", areas[0], strings.Join(areas, "|"), strings.Join(areas, ", "), more)
}

// matcherValues lists every value a positive matcher can match; ok is
// false for a negative matcher or a regular expression whose matches
// cannot be listed within maxProvable.
func matcherValues(m *alerting.Matcher) ([]string, bool) {
	switch m.Op {
	case alerting.MatchEqual:
		return []string{m.Value}, true
	case alerting.MatchRegexp:
		re, err := syntax.Parse(m.Value, syntax.Perl)
		if err != nil {
			return nil, false
		}
		return language(re.Simplify())
	}
	return nil, false
}

// language lists the strings a regular expression matches, anchored at both
// ends as matchers are; a superset when it has anchors or word boundaries
// inside (read as matching the empty string), which only makes the proof
// stricter. ok is false when the strings are infinite or too many.
func language(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}, true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return foldLiteral(re.Rune)
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCharClass:
		return charClass(re.Rune)
	case syntax.OpCapture:
		return language(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := language(re.Sub[0])
		return union([]string{""}, sub), ok
	case syntax.OpRepeat:
		return repeat(re)
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			l, ok := language(sub)
			if !ok {
				return nil, false
			}
			if out, ok = product(out, l); !ok {
				return nil, false
			}
		}
		return out, true
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			l, ok := language(sub)
			if !ok {
				return nil, false
			}
			if out = union(out, l); len(out) > maxProvable {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false // any character, star, plus, no match
}

// repeat lists x{min,max}; ok is false for an open max.
func repeat(re *syntax.Regexp) ([]string, bool) {
	if re.Max < 0 {
		return nil, false
	}
	sub, ok := language(re.Sub[0])
	if !ok {
		return nil, false
	}
	var out []string
	cur := []string{""}
	for i := 0; i <= re.Max; i++ {
		if i >= re.Min {
			out = union(out, cur)
		}
		if cur, ok = product(cur, sub); !ok {
			return nil, false
		}
	}
	return out, len(out) <= maxProvable
}

func charClass(ranges []rune) ([]string, bool) {
	var out []string
	for i := 0; i+1 < len(ranges); i += 2 {
		if int(ranges[i+1]-ranges[i])+len(out) >= maxProvable {
			return nil, false
		}
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			out = append(out, string(r))
		}
	}
	return out, true
}

// foldLiteral lists the case variants of a literal matched without regard
// to case.
func foldLiteral(runes []rune) ([]string, bool) {
	out := []string{""}
	for _, r := range runes {
		var variants []string
		for f := r; ; {
			variants = append(variants, string(f))
			if f = unicode.SimpleFold(f); f == r {
				break
			}
		}
		var ok bool
		if out, ok = product(out, variants); !ok {
			return nil, false
		}
	}
	return out, true
}

func product(a, b []string) ([]string, bool) {
	if len(a)*len(b) > maxProvable {
		return nil, false
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out, true
}

func union(a, b []string) []string {
	seen := make(map[string]bool, len(a))
	for _, x := range a {
		seen[x] = true
	}
	for _, y := range b {
		if !seen[y] {
			seen[y] = true
			a = append(a, y)
		}
	}
	return a
}
