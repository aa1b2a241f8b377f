package main

import (
	"strings"
	"testing"
)

// TestHistoryNames finds a series by code or by name, and suggests the
// closest codes and names for a typo.
func TestHistoryNames(t *testing.T) {
	db := sampleDB(t)
	tests := []struct {
		args []string
		want string // in the output, or in the error when it starts with "chiso history:"
	}{
		{[]string{"ict_revenue", "VP"}, "183.001"},
		{[]string{"Doanh thu CNTT-TT", "vinh phuc"}, "183.001"},
		{[]string{"ict_revenu", "VP"}, `chiso history: unknown indicator "ict_revenu": did you mean ict_revenue?`},
		{[]string{"bts_stations", "Dien Bien Phu"}, `chiso history: unknown area "Dien Bien Phu": did you mean DB (Điện Biên)?`},
		{[]string{"bts_stations", "Phú Thọ"}, `chiso history: area name "Phú Thọ" fits several areas and no valid period tells them apart: PT (`},
	}
	for _, tt := range tests {
		code, out, errs := runChiso(t, append([]string{"--db", db, "history"}, tt.args...)...)
		if strings.HasPrefix(tt.want, "chiso history:") {
			if code != 1 || !strings.Contains(errs, tt.want) {
				t.Errorf("history %q: exit %d, stderr %q; want 1 and %q", tt.args, code, errs, tt.want)
			}
			continue
		}
		if code != 0 || !strings.Contains(out, tt.want) {
			t.Errorf("history %q: exit %d, %s%s; want %q", tt.args, code, out, errs, tt.want)
		}
	}
}
