package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/internal/timespec"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/internal/clip"
)

// Alerting is the alert manager as the API sees it: alerts with what mutes
// them, their history, acknowledgements, silences and test notifications.
// The daemon implements it with its *alerts.Manager and the store. Methods
// that take now get the time of the request; errors wrapping
// alerting.ErrNotFound answer 404. Alerts and Preview return alerts sorted by
// the labels alertname, area, indicator and period, then fingerprint;
// Silences returns the newest first; AlertHistory honours the filter's
// Limit and After. The lists' cursors rely on these orders.
type Alerting interface {
	Alerts(now time.Time) []alerts.AlertStatus
	AlertHistory(ctx context.Context, f alerting.HistoryFilter) ([]alerting.Event, error)
	Ack(ctx context.Context, fp string, kind chiso.AckKind, by, comment string, now time.Time) (chiso.Alert, error)
	AddSilence(ctx context.Context, s alerting.Silence, now time.Time) (alerting.Silence, error)
	ExpireSilence(ctx context.Context, id int64, now time.Time) error
	Silences() []alerting.Silence
	Preview(ms alerting.Matchers) []chiso.Alert
	TestReceiver(ctx context.Context, name string, now time.Time) error
}

// alertRoutes registers the alerting endpoints; without Alerting they
// answer 503.
func (s *Server) alertRoutes(handle func(pattern, name string, h http.HandlerFunc)) {
	a := s.deps.Alerting
	wrap := func(h func(Alerting) http.HandlerFunc) http.HandlerFunc {
		if a == nil {
			return noAlerting
		}
		return h(a)
	}
	write := func(action chiso.Action, audit string, h func(Alerting) writeHandler) http.HandlerFunc {
		if a == nil {
			return s.write(action, audit, func(w http.ResponseWriter, r *http.Request, _ Principal, _ *note) { noAlerting(w, r) })
		}
		return s.write(action, audit, h(a))
	}
	handle("GET /api/v1/alerts", "alerts", wrap(s.getAlerts))
	handle("GET /api/v1/alerts/history", "alerts_history", wrap(s.getAlertHistory))
	// alert changes are the leader's: a follower forwards them before
	// anything else, and the leader authorises, audits and makes them
	handle("POST /api/v1/alerts/{fingerprint}/ack", "alerts_ack", s.toLeader(write(chiso.ActionAck, "ack", s.postAck)))
	handle("GET /api/v1/silences", "silences", wrap(s.getSilences))
	handle("POST /api/v1/silences", "silences_post", s.toLeader(write(chiso.ActionSilence, "silence_add", s.postSilence)))
	handle("DELETE /api/v1/silences/{id}", "silences_delete", s.toLeader(write(chiso.ActionSilence, "silence_expire", s.deleteSilence)))
	handle("POST /api/v1/silences/preview", "silences_preview", wrap(s.postPreview))
	handle("POST /api/v1/receivers/{name}/test", "receivers_test", s.toLeader(write(chiso.ActionTestReceiver, "test_receiver", postTestReceiver)))
}

func noAlerting(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusServiceUnavailable, errorf("alerting is not enabled in this daemon"))
}

// requestTime is the time a request is decided at: the HTTP boundary is
// where the clock is read.
func requestTime() time.Time { return time.Now() }

func (s *Server) getAlerts(a Alerting) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ms, states, err := alertQuery(r)
		pg, after, perr := s.alertPage(r)
		if err = cmp.Or(err, perr); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		all := a.Alerts(requestTime())
		first := sort.Search(len(all), func(i int) bool { return after == nil || keyOfAlert(&all[i].Alert).compare(after) > 0 })
		l := startList(w, "")
		var last *alertKey
		for i := first; i < len(all); i++ {
			st := &all[i]
			if !ms.Matches(st.Labels) || len(states) > 0 && !slices.Contains(states, string(st.State)) {
				continue
			}
			if l.n == pg.limit {
				l.end(encodeCursor("alerts", last))
				return
			}
			if !l.add(st) {
				return
			}
			last = keyOfAlert(&st.Alert)
		}
		l.end("")
	}
}

