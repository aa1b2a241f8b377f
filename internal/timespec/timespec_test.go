package timespec

import (
	"strings"
	"testing"
	"time"
)

// TestParseDuration covers every unit, their order, and the refusals.
func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"0", 0, ""},
		{"0s", 0, ""},
		{"90s", 90 * time.Second, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"7d", 7 * day, ""},
		{"2w", 14 * day, ""},
		{"1y2w3d4h5m6s7ms", 365*day + 17*day + 4*time.Hour + 5*time.Minute + 6*time.Second + 7*time.Millisecond, ""},
		{"", 0, "empty duration"},
		{"5", 0, "missing unit after 5"},
		{"-5m", 0, "want a number"},
		{"1.5h", 0, "fractions are not allowed"},
		{"30m1h", 0, `unit "h" out of order`},
		{"1h1h", 0, `unit "h" out of order`},
		{"3x", 0, `unknown unit "x"`},
		{"5 m", 0, `unknown unit " m"`},
		{"99999999999999999999s", 0, "too large"},
		{"300y", 0, "too long"},
	} {
		got, err := ParseDuration(tc.in)
		if tc.err == "" && (err != nil || got != tc.want) {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseDuration(%q) error = %v; want one containing %q", tc.in, err, tc.err)
		}
	}
}

// TestFormatDuration round-trips through ParseDuration.
func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{time.Microsecond, "0s"},
		{90 * time.Minute, "1h30m"},
		{9 * 24 * time.Hour, "1w2d"},
		{366*24*time.Hour + 1500*time.Millisecond, "1y1d1s500ms"},
	} {
		got := FormatDuration(tc.d)
		if got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
		if back, err := ParseDuration(got); err != nil || back != tc.d.Truncate(time.Millisecond) {
			t.Errorf("ParseDuration(%q) = %v, %v", got, back, err)
		}
	}
}

// TestParseScheduleNeverPanics feeds the cron parser specs that make it
// panic on its own.
func TestParseScheduleNeverPanics(t *testing.T) {
	for _, spec := range []string{"TZ=", "CRON_TZ=", " TZ=UTC", "TZ=Nowhere/City * * * * *", "@every", "* * * * * * *", "0-", "*/0 * * * *"} {
		if _, err := ParseSchedule(spec); err == nil {
			t.Errorf("ParseSchedule(%q): no error", spec)
		}
	}
}

// FuzzParseDuration checks that durations round-trip.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"0", "1h30m", "2w", "1y2w3d4h5m6s7ms", "5 m", "1.5h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if back, err := ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Errorf("%q → %v → %q → %v, %v", s, d, FormatDuration(d), back, err)
		}
	})
}
