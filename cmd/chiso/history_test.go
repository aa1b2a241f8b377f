package main

import (
	"regexp"
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

// TestHistoryFigures: the VALUE column writes each figure with its
// qualifier and its indicator's unit, in the locale's words: a count of
// sites is never "stations", "trên 95%" never "95".
func TestHistoryFigures(t *testing.T) {
	db := sampleDB(t)
	tests := []struct {
		args []string
		want []string // the VALUE column, row by row
	}{
		{[]string{"ict_revenue", "VP"}, []string{"127 tỷ đồng", "1.307,44 tỷ đồng", "3.560 tỷ đồng", "183.001 tỷ đồng", "96.875 tỷ đồng"}},
		{[]string{"bts_sites", "PT"}, []string{"gần 1.900 vị trí"}},
		{[]string{"bts_sites", "PT", "--locale", "en"}, []string{"nearly 1,900 sites"}},
		{[]string{"bts_stations", "PT", "--locale", "en"}, []string{"1,931 stations", "2,500 stations"}},
		{[]string{"electronic_document_rate", "DB"}, []string{"trên 95%"}},
		{[]string{"electronic_document_rate", "DB", "--locale", "en"}, []string{"over 95%"}},
		{[]string{"dti_digital_infrastructure_rank", "PT"}, []string{"hạng 6"}},
	}
	columns := regexp.MustCompile(`\s{2,}`)
	for _, tt := range tests {
		code, out, errs := runChiso(t, append([]string{"--db", db, "history"}, tt.args...)...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		var got []string
		for _, l := range lines[1:] {
			if cols := columns.Split(l, -1); len(cols) > 2 {
				got = append(got, cols[2])
			}
		}
		if code != 0 || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("history %q: exit %d, VALUE %q, want %q\n%s%s", tt.args, code, got, tt.want, out, errs)
		}
	}
}