// alertPage reads the page of a list of alerts.
func (s *Server) alertPage(r *http.Request) (page, *alertKey, error) {
	pg, err := s.parsePage(r.URL.Query())
	if err != nil || pg.cursor == "" {
		return pg, nil, err
	}
	var k alertKey
	if err := decodeCursor(pg.cursor, "alerts", &k); err != nil {
		return pg, nil, err
	}
	return pg, &k, nil
}

// alertKey is where an alert lies in the order of Alerting's lists.
type alertKey struct {
	Alertname   string `json:"n"`
	Area        string `json:"a"`
	Indicator   string `json:"i"`
	Period      string `json:"p"`
	Fingerprint string `json:"f"`
}

func keyOfAlert(al *chiso.Alert) *alertKey {
	return &alertKey{Alertname: al.Labels[alerting.LabelAlertname], Area: al.Labels[alerting.LabelArea],
		Indicator: al.Labels[alerting.LabelIndicator], Period: al.Labels[alerting.LabelPeriod], Fingerprint: al.Fingerprint}
}

func (k *alertKey) compare(o *alertKey) int {
	return cmp.Or(strings.Compare(k.Alertname, o.Alertname), strings.Compare(k.Area, o.Area),
		strings.Compare(k.Indicator, o.Indicator), strings.Compare(k.Period, o.Period),
		strings.Compare(k.Fingerprint, o.Fingerprint))
}

// alertQuery reads ?filter={matchers} and ?state=firing,pending.
func alertQuery(r *http.Request) (alerting.Matchers, []string, error) {
	v := r.URL.Query()
	var ms alerting.Matchers
	for _, f := range v["filter"] {
		m, err := alerting.ParseMatchers(f)
		if err != nil {
			return nil, nil, errorf("query parameter filter %s: %v", clip.Quote(f), err)
		}
		ms = append(ms, m...)
	}
	if err := ms.CheckLimits(); err != nil {
		return nil, nil, errorf("query parameter filter: %v", err)
	}
	states := list(v["state"])
	for _, st := range states {
		switch chiso.AlertState(st) {
		case chiso.Pending, chiso.Firing, chiso.Resolved:
		default:
			return nil, nil, errorf("query parameter state: %s is not pending, firing or resolved", clip.Quote(st))
		}
	}
	return ms, states, nil
}

func (s *Server) getAlertHistory(a Alerting) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := s.historyQuery(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		limit := f.Limit
		f.Limit++ // one more, to know whether a page follows
		evs, err := a.AlertHistory(r.Context(), f)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		var next string
		if len(evs) > limit {
			evs = evs[:limit]
			e := evs[limit-1]
			next = encodeCursor("history", historyKey{At: e.At, ID: e.ID})
		}
		l := startList(w, "")
		for _, e := range evs {
			if !l.add(e) {
				return
			}
		}
		l.end(next)
	}
}

// historyKey is the last event of a page of history.
type historyKey struct {
	At time.Time `json:"t"`
	ID int64     `json:"i"`
}

// historyQuery reads the history filter and page; every bad parameter is
// reported.
func (s *Server) historyQuery(r *http.Request) (alerting.HistoryFilter, error) {
	v := r.URL.Query()
	f := alerting.HistoryFilter{Fingerprint: v.Get("fingerprint"), Alertname: v.Get("alertname"),
		Area: v.Get("area"), Indicator: v.Get("indicator"), Kind: alerting.EventKind(v.Get("kind"))}
	var errs []string
	for key, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if s := v.Get(key); s != "" {
			t, err := ParseTime(s, requestTime())
			if err != nil {
				errs = append(errs, fmt.Sprintf("query parameter %s: %v", key, err))
			}
			*dst = t
		}
	}
	pg, err := s.parsePage(v)
	var after historyKey
	if err == nil && pg.cursor != "" {
		err = decodeCursor(pg.cursor, "history", &after)
	}
	if err != nil {
		errs = append(errs, err.Error())
	}
	f.Limit, f.After = pg.limit, alerting.EventPosition{At: after.At, ID: after.ID}
	if len(errs) > 0 {
		slices.Sort(errs)
		return f, errorf("%s", strings.Join(errs, "; "))
	}
	return f, nil
}

