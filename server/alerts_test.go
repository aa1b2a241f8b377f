package server

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/prometheus/client_golang/prometheus"
)

// fakeAlerting keeps alerts and silences in memory and records what the
// server asked of it.
type fakeAlerting struct {
	alerts   []alerts.AlertStatus
	silences []alerting.Silence
	filter   alerting.HistoryFilter
	acks     []string
	tested   []string
	expired  []int64
	events   []alerting.Event // newest first; nil: one event
}

func (f *fakeAlerting) Alerts(time.Time) []alerts.AlertStatus { return f.alerts }

func (f *fakeAlerting) AlertHistory(_ context.Context, hf alerting.HistoryFilter) ([]alerting.Event, error) {
	f.filter = hf
	if f.events != nil {
		var out []alerting.Event
		for _, e := range f.events {
			if len(out) < hf.Limit && (hf.After.ID == 0 || e.At.Before(hf.After.At) || e.At.Equal(hf.After.At) && e.ID < hf.After.ID) {
				out = append(out, e)
			}
		}
		return out, nil
	}
	return []alerting.Event{{ID: 1, Fingerprint: "fp1", Kind: alerting.EventTransition, To: chiso.Firing, Value: math.NaN()}}, nil
}

func (f *fakeAlerting) Ack(_ context.Context, fp string, kind chiso.AckKind, by, comment string, now time.Time) (chiso.Alert, error) {
	for _, a := range f.alerts {
		if a.Fingerprint == fp {
			f.acks = append(f.acks, fmt.Sprintf("%s %s %s %s", fp, kind, by, comment))
			a.Ack = &chiso.Acknowledgement{Fingerprint: fp, Kind: kind, By: by, At: now, Comment: comment}
			return a.Alert, nil
		}
	}
	return chiso.Alert{}, fmt.Errorf("acknowledge %s: %w", fp, alerting.ErrNotFound)
}

func (f *fakeAlerting) AddSilence(_ context.Context, s alerting.Silence, _ time.Time) (alerting.Silence, error) {
	s.ID = int64(len(f.silences) + 1)
	f.silences = append(f.silences, s)
	return s, nil
}

func (f *fakeAlerting) ExpireSilence(_ context.Context, id int64, now time.Time) error {
	for i := range f.silences {
		if f.silences[i].ID == id {
			f.expired = append(f.expired, id)
			f.silences[i].EndsAt = now
			return nil
		}
	}
	return fmt.Errorf("expire silence %d: %w", id, alerting.ErrNotFound)
}

func (f *fakeAlerting) Silences() []alerting.Silence { return f.silences }

func (f *fakeAlerting) Preview(ms alerting.Matchers) []chiso.Alert {
	var out []chiso.Alert
	for _, a := range f.alerts {
		if ms.Matches(a.Labels) {
			out = append(out, a.Alert)
		}
	}
	return out
}

func (f *fakeAlerting) TestReceiver(_ context.Context, name string, _ time.Time) error {
	if name != "ops" {
		return fmt.Errorf("test receiver %s: %w", name, alerting.ErrNotFound)
	}
	f.tested = append(f.tested, name)
	return nil
}

func testAlert(fp, area, severity string, st chiso.AlertState) alerts.AlertStatus {
	return alerts.AlertStatus{Alert: chiso.Alert{Fingerprint: fp, State: st, Value: 12.5, Expected: math.NaN(),
		Labels: map[string]string{"alertname": "BelowTarget", "area": area, "severity": severity}}}
}

