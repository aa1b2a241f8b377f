package textdist

import "testing"

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", -1, 0},
		{"ict_revenu", "ict_revenue", -1, 1},
		{"kitten", "sitting", -1, 3},
		{"Điện Biên", "Dien Bien", -1, 3},
		{"abc", "xyz", 1, 2}, // beyond the limit: limit+1
		{"sitting", "kitten", -1, 3},
	}
	for _, tt := range tests {
		if got := Levenshtein(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("Levenshtein(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}
