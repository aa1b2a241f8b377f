package store

import (
	"strconv"
	"strings"
)

// Where is the WHERE clause of a filter, built once for both stores: its
// conditions, each written with ? for its arguments, and the arguments in
// the order they appear.
type Where struct {
	conds []string
	Args  []any
}

// Add appends a condition and the arguments of its placeholders.
func (w *Where) Add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.Args = append(w.Args, args...)
}

// SQL returns " WHERE " and the conditions joined by AND, or "" when there
// is none. numbered writes the placeholders as PostgreSQL's $1, $2, …
// instead of SQLite's ?.
func (w *Where) SQL(numbered bool) string {
	if len(w.conds) == 0 {
		return ""
	}
	s := " WHERE " + strings.Join(w.conds, " AND ")
	if !numbered {
		return s
	}
	var b strings.Builder
	n := 0
	for part := range strings.SplitSeq(s, "?") {
		if n > 0 {
			b.WriteString("$" + strconv.Itoa(n))
		}
		b.WriteString(part)
		n++
	}
	return b.String()
}