func newAlertServer(t *testing.T, f *fakeAlerting) *httptest.Server {
	t.Helper()
	b := &backend{}
	deps := Deps{Importer: b, Querier: b, Status: b, Reloader: b, Tokens: func() []Token { return []Token{{Name: "test", Value: "tok"}} },
		Gatherer: prometheus.NewRegistry()}
	if f != nil {
		deps.Alerting = f
	}
	s, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func newFake() *fakeAlerting {
	return &fakeAlerting{alerts: []alerts.AlertStatus{
		testAlert("fp1", "PT", "warning", chiso.Firing),
		testAlert("fp2", "VP", "critical", chiso.Firing),
		testAlert("fp3", "PT", "warning", chiso.Pending),
	}}
}

func fingerprints(body map[string]any) string {
	var fps []string
	data, _ := body["data"].([]any)
	for _, d := range data {
		fps = append(fps, d.(map[string]any)["fingerprint"].(string))
	}
	return strings.Join(fps, ",")
}

func TestGetAlertsFilters(t *testing.T) {
	ts := newAlertServer(t, newFake())
	cases := []struct {
		query string
		code  int
		want  string
	}{
		{"", 200, "fp1,fp2,fp3"},
		{"?filter=" + urlq(`{severity="warning"}`), 200, "fp1,fp3"},
		{"?filter=" + urlq(`area=~"P.*"`) + "&state=firing", 200, "fp1"},
		{"?state=pending,firing&filter=" + urlq(`area!="PT"`), 200, "fp2"},
		{"?state=resolved", 200, ""},
		{"?state=gone", 400, ""},
		{"?filter=" + urlq(`area=~"("`), 400, ""},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			code, body := do(t, "GET", ts.URL+"/api/v1/alerts"+c.query, "", "", "")
			if code != c.code || fingerprints(body) != c.want {
				t.Fatalf("got %d %q, want %d %q (%v)", code, fingerprints(body), c.code, c.want, body)
			}
		})
	}
}

func urlq(s string) string {
	r := strings.NewReplacer(`"`, "%22", "{", "%7B", "}", "%7D", "=", "%3D", "~", "%7E", "!", "%21", " ", "%20", "(", "%28")
	return r.Replace(s)
}

func TestAlertHistoryQuery(t *testing.T) {
	f := newFake()
	ts := newAlertServer(t, f)
	code, body := do(t, "GET", ts.URL+"/api/v1/alerts/history?fingerprint=fp1&area=PT&alertname=A&indicator=i&since=2026-11-01&until=2026-11-23T08:00:00Z&limit=5", "", "", "")
	if code != 200 || fingerprints(body) != "fp1" {
		t.Fatalf("got %d %v", code, body)
	}
	// one event more than the page, to know whether another page follows
	want := alerting.HistoryFilter{Fingerprint: "fp1", Alertname: "A", Area: "PT", Indicator: "i", Limit: 6,
		Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	if !f.filter.Since.Equal(want.Since) || !f.filter.Until.Equal(want.Until) {
		t.Fatalf("filter times = %v..%v", f.filter.Since, f.filter.Until)
	}
	f.filter.Since, f.filter.Until, want.Since, want.Until = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if f.filter != want {
		t.Fatalf("filter = %+v, want %+v", f.filter, want)
	}
	code, body = do(t, "GET", ts.URL+"/api/v1/alerts/history?since=yesterday&limit=-1", "", "", "")
	msg, _ := body["error"].(string)
	if code != 400 || !strings.Contains(msg, `limit: "-1"`) || !strings.Contains(msg, `since: "yesterday"`) {
		t.Fatalf("got %d %v: want both bad parameters", code, body)
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"2026-11-20T08:00:00+07:00", time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC), false},
		{"2026-11-20", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), false},
		{"7d", now.Add(-7 * 24 * time.Hour), false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"last week", time.Time{}, true},
	}
	for _, c := range cases {
		got, err := ParseTime(c.in, now)
		if (err != nil) != c.err || !got.Equal(c.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v (error %v)", c.in, got, err, c.want, c.err)
		}
	}
}

