package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chiso-vn/chiso"
)

// Matches reports whether the selector selects the area: every set field
// must match.
func (s AreaSelector) Matches(a chiso.Area) bool {
	return (len(s.Codes) == 0 || slices.Contains(s.Codes, a.Code)) &&
		(s.Level == "" || a.Level == s.Level) &&
		(s.Parent == "" || a.Parent == s.Parent)
}

// String writes the selector as a rule file does, e.g.
// {codes: [PT, VP], level: province}; {} selects every area.
func (s AreaSelector) String() string {
	var parts []string
	if len(s.Codes) > 0 {
		parts = append(parts, fmt.Sprintf("codes: [%s]", strings.Join(s.Codes, ", ")))
	}
	if s.Level != "" {
		parts = append(parts, "level: "+string(s.Level))
	}
	if s.Parent != "" {
		parts = append(parts, "parent: "+s.Parent)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
