package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chiso-vn/chiso/internal/timespec"

	"github.com/chiso-vn/chiso/internal/clip"
	"github.com/chiso-vn/chiso/server"
)

// silenceRow is a silence as the API writes it.
type silenceRow struct {
	ID       int64 `json:"id"`
	Matchers []struct {
		Name  string `json:"name"`
		Op    string `json:"op"`
		Value string `json:"value"`
	} `json:"matchers"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	CreatedBy string    `json:"created_by"`
	Comment   string    `json:"comment"`
	State     string    `json:"state"`
}

func (s silenceRow) matchers() string {
	parts := make([]string, len(s.Matchers))
	for i, m := range s.Matchers {
		parts[i] = m.Name + m.Op + strconv.Quote(m.Value)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func runSilenceAdd(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "silence add", "MATCHERS...")
	cf := addClientFlags(fs)
	duration := fs.String("duration", "1d", "how long the silence lasts from its start: 2h, 1d, 2w")
	start := fs.String("start", "", "when it starts, RFC 3339 (default: now)")
	by := fs.String("by", os.Getenv("USER"), "who adds the silence")
	comment := fs.String("comment", "", "why (required)")
	pos, code, ok := parseInterleaved(fs, args)
	if !ok {
		return code
	}
	req, err := silenceRequest(pos, *duration, *start, *by, *comment)
	if err != nil {
		return usageErr(e, "silence add", "%v", err)
	}
	c, err := cf.client()
	if err != nil {
		return usageErr(e, "silence add", "%v", err)
	}
	var s silenceRow
	if err := c.do(ctx, "POST", "/api/v1/silences", req, &s); err != nil {
		return fail(e, "silence add", err)
	}
	fmt.Fprintf(e.stdout, "silence %d %s until %s\n", s.ID, s.matchers(), s.EndsAt.Format(time.RFC3339))
	return 0
}

// silenceRequest checks the arguments of silence add and reports every
// problem at once.
func silenceRequest(matchers []string, duration, start, by, comment string) (server.SilenceRequest, error) {
	ms, err := parseMatcherArgs(matchers)
	errs := []error{err}
	if len(matchers) == 0 {
		errs = append(errs, errors.New("give at least one matcher, e.g. area=PT or 'alertname=~\"Below.*\"'"))
	}
	if len(duration) > clip.Limit {
		errs = append(errs, fmt.Errorf("--duration %s: not a duration", clip.Quote(duration)))
	} else if _, err := timespec.ParseDuration(duration); err != nil {
		errs = append(errs, fmt.Errorf("--duration %q: %w", duration, err))
	}
	req := server.SilenceRequest{Duration: duration, CreatedBy: by, Comment: comment}
	if start != "" {
		if req.StartsAt, err = time.Parse(time.RFC3339, start); err != nil {
			errs = append(errs, fmt.Errorf("--start %s: want RFC 3339, e.g. 2026-11-24T08:00:00+07:00", clip.Quote(start)))
		}
	}
	if strings.TrimSpace(by) == "" {
		errs = append(errs, errors.New("--by is required: who adds the silence"))
	}
	if strings.TrimSpace(comment) == "" {
		errs = append(errs, errors.New("--comment is required: why"))
	}
	for _, m := range ms {
		req.Matchers = append(req.Matchers, server.MatcherJSON{Matcher: m})
	}
	return req, errors.Join(errs...)
}

func runSilenceList(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "silence list", "")
	cf := addClientFlags(fs)
	state := fs.String("state", "", "only silences in these states: pending, active, expired (comma-separated)")
	format := fs.String("format", "table", "output format: table or json")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := noArgs(e, fs); !ok {
		return code
	}
	if err := checkFormat(*format); err != nil {
		return usageErr(e, "silence list", "%v", err)
	}
	c, err := cf.client()
	if err != nil {
		return usageErr(e, "silence list", "%v", err)
	}
	path := "/api/v1/silences"
	if *state != "" {
		path += "?state=" + url.QueryEscape(*state)
	}
	raw, err := c.list(ctx, "GET", path, nil, 0)
	if err != nil {
		return fail(e, "silence list", err)
	}
	if *format == "json" {
		writeJSONOut(e.stdout, raw)
		return 0
	}
	return printSilences(e, raw)
}

func printSilences(e *env, raw []json.RawMessage) int {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tMATCHERS\tSTARTS\tENDS\tCREATED BY\tCOMMENT")
	for _, r := range raw {
		var s silenceRow
		if err := json.Unmarshal(r, &s); err != nil {
			return fail(e, "silence list", fmt.Errorf("decode silence: %w", err))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.State, s.matchers(), s.StartsAt.Format(time.RFC3339),
			s.EndsAt.Format(time.RFC3339), s.CreatedBy, strings.ReplaceAll(s.Comment, "\n", " "))
	}
	tw.Flush()
	return 0
}

func runSilenceExpire(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "silence expire", "ID...")
	cf := addClientFlags(fs)
	pos, code, ok := parseInterleaved(fs, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return usageErr(e, "silence expire", "give the id of the silence to expire (see chiso silence list)")
	}
	c, err := cf.client()
	if err != nil {
		return usageErr(e, "silence expire", "%v", err)
	}
	exit := 0
	for _, id := range pos {
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			exit = usageErr(e, "silence expire", "%s is not a silence id", clip.Quote(id))
			continue
		}
		if err := c.do(ctx, "DELETE", "/api/v1/silences/"+id, nil, nil); err != nil {
			exit = fail(e, "silence expire", err)
			continue
		}
		fmt.Fprintf(e.stdout, "silence %s expired\n", id)
	}
	return exit
}

func runSilencePreview(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "silence preview", "MATCHERS...")
	cf := addClientFlags(fs)
	format := fs.String("format", "table", "output format: table or json")
	pos, code, ok := parseInterleaved(fs, args)
	if !ok {
		return code
	}
	ms, err := parseMatcherArgs(pos)
	if len(pos) == 0 {
		err = errors.New("give at least one matcher, e.g. area=PT")
	}
	if err = errors.Join(err, checkFormat(*format)); err != nil {
		return usageErr(e, "silence preview", "%v", err)
	}
	c, err := cf.client()
	if err != nil {
		return usageErr(e, "silence preview", "%v", err)
	}
	raw, err := c.list(ctx, "POST", "/api/v1/silences/preview", map[string][]string{"matchers": matcherStrings(ms)}, 0)
	if err != nil {
		return fail(e, "silence preview", err)
	}
	return printAlerts(e, raw, *format)
}
