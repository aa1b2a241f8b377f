package alerts_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
)

// huge is a 400 KB regular expression, as in the issue.
var huge = strings.Repeat("PT|", 400<<10/3) + "VP"

// TestMatcherAndSilenceLimits: matchers and silences beyond the limits are
// refused before anything is compiled, with a message that quotes at most
// 80 characters of what was given. Before, a 400 KB expression was compiled
// and stored, and its whole text was quoted back in errors.
func TestMatcherAndSilenceLimits(t *testing.T) {
	big := strings.Repeat("x", alerting.MaxMatcherBytes+1)
	var many []string
	for i := range alerting.MaxMatchers + 1 {
		many = append(many, fmt.Sprintf("l%d=v", i))
	}
	parse := func(s string) func() error {
		return func() error { _, err := alerting.ParseMatchers(s); return err }
	}
	silence := func(matchers, by, comment string) func() error {
		return func() error {
			ms, err := alerting.ParseMatchers(matchers)
			if err != nil {
				return err
			}
			s := alerting.Silence{Matchers: ms, StartsAt: t0, EndsAt: t0.Add(time.Hour), CreatedBy: by, Comment: comment}
			return s.Validate(t0)
		}
	}
	cases := []struct {
		name string
		f    func() error
		want string // in the error; empty: accepted
	}{
		{"a 400 KB regular expression", parse(`area=~"` + huge + `"`), "bytes, at most"},
		{"a 400 KB regular expression, unquoted", parse(`area=~` + huge), "bytes, at most"},
		{"a value of 1 KiB + 1", parse(`area="` + big + `"`), "value of 1025 bytes: at most 1024"},
		{"a value of 1 KiB", parse(`area="` + big[1:] + `"`), ""},
		{"a program too large", parse(`area=~"(PT|VP|HN){1000}"`), "compiles to more than 2048 instructions"},
		{"a long class, repeated", parse(`area=~"[A-Z]{1000}"`), ""},
		{"a long label name", parse(strings.Repeat("a", 129) + `="x"`), "label name of 129 bytes"},
		{"65 matchers", parse(strings.Join(many, ",")), "65 matchers, at most 64"},
		{"64 matchers", parse(strings.Join(many[1:], ",")), ""},
		{"object form", func() error { _, err := alerting.NewMatcher("area", alerting.MatchRegexp, huge); return err }, "value of"},
		{"programs together", silence(`a=~"[a-z]{1000}",b=~"[a-z]{1000}",c=~"[a-z]{1000}",d=~"[a-z]{1000}",e=~"[a-z]{1000}"`, "lan", "c"),
			"together compile to about"},
		{"a comment of 4 KiB + 1", silence(`area="PT"`, "lan", strings.Repeat("c", 4097)), "comment of 4097 bytes: at most 4096"},
		{"an author of 257 bytes", silence(`area="PT"`, strings.Repeat("b", 257), "c"), "created_by of 257 bytes"},
		{"a good silence", silence(`area="PT"`, "lan", "đang sửa"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.f()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err = %.300v, want %q", err, c.want)
			case err != nil && len(err.Error()) > 600:
				t.Errorf("the error is %d bytes long: %.300s", len(err.Error()), err)
			}
		})
	}
}

// TestSilencesBeyondMaxActiveAreRefused: once alerting.silences.max_active
// silences are active or pending, adding one is refused until one ends.
func TestSilencesBeyondMaxActiveAreRefused(t *testing.T) {
	if errs := parseConfig(t, baseConfig+"silences: {max_active: -1}\n").Validate(); len(errs) != 1 ||
		!strings.Contains(errs[0].Error(), "silences.max_active: must not be negative") {
		t.Errorf("negative max_active: %v", errs)
	}
	e := newEnv(t, baseConfig+"silences: {max_active: 2}\n")
	ctx := context.Background()
	add := func(now time.Time) error {
		ms, _ := alerting.ParseMatchers(`area="PT"`)
		_, err := e.m.AddSilence(ctx, alerting.Silence{Matchers: ms, StartsAt: now.Add(time.Minute), EndsAt: now.Add(time.Hour),
			CreatedBy: "lan", Comment: "c"}, now)
		return err
	}
	for i := range 2 {
		if err := add(t0); err != nil {
			t.Fatalf("silence %d: %v", i+1, err)
		}
	}
	err := add(t0)
	if !errors.Is(err, alerts.ErrTooManySilences) || !strings.Contains(err.Error(), "2 silences are active or pending") {
		t.Fatalf("third silence: %v", err)
	}
	if err := e.m.ExpireSilence(ctx, 1, t0); err != nil {
		t.Fatal(err)
	}
	if err := add(t0); err != nil {
		t.Errorf("after one expired: %v", err)
	}
	if err := add(t0.Add(2 * time.Hour)); err != nil { // the others have ended
		t.Errorf("after they ended: %v", err)
	}
}

// TestStoredSilenceBeyondLimitsStillMutesAndIsLogged: a silence stored
// before the limits, with a 400 KB expression, loads at start and keeps
// muting (refusing it would unmute what it mutes), and the log names it.
func TestStoredSilenceBeyondLimitsStillMutesAndIsLogged(t *testing.T) {
	e := newEnv(t, baseConfig)
	ctx := context.Background()
	e.process(t0, finding("BelowTarget", "PT"), finding("BelowTarget", "HN"))
	old := alerting.Silence{Matchers: alerting.Matchers{{Name: "area", Op: alerting.MatchRegexp, Value: huge}},
		StartsAt: t0, EndsAt: t0.Add(24 * time.Hour), CreatedBy: "an older chiso", Comment: "before the limits", CreatedAt: t0, UpdatedAt: t0}
	if err := e.db.SaveSilence(ctx, &old); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	m, err := alerts.New(alerts.Options{Store: e.db, Config: e.cfg, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "stored silence exceeds the limits") || !strings.Contains(log.String(), fmt.Sprintf("silence=%d", old.ID)) {
		t.Errorf("log:\n%.500s", log.String())
	}
	if len(log.String()) > 2000 {
		t.Errorf("the log quotes the expression: %d bytes", log.Len())
	}
	// loaded again (a follower reloads every few seconds), it is not
	// logged again
	logged := log.Len()
	if err := m.Start(ctx, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if log.Len() != logged {
		t.Errorf("a second load logged again:\n%s", log.String()[logged:])
	}
	var muted []string
	for _, st := range m.Alerts(t0.Add(time.Minute)) {
		if len(st.SilencedBy) > 0 {
			muted = append(muted, st.Labels["area"])
		}
	}
	if strings.Join(muted, ",") != "PT" {
		t.Errorf("muted areas %v, want PT", muted)
	}
}
