package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/chiso-vn/chiso"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/alerts/email"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/server"
)

func init() {
	commands["alerts"] = command{summary: "list alerts and their history, send a test notification, preview the e-mail", run: runAlerts}
	commands["silence"] = command{summary: "add, list, expire or preview silences of the running daemon", run: runSilence}
	commands["ack"] = command{summary: "acknowledge an alert as reviewed (correct or will be corrected)", run: runAck}
	verbs["alerts"], verbs["silence"] = alertsSubcommands, silenceSubcommands
}

// subcommand is one verb of alerts or silence.
type subcommand struct {
	usage string
	run   func(ctx context.Context, e *env, args []string) int
}

var alertsSubcommands = map[string]subcommand{
	"list":          {"list the daemon's alerts", runAlertsList},
	"history":       {"list alert transitions and acknowledgements (reads --db directly when that file exists and no --url is given)", runAlertsHistory},
	"test-receiver": {"queue a test notification for a receiver", runTestReceiver},
	"preview":       {"render the e-mail template locally (no SMTP, no daemon)", runAlertsPreview},
}

var silenceSubcommands = map[string]subcommand{
	"add":     {"add a silence: MATCHERS... --duration 7d --by NAME --comment TEXT", runSilenceAdd},
	"list":    {"list silences", runSilenceList},
	"expire":  {"expire a silence by its id", runSilenceExpire},
	"preview": {"list the alerts a silence with MATCHERS would catch", runSilencePreview},
}

func runAlerts(ctx context.Context, e *env, args []string) int {
	return dispatch(ctx, e, "alerts", alertsSubcommands, args)
}

func runSilence(ctx context.Context, e *env, args []string) int {
	return dispatch(ctx, e, "silence", silenceSubcommands, args)
}

// dispatch runs the named verb of a command with several. -h, --help or
// help print the verbs on standard output; no verb, an unknown one or a
// flag before the verb is a usage error.
func dispatch(ctx context.Context, e *env, name string, subs map[string]subcommand, args []string) int {
	if len(args) > 0 {
		if sub, ok := subs[args[0]]; ok {
			return sub.run(ctx, e, args[1:])
		}
		if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
			printVerbs(e.stdout, name, subs)
			return 0
		}
		if strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(e.stderr, "chiso %s: flag %s before the verb; flags follow it: chiso %s VERB %s\n", name, args[0], name, args[0])
		} else {
			fmt.Fprintf(e.stderr, "chiso %s: unknown verb %q\n", name, args[0])
		}
	}
	printVerbs(e.stderr, name, subs)
	return 2
}

