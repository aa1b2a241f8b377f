package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem found in a rule file.
type Error struct {
	Pos   Position
	Group string // the group's name; empty when the problem is outside a group
	Rule  string // the rule's alert name; empty when the problem is about the group
	Msg   string
}

// Error formats the problem as `file:line:column: group "g" rule "r": message`,
// leaving out what is unknown.
func (e Error) Error() string {
	var parts []string
	if p := e.Pos.String(); p != "" {
		parts = append(parts, p)
	}
	var ctx []string
	if e.Group != "" {
		ctx = append(ctx, fmt.Sprintf("group %q", e.Group))
	}
	if e.Rule != "" {
		ctx = append(ctx, fmt.Sprintf("rule %q", e.Rule))
	}
	if len(ctx) > 0 {
		parts = append(parts, strings.Join(ctx, " "))
	}
	return strings.Join(append(parts, e.Msg), ": ")
}

// String formats the position as file:line:column, leaving out what is
// unknown.
func (p Position) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// ErrorList is every problem of a load, sorted by file, line and column.
type ErrorList []Error

// Error returns the problems, one a line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders the problems by file, line and column, keeping the order of
// problems found at the same place.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// Err returns the sorted list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}