// ParseTime reads a time given to the API or the command line: RFC 3339
// (2026-11-23T08:00:00Z), a date (2026-11-23, midnight UTC), or a duration
// before now in the rule files' syntax (7d, 12h).
func ParseTime(s string, now time.Time) (time.Time, error) {
	if len(s) > clip.Limit { // none of them is that long
		return time.Time{}, fmt.Errorf("%s is neither an RFC 3339 time, a date (YYYY-MM-DD) nor a duration (7d)", clip.Quote(s))
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := timespec.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%s is neither an RFC 3339 time, a date (YYYY-MM-DD) nor a duration (7d)", clip.Quote(s))
}

// AckRequest is the body of POST /api/v1/alerts/{fingerprint}/ack.
type AckRequest struct {
	Kind    chiso.AckKind `json:"kind"` // correct or will_be_corrected
	By      string        `json:"by"`
	Comment string        `json:"comment"`
}

func (s *Server) postAck(a Alerting) writeHandler {
	return func(w http.ResponseWriter, r *http.Request, p Principal, n *note) {
		fp := r.PathValue("fingerprint")
		n.target = clip.Text(fp)
		var req AckRequest
		if err := decodeBody(r, &req); err != nil {
			n.fail(w, r, http.StatusBadRequest, err)
			return
		}
		if err := req.validate(); err != nil {
			n.fail(w, r, http.StatusBadRequest, err)
			return
		}
		now := requestTime()
		if area, found := alertArea(a, fp, now); found {
			n.areas = []string{area}
			if !p.Covers(area) {
				n.refuse(w, s.forbidden(p, chiso.ActionAck, []string{cmp.Or(area, `""`)}, ""))
				return
			}
		} else if p.Scoped() { // nothing to judge it by: as unknown as it is
			n.fail(w, r, http.StatusNotFound, errorf("no alert with fingerprint %s", clip.Quote(fp)))
			return
		}
		al, err := a.Ack(r.Context(), fp, req.Kind, req.By, req.Comment, now)
		if errors.Is(err, alerting.ErrNotFound) {
			err = errorf("no alert with fingerprint %s", clip.Quote(fp))
			n.fail(w, r, http.StatusNotFound, err)
			return
		}
		if err != nil {
			n.fail(w, r, errStatus(err), err)
			return
		}
		n.detail = string(req.Kind) + " by " + clip.Text(req.By)
		writeAlert(w, al)
	}
}

// alertArea returns the area label of the alert with the fingerprint
// (empty for an alert without one); found is false when there is no such
// alert.
func alertArea(a Alerting, fp string, now time.Time) (area string, found bool) {
	for _, st := range a.Alerts(now) {
		if st.Fingerprint == fp {
			return st.Labels[alerting.LabelArea], true
		}
	}
	return "", false
}

func (req AckRequest) validate() error {
	var errs []string
	if req.Kind != chiso.AckCorrect && req.Kind != chiso.AckWillBeCorrect {
		errs = append(errs, fmt.Sprintf("kind %s is not %s or %s", clip.Quote(string(req.Kind)), chiso.AckCorrect, chiso.AckWillBeCorrect))
	}
	if strings.TrimSpace(req.By) == "" {
		errs = append(errs, "by is required: who acknowledges")
	}
	if len(req.By) > alerting.MaxAuthorBytes {
		errs = append(errs, fmt.Sprintf("by of %d bytes: at most %d", len(req.By), alerting.MaxAuthorBytes))
	}
	if len(req.Comment) > alerting.MaxCommentBytes {
		errs = append(errs, fmt.Sprintf("comment of %d bytes: at most %d", len(req.Comment), alerting.MaxCommentBytes))
	}
	if len(errs) > 0 {
		return errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// ErrNotLeader is wrapped by the errors of alert changes asked of a
// daemon that follows another: they answer 503, and the message names the
// leader to send them to.
var ErrNotLeader = errors.New("this chiso follows another; alert changes go to the leader")

// errStatus is 404 for an unknown alert or silence, 503 on a follower,
// else 422: the request was understood but could not be applied.
func errStatus(err error) int {
	switch {
	case errors.Is(err, alerting.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrNotLeader):
		return http.StatusServiceUnavailable
	}
	return http.StatusUnprocessableEntity
}

func writeAlert(w http.ResponseWriter, al chiso.Alert) {
	b, err := alerts.MarshalAlert(al)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeData(w, http.StatusOK, json.RawMessage(b))
}

// decodeBody decodes the JSON body of r, which bounded limits, into v.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf("request body: %s", clipQuoted(err.Error()))
	}
	return nil
}

// SilenceRequest is the body of POST /api/v1/silences. Matchers are
// strings in Alertmanager's syntax (`area="PT"`) or objects {name, op,
// value}. The end is ends_at, or duration after the start; the start is
// starts_at, or now.
type SilenceRequest struct {
	Matchers  []MatcherJSON `json:"matchers"`
	StartsAt  time.Time     `json:"starts_at,omitzero"`
	EndsAt    time.Time     `json:"ends_at,omitzero"`
	Duration  string        `json:"duration,omitempty"` // e.g. 2h, 7d, 2w
	CreatedBy string        `json:"created_by"`
	Comment   string        `json:"comment"`
}

// MatcherJSON is a matcher read from a string or an object.
type MatcherJSON struct{ *alerting.Matcher }

// UnmarshalJSON reads `area="PT"` or {"name": "area", "op": "=", "value": "PT"},
// within the limits of alerts.NewMatcher.
func (m *MatcherJSON) UnmarshalJSON(b []byte) error {
	var str string
	if json.Unmarshal(b, &str) == nil {
		mm, err := alerting.ParseMatcher(str)
		m.Matcher = mm
		return err
	}
	var w struct {
		Name  string           `json:"name"`
		Op    alerting.MatchOp `json:"op"`
		Value string           `json:"value"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	mm, err := alerting.NewMatcher(w.Name, w.Op, w.Value)
	m.Matcher = mm
	return err
}

// PreviewRequest is the body of POST /api/v1/silences/preview.
type PreviewRequest struct {
	Matchers []MatcherJSON `json:"matchers"`
}

// SilenceJSON is a silence with its state at the time of the request.
type SilenceJSON struct {
	alerting.Silence
	State alerting.SilenceState `json:"state"`
}

func matchers(ms []MatcherJSON) alerting.Matchers {
	out := make(alerting.Matchers, 0, len(ms))
	for _, m := range ms {
		if m.Matcher != nil {
			out = append(out, m.Matcher)
		}
	}
	return out
}

// silence turns the request into a silence to add at now.
func (req SilenceRequest) silence(now time.Time) (alerting.Silence, error) {
	s := alerting.Silence{Matchers: matchers(req.Matchers), StartsAt: req.StartsAt, EndsAt: req.EndsAt,
		CreatedBy: req.CreatedBy, Comment: req.Comment}
	if s.StartsAt.IsZero() {
		s.StartsAt = now
	}
	if req.Duration != "" {
		if !req.EndsAt.IsZero() {
			return s, errorf("give ends_at or duration, not both")
		}
		d, err := parseInput(req.Duration, timespec.ParseDuration, "a duration")
		if err != nil {
			return s, errorf("duration %s: %v", clip.Quote(req.Duration), err)
		}
		s.EndsAt = s.StartsAt.Add(d)
	}
	return s, nil
}

func (s *Server) getSilences(a Alerting) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pg, err := s.parsePage(r.URL.Query())
		var after int64
		if err == nil && pg.cursor != "" {
			err = decodeCursor(pg.cursor, "silences", &after)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		now := requestTime()
		want := list(r.URL.Query()["state"])
		l := startList(w, "")
		var last int64
		for _, sl := range a.Silences() { // newest first
			st := sl.State(now)
			if pg.cursor != "" && sl.ID >= after || len(want) > 0 && !slices.Contains(want, string(st)) {
				continue
			}
			if l.n == pg.limit {
				l.end(encodeCursor("silences", last))
				return
			}
			if !l.add(SilenceJSON{Silence: sl, State: st}) {
				return
			}
			last = sl.ID
		}
		l.end("")
	}
}

func (srv *Server) postSilence(a Alerting) writeHandler {
	return func(w http.ResponseWriter, r *http.Request, p Principal, n *note) {
		var req SilenceRequest
		if err := decodeBody(r, &req); err != nil {
			n.fail(w, r, http.StatusBadRequest, err)
			return
		}
		now := requestTime()
		s, err := req.silence(now)
		if err == nil {
			err = s.Validate(now)
		}
		if err != nil {
			n.fail(w, r, http.StatusBadRequest, err)
			return
		}
		n.target, n.areas = clip.Text(s.Matchers.String()), matcherAreas(s.Matchers)
		if e := srv.silenceScope(p, chiso.ActionSilence, s.Matchers); e != nil {
			n.refuse(w, e)
			return
		}
		if s, err = a.AddSilence(r.Context(), s, now); err != nil {
			n.fail(w, r, errStatus(err), err)
			return
		}
		n.target = fmt.Sprintf("silence %d %s", s.ID, n.target)
		writeData(w, http.StatusOK, SilenceJSON{Silence: s, State: s.State(now)})
	}
}

func (srv *Server) deleteSilence(a Alerting) writeHandler {
	return func(w http.ResponseWriter, r *http.Request, p Principal, n *note) {
		n.target = "silence " + clip.Text(r.PathValue("id"))
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			n.fail(w, r, http.StatusBadRequest, errorf("silence id %s is not a number", clip.Quote(r.PathValue("id"))))
			return
		}
		if sl, found := silenceByID(a, id); found {
			n.areas = matcherAreas(sl.Matchers)
			if e := srv.silenceScope(p, chiso.ActionSilence, sl.Matchers); e != nil {
				n.refuse(w, e)
				return
			}
		} else if p.Scoped() {
			n.fail(w, r, http.StatusNotFound, fmt.Errorf("expire silence %d: %w", id, alerting.ErrNotFound))
			return
		}
		if err := a.ExpireSilence(r.Context(), id, requestTime()); err != nil {
			n.fail(w, r, errStatus(err), err)
			return
		}
		writeData(w, http.StatusOK, map[string]int64{"expired": id})
	}
}

func silenceByID(a Alerting, id int64) (alerting.Silence, bool) {
	for _, sl := range a.Silences() {
		if sl.ID == id {
			return sl, true
		}
	}
	return alerting.Silence{}, false
}

// matcherAreas lists the values of a silence's area matchers, for the
// audit: what it asked for, whether granted or not.
func matcherAreas(ms alerting.Matchers) []string {
	var out []string
	for _, m := range ms {
		if m.Name == alerting.LabelArea {
			out = append(out, clip.Text(string(m.Op)+m.Value))
		}
	}
	return out
}

// postPreview lists a page of the current alerts the matchers would
// catch; the cursor is in the query string, the matchers in the body.
func (s *Server) postPreview(a Alerting) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pg, after, err := s.alertPage(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		var req PreviewRequest
		if err := decodeBody(r, &req); err != nil {
			writeBodyError(w, r, http.StatusBadRequest, err)
			return
		}
		ms := matchers(req.Matchers)
		if len(ms) == 0 {
			writeError(w, http.StatusBadRequest, errorf("matchers are required"))
			return
		}
		if err := ms.CheckLimits(); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		all := a.Preview(ms)
		first := sort.Search(len(all), func(i int) bool { return after == nil || keyOfAlert(&all[i]).compare(after) > 0 })
		end := min(len(all), first+pg.limit)
		l := startList(w, "")
		for _, al := range all[first:end] {
			b, err := alerts.MarshalAlert(al)
			if err != nil {
				panic(http.ErrAbortHandler) // the answer has begun: cut it
			}
			if !l.add(json.RawMessage(b)) {
				return
			}
		}
		var next string
		if end < len(all) {
			next = encodeCursor("alerts", keyOfAlert(&all[end-1]))
		}
		l.end(next)
	}
}

func postTestReceiver(a Alerting) writeHandler {
	return func(w http.ResponseWriter, r *http.Request, _ Principal, n *note) {
		name := r.PathValue("name")
		n.target = "receiver " + clip.Text(name)
		err := a.TestReceiver(r.Context(), name, requestTime())
		if errors.Is(err, alerting.ErrNotFound) {
			n.fail(w, r, http.StatusNotFound, errorf("no receiver %s", clip.Quote(name)))
			return
		}
		if err != nil {
			n.fail(w, r, errStatus(err), err)
			return
		}
		writeData(w, http.StatusAccepted, map[string]string{"receiver": name, "queued": "test"})
	}
}