// printVerbs writes the usage of a command with verbs.
func printVerbs(w io.Writer, name string, subs map[string]subcommand) {
	fmt.Fprintf(w, "usage: chiso %s VERB [flags] [ARGS]\n\n%s\n\nverbs:\n", name, commands[name].summary)
	for _, v := range sortedKeys(subs) {
		fmt.Fprintf(w, "  %-14s %s\n", v, subs[v].usage)
	}
	fmt.Fprintf(w, "\nRun 'chiso %s VERB -h' for a verb's flags.\n", name)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// parseInterleaved parses flags that may come before, between or after
// the positional arguments (`chiso ack FP --kind correct`), which the flag
// package alone stops at.
func parseInterleaved(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	for {
		if code, ok = parseFlags(fs, args); !ok {
			return nil, code, false
		}
		if fs.NArg() == 0 {
			return pos, 0, true
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// alertRow is an alert as the API writes it, with what the tables show.
type alertRow struct {
	Fingerprint   string            `json:"fingerprint"`
	AMFingerprint string            `json:"alertmanager_fingerprint"`
	Labels        map[string]string `json:"labels"`
	Annotations   map[string]string `json:"annotations"`
	State         string            `json:"state"`
	ActiveAt      *time.Time        `json:"active_at"`
	FiredAt       *time.Time        `json:"fired_at"`
	ResolvedAt    *time.Time        `json:"resolved_at"`
	Value         *float64          `json:"value"`
	Acknowledged  bool              `json:"acknowledged"`
	SilencedBy    []int64           `json:"silenced_by"`
	Inhibited     bool              `json:"inhibited"`
	Ack           *struct {
		Kind string `json:"kind"`
		By   string `json:"by"`
	} `json:"acknowledgement"`
	Finding struct {
		Qualifier chiso.Qualifier `json:"qualifier"`
	} `json:"finding"`
}

func runAlertsList(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "alerts list", "[MATCHERS...]")
	cf := addClientFlags(fs)
	state := fs.String("state", "", "only alerts in these states: pending, firing, resolved (comma-separated)")
	format := fs.String("format", "table", "output format: table or json")
	pos, code, ok := parseInterleaved(fs, args)
	if !ok {
		return code
	}
	q, err := alertListQuery(pos, *state, *format)
	if err != nil {
		return usageErr(e, "alerts list", "%v", err)
	}
	c, err := cf.client()
	if err != nil {
		return usageErr(e, "alerts list", "%v", err)
	}
	raw, err := c.list(ctx, "GET", "/api/v1/alerts"+q, nil, 0)
	if err != nil {
		return fail(e, "alerts list", err)
	}
	return printAlerts(e, raw, *format)
}

// alertListQuery checks the list's arguments and builds its query string.
func alertListQuery(matchers []string, state, format string) (string, error) {
	ms, err := parseMatcherArgs(matchers)
	err = errors.Join(err, checkFormat(format))
	if err != nil {
		return "", err
	}
	v := url.Values{}
	if len(ms) > 0 {
		v.Set("filter", ms.String())
	}
	if state != "" {
		v.Set("state", state)
	}
	if len(v) == 0 {
		return "", nil
	}
	return "?" + v.Encode(), nil
}

// printAlerts writes alerts as the API gave them (json) or as a table.
func printAlerts(e *env, raw []json.RawMessage, format string) int {
	if format == "json" {
		writeJSONOut(e.stdout, raw)
		return 0
	}
	rows := make([]alertRow, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &rows[i]); err != nil {
			return fail(e, "alerts", fmt.Errorf("decode alert: %w", err))
		}
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FINGERPRINT\tALERTMANAGER\tSTATE\tALERTNAME\tAREA\tINDICATOR\tPERIOD\tSEVERITY\tVALUE\tSINCE\tMUTED")
	for _, a := range rows {
		l := a.Labels
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Fingerprint, dash(a.AMFingerprint), a.State, l["alertname"], l["area"],
			l["indicator"], dash(l["period"]), l["severity"], qualified(a.Finding.Qualifier, fmtValue(a.Value)), fmtSince(a), a.muted())
	}
	tw.Flush()
	if len(rows) == 0 {
		fmt.Fprintln(e.stderr, "no alerts")
	}
	return 0
}

func (a alertRow) muted() string {
	var m []string
	if a.Acknowledged && a.Ack != nil {
		m = append(m, "ack:"+a.Ack.Kind+" by "+a.Ack.By)
	}
	for _, id := range a.SilencedBy {
		m = append(m, fmt.Sprintf("silence:%d", id))
	}
	if a.Inhibited {
		m = append(m, "inhibited")
	}
	return dash(strings.Join(m, ", "))
}

func fmtSince(a alertRow) string {
	t := a.ActiveAt
	switch a.State {
	case "firing":
		t = a.FiredAt
	case "resolved":
		t = a.ResolvedAt
	}
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func fmtValue(v *float64) string {
	if v == nil {
		return "-"
	}
	return number(*v)
}

// qualified puts a figure's qualifier before it ("over 95"), as it was
// published; an exact figure or none ("-") as it is.
func qualified(q chiso.Qualifier, v string) string {
	if q == chiso.Exact || v == "-" {
		return v
	}
	return q.String() + " " + v
}

// eventRow is an event of an alert's history as the API writes it.
type eventRow struct {
	ID          int64             `json:"id"`
	Fingerprint string            `json:"fingerprint"`
	At          time.Time         `json:"at"`
	Kind        string            `json:"kind"`
	From        string            `json:"from"`
	To          string            `json:"to"`
	Labels      map[string]string `json:"labels"`
	Value       *float64          `json:"value"`
	DataID      int64             `json:"data_id"`
	Note        string            `json:"note,omitempty"`
}

func runAlertsHistory(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "alerts history", "")
	cf := addClientFlags(fs)
	var hq historyFlags
	fs.StringVar(&hq.fingerprint, "fingerprint", "", "only this alert")
	fs.StringVar(&hq.alertname, "alertname", "", "only alerts of this rule")
	fs.StringVar(&hq.area, "area", "", "only alerts of this area code, e.g. PT")
	fs.StringVar(&hq.indicator, "indicator", "", "only alerts of this indicator code")
	fs.StringVar(&hq.since, "since", "", "from this time: RFC 3339, a date (2026-11-01) or a duration ago (7d)")
	fs.StringVar(&hq.until, "until", "", "before this time, same forms as --since")
	fs.IntVar(&hq.limit, "limit", 100, "at most this many events, newest first")
	format := fs.String("format", "table", "output format: table or json")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := noArgs(e, fs); !ok {
		return code
	}
	f, err := hq.filter(time.Now())
	if err = errors.Join(err, checkFormat(*format)); err != nil {
		return usageErr(e, "alerts history", "%v", err)
	}
	evs, err := history(ctx, e, cf, f)
	if err != nil {
		return fail(e, "alerts history", err)
	}
	if *format == "json" {
		writeJSONOut(e.stdout, evs)
		return 0
	}
	printEvents(e.stdout, evs)
	return 0
}

// historyFlags are the history command's filter flags, unchecked.
type historyFlags struct {
	fingerprint, alertname, area, indicator, since, until string
	limit                                                 int
}

// filter checks the flags and reports every bad one.
func (h historyFlags) filter(now time.Time) (alerting.HistoryFilter, error) {
	f := alerting.HistoryFilter{Fingerprint: h.fingerprint, Alertname: h.alertname, Area: h.area, Indicator: h.indicator, Limit: h.limit}
	var errs []error
	var err error
	if h.since != "" {
		if f.Since, err = server.ParseTime(h.since, now); err != nil {
			errs = append(errs, fmt.Errorf("--since: %w", err))
		}
	}
	if h.until != "" {
		if f.Until, err = server.ParseTime(h.until, now); err != nil {
			errs = append(errs, fmt.Errorf("--until: %w", err))
		}
	}
	if h.limit < 1 {
		errs = append(errs, fmt.Errorf("--limit %d: want at least 1", h.limit))
	}
	return f, errors.Join(errs...)
}

// history reads the events from the database named by --db when it exists
// and no --url was given (no daemon needed), else from the daemon.
func history(ctx context.Context, e *env, cf *clientFlags, f alerting.HistoryFilter) ([]eventRow, error) {
	if _, err := os.Stat(e.db); err == nil && !cf.urlSet {
		return historyFromDB(ctx, e, f)
	}
	c, err := cf.client()
	if err != nil {
		return nil, err
	}
	v := url.Values{}
	for k, s := range map[string]string{"fingerprint": f.Fingerprint, "alertname": f.Alertname, "area": f.Area, "indicator": f.Indicator} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !f.Since.IsZero() {
		v.Set("since", f.Since.Format(time.RFC3339))
	}
	if !f.Until.IsZero() {
		v.Set("until", f.Until.Format(time.RFC3339))
	}
	raw, err := c.list(ctx, "GET", "/api/v1/alerts/history?"+v.Encode(), nil, f.Limit)
	if err != nil {
		return nil, err
	}
	evs := make([]eventRow, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &evs[i]); err != nil {
			return nil, fmt.Errorf("decode event: %w", err)
		}
	}
	return evs, nil
}

func historyFromDB(ctx context.Context, e *env, f alerting.HistoryFilter) ([]eventRow, error) {
	db, err := openExisting(ctx, e)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	evs, err := db.AlertHistory(ctx, f)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(evs)
	if err != nil {
		return nil, err
	}
	var out []eventRow
	return out, json.Unmarshal(b, &out)
}

func printEvents(w io.Writer, evs []eventRow) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tFINGERPRINT\tEVENT\tALERTNAME\tAREA\tINDICATOR\tPERIOD\tVALUE\tNOTE")
	for _, ev := range evs {
		what := ev.Kind
		if ev.Kind == string(alerting.EventTransition) {
			what = dash(ev.From) + " → " + ev.To
		}
		l := ev.Labels
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.At.Format(time.RFC3339), ev.Fingerprint, what,
			l["alertname"], l["area"], l["indicator"], dash(l["period"]), fmtValue(ev.Value), dash(ev.Note))
	}
	tw.Flush()
}

