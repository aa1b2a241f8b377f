package store

import "testing"

func TestWhereNumbersPlaceholdersForPostgreSQL(t *testing.T) {
	var w Where
	if got := w.SQL(true); got != "" {
		t.Errorf("no conditions: %q, want nothing", got)
	}
	w.Add("a = ?", 1)
	w.Add("(at < ? OR at = ? AND id < ?)", "t", "t", 2)
	if got, want := w.SQL(false), " WHERE a = ? AND (at < ? OR at = ? AND id < ?)"; got != want {
		t.Errorf("SQLite: %q, want %q", got, want)
	}
	if got, want := w.SQL(true), " WHERE a = $1 AND (at < $2 OR at = $3 AND id < $4)"; got != want {
		t.Errorf("PostgreSQL: %q, want %q", got, want)
	}
	if len(w.Args) != 4 {
		t.Errorf("%d arguments, want 4", len(w.Args))
	}
}