func TestAck(t *testing.T) {
	f := newFake()
	ts := newAlertServer(t, f)
	cases := []struct {
		name, fp, token, body string
		code                  int
	}{
		{"no token", "fp1", "", `{"kind":"correct","by":"lan"}`, 401},
		{"bad kind and no one", "fp1", "tok", `{"kind":"fine"}`, 400},
		{"unknown field", "fp1", "tok", `{"kind":"correct","by":"lan","who":"x"}`, 400},
		{"unknown alert", "nope", "tok", `{"kind":"correct","by":"lan"}`, 404},
		{"ok", "fp1", "tok", `{"kind":"will_be_corrected","by":"lan","comment":"sửa vào thứ hai"}`, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := do(t, "POST", ts.URL+"/api/v1/alerts/"+c.fp+"/ack", c.token, "application/json", c.body)
			if code != c.code {
				t.Fatalf("got %d, want %d (%v)", code, c.code, body)
			}
			if code == 200 {
				ack := body["data"].(map[string]any)["acknowledgement"].(map[string]any)
				if ack["by"] != "lan" || ack["kind"] != "will_be_corrected" {
					t.Errorf("acknowledgement = %v", ack)
				}
			}
		})
	}
	if len(f.acks) != 1 || f.acks[0] != "fp1 will_be_corrected lan sửa vào thứ hai" {
		t.Fatalf("acks = %q", f.acks)
	}
}

func TestSilences(t *testing.T) {
	f := newFake()
	ts := newAlertServer(t, f)
	post := func(token, body string) (int, map[string]any) {
		return do(t, "POST", ts.URL+"/api/v1/silences", token, "application/json", body)
	}
	if code, _ := post("", `{}`); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	code, body := post("tok", `{"matchers":[],"duration":"soon"}`)
	msg, _ := body["error"].(string)
	if code != 400 || !strings.Contains(msg, `duration "soon"`) {
		t.Fatalf("bad duration: %d %v", code, body)
	}
	code, body = post("tok", `{"matchers":[],"duration":"1d"}`)
	msg, _ = body["error"].(string)
	if code != 400 || !strings.Contains(msg, "at least one matcher") || !strings.Contains(msg, "created_by") {
		t.Fatalf("invalid silence: %d %v", code, body)
	}
	code, body = post("tok", `{"matchers":["area=\"PT\"",{"name":"severity","op":"!=","value":"info"}],"duration":"7d","created_by":"lan","comment":"đang sửa"}`)
	if code != 200 || body["data"].(map[string]any)["state"] != "active" {
		t.Fatalf("add: %d %v", code, body)
	}
	s := f.silences[0]
	if got := s.Matchers.String(); got != `{area="PT", severity!="info"}` || s.EndsAt.Sub(s.StartsAt) != 7*24*time.Hour {
		t.Fatalf("stored %s for %v", got, s.EndsAt.Sub(s.StartsAt))
	}
	if code, body = do(t, "DELETE", ts.URL+"/api/v1/silences/1", "tok", "", ""); code != 200 {
		t.Fatalf("expire: %d %v", code, body)
	}
	for path, want := range map[string]int{"/api/v1/silences/9": 404, "/api/v1/silences/x": 400} {
		if code, _ := do(t, "DELETE", ts.URL+path, "tok", "", ""); code != want {
			t.Errorf("DELETE %s: %d, want %d", path, code, want)
		}
	}
	code, body = do(t, "GET", ts.URL+"/api/v1/silences?state=expired", "", "", "")
	if data := body["data"].([]any); code != 200 || len(data) != 1 || len(f.expired) != 1 {
		t.Fatalf("list expired: %d %v", code, body)
	}
}