func runTestReceiver(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "alerts test-receiver", "NAME")
	cf := addClientFlags(fs)
	pos, code, ok := parseInterleaved(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageErr(e, "alerts test-receiver", "want one receiver name, got %d arguments", len(pos))
	}
	c, err := cf.client()
	if err != nil {
		return usageErr(e, "alerts test-receiver", "%v", err)
	}
	if err := c.do(ctx, "POST", "/api/v1/receivers/"+url.PathEscape(pos[0])+"/test", nil, nil); err != nil {
		return fail(e, "alerts test-receiver", err)
	}
	fmt.Fprintf(e.stdout, "queued a test notification for receiver %s; the daemon delivers it from its outbox (see chiso_notifications_total)\n", pos[0])
	return 0
}

// previewFlags are the flags of alerts preview, unchecked.
type previewFlags struct {
	receiver, config, reason, lang, format string
}

func runAlertsPreview(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "alerts preview", "")
	var p previewFlags
	fs.StringVar(&p.receiver, "receiver", "", "the e-mail receiver of --config whose templates and language to use")
	fs.StringVar(&p.config, "config", "", "the configuration file holding the receiver (default: the shipped templates)")
	fs.StringVar(&p.reason, "reason", "firing", "the notification: firing, repeat, resolved, digest or test")
	fs.StringVar(&p.lang, "lang", "", "language of the shipped templates: vi or en (default: the receiver's, else vi)")
	fs.StringVar(&p.format, "format", "text", "which part to print: text or html")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := noArgs(e, fs); !ok {
		return code
	}
	if err := p.check(); err != nil {
		return usageError(e, fs, err)
	}
	out, err := p.render(ctx, time.Now())
	if err != nil {
		return fail(e, "alerts preview", err)
	}
	io.WriteString(e.stdout, out)
	return 0
}