// TestSilenceLimitsOverHTTP: silences, previews, filters and
// acknowledgements beyond the limits are refused with 400 and a short
// message, and nothing reaches the manager. Before, a 400 KB expression
// was stored, and quoted whole in errors.
func TestSilenceLimitsOverHTTP(t *testing.T) {
	f := newFake()
	ts := newAlertServer(t, f)
	huge := strings.Repeat("PT|", 400<<10/3) + "VP"
	var many []string
	for i := range alerting.MaxMatchers + 1 {
		many = append(many, fmt.Sprintf(`"l%d=\"v\""`, i))
	}
	cases := []struct{ name, method, path, body string }{
		{"400 KB regex", "POST", "/api/v1/silences", `{"matchers": ["area=~\"` + huge + `\""], "duration": "1d", "created_by": "lan", "comment": "c"}`},
		{"400 KB regex, object", "POST", "/api/v1/silences", `{"matchers": [{"name": "area", "op": "=~", "value": "` + huge + `"}], "duration": "1d", "created_by": "lan", "comment": "c"}`},
		{"65 matchers", "POST", "/api/v1/silences", `{"matchers": [` + strings.Join(many, ",") + `], "duration": "1d", "created_by": "lan", "comment": "c"}`},
		{"long comment", "POST", "/api/v1/silences", `{"matchers": ["area=\"PT\""], "duration": "1d", "created_by": "lan", "comment": "` + strings.Repeat("c", 5000) + `"}`},
		{"preview of 65 matchers", "POST", "/api/v1/silences/preview", `{"matchers": [` + strings.Join(many, ",") + `]}`},
		{"long acknowledgement", "POST", "/api/v1/alerts/fp1/ack", `{"kind": "correct", "by": "lan", "comment": "` + strings.Repeat("c", 5000) + `"}`},
		{"filter of a large program", "GET", "/api/v1/alerts?filter=" + urlq(`area=~"(PT|VP|HN){1000}"`), ""},
	}
	for _, c := range cases {
		code, body := do(t, c.method, ts.URL+c.path, "tok", "application/json", c.body)
		msg, _ := body["error"].(string)
		if code != 400 || msg == "" || len(msg) > 600 {
			t.Errorf("%s: %d, error of %d bytes: %.300s", c.name, code, len(msg), msg)
		}
	}
	if len(f.silences) != 0 || len(f.acks) != 0 {
		t.Errorf("the manager got %d silences and %d acknowledgements", len(f.silences), len(f.acks))
	}
}

func TestSilencePreview(t *testing.T) {
	ts := newAlertServer(t, newFake())
	code, body := do(t, "POST", ts.URL+"/api/v1/silences/preview", "", "application/json", `{"matchers":["area=\"PT\""]}`)
	if code != 200 || fingerprints(body) != "fp1,fp3" {
		t.Fatalf("preview: %d %v", code, body)
	}
	code, _ = do(t, "POST", ts.URL+"/api/v1/silences/preview", "", "application/json", `{"matchers":["area=~\"(\""]}`)
	if code != 400 {
		t.Fatalf("bad matcher: %d", code)
	}
}

func TestTestReceiver(t *testing.T) {
	f := newFake()
	ts := newAlertServer(t, f)
	for name, want := range map[string]int{"ops": 202, "nobody": 404} {
		if code, body := do(t, "POST", ts.URL+"/api/v1/receivers/"+name+"/test", "tok", "", ""); code != want {
			t.Errorf("%s: %d %v, want %d", name, code, body, want)
		}
	}
	if code, _ := do(t, "POST", ts.URL+"/api/v1/receivers/ops/test", "", "", ""); code != 401 {
		t.Errorf("without token: %d", code)
	}
	if len(f.tested) != 1 {
		t.Fatalf("tested = %v", f.tested)
	}
}

func TestAlertingDisabled(t *testing.T) {
	ts := newAlertServer(t, nil)
	code, body := do(t, "GET", ts.URL+"/api/v1/alerts", "", "", "")
	if code != 503 || !strings.Contains(body["error"].(string), "not enabled") {
		t.Fatalf("got %d %v", code, body)
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-20T08:00:00+07:00", "2026-11-20", "7d", "90m", "2w", "", "-1d", "9999999999999d"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s, now)
		if err != nil {
			if !got.IsZero() || !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Fatalf("ParseTime(%q) = %v, %v: an error must name the input and return no time", s, got, err)
			}
			return
		}
		again, err2 := ParseTime(s, now)
		if err2 != nil || !again.Equal(got) {
			t.Fatalf("ParseTime(%q) is not deterministic", s)
		}
	})
}