// render evaluates the sample data with the default rule pack at now,
// passes the findings through the alert manager, and renders the
// notification of the reason as the receiver would send it.
func (p previewFlags) render(ctx context.Context, now time.Time) (string, error) {
	cfg, loc, err := p.emailConfig()
	if err != nil {
		return "", err
	}
	lang := cfg.Lang
	if lang == "" {
		lang = "vi"
	}
	n, cat, err := previewNotification(ctx, alerting.Reason(p.reason), lang, now, loc)
	if err != nil {
		return "", err
	}
	subject, text, html, err := email.Render(cfg, n, email.WithCatalogue(cat), email.WithLocation(loc))
	if err != nil {
		return "", err
	}
	if p.format == "html" {
		return html, nil
	}
	return "Subject: " + subject + "\n\n" + text, nil
}

// check reports every bad flag at once.
func (p previewFlags) check() error {
	var errs []error
	switch alerting.Reason(p.reason) {
	case alerting.ReasonFiring, alerting.ReasonRepeat, alerting.ReasonResolved, alerting.ReasonDigest, alerting.ReasonTest:
	default:
		errs = append(errs, fmt.Errorf("--reason %q: want firing, repeat, resolved, digest or test", p.reason))
	}
	if p.lang != "" && p.lang != "vi" && p.lang != "en" {
		errs = append(errs, fmt.Errorf("--lang %q: want vi or en", p.lang))
	}
	if p.format != "text" && p.format != "html" {
		errs = append(errs, fmt.Errorf("--format %q: want text or html", p.format))
	}
	if p.receiver != "" && p.config == "" {
		errs = append(errs, fmt.Errorf("--receiver %q needs --config, the file that defines it", p.receiver))
	}
	return errors.Join(errs...)
}

// emailConfig is the receiver's e-mail block from --config, or the
// shipped templates; --lang overrides the language.
func (p previewFlags) emailConfig() (email.Config, *time.Location, error) {
	var ec email.Config
	loc, err := time.LoadLocation(config.DefaultTimeZone)
	if err != nil {
		loc = time.UTC
	}
	if p.config != "" {
		cfg, err := config.Load(p.config)
		if err != nil {
			return ec, nil, err
		}
		loc = cfg.Location
		if ec, err = receiverEmail(cfg, p.receiver); err != nil {
			return ec, nil, err
		}
	}
	if p.lang != "" {
		ec.Lang = p.lang
	}
	return ec, loc, nil
}

// receiverEmail decodes the named receiver's e-mail block; with no name,
// the only e-mail receiver.
func receiverEmail(cfg *config.Config, name string) (email.Config, error) {
	var ec email.Config
	var ac alerts.Config
	if err := cfg.Alerting.Decode(&ac); err != nil {
		return ec, err
	}
	var names []string
	for _, r := range ac.Receivers {
		if !r.Email.IsSet() {
			continue
		}
		names = append(names, r.Name)
		if r.Name == name || (name == "" && len(names) == 1) {
			if err := r.Email.Decode(&ec); err != nil {
				return ec, fmt.Errorf("receiver %q: %w", r.Name, err)
			}
			// Template files are named relative to the configuration file,
			// as the daemon reads them.
			ec.Subject, ec.HTML, ec.Text = cfg.Path(ec.Subject), cfg.Path(ec.HTML), cfg.Path(ec.Text)
		}
	}
	switch {
	case len(names) == 0:
		return ec, fmt.Errorf("%s has no e-mail receiver", cfg.File)
	case name == "" && len(names) > 1:
		return ec, fmt.Errorf("%s has several e-mail receivers (%s): choose one with --receiver", cfg.File, strings.Join(names, ", "))
	case name != "" && !slices.Contains(names, name):
		return ec, fmt.Errorf("%s has no e-mail receiver %q (e-mail receivers: %s)", cfg.File, name, strings.Join(names, ", "))
	}
	return ec, nil
}
