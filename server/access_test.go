package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	cases := []struct {
		header, cred string
		ok           bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer abc", "abc", true},
		{"BEARER abc", "abc", true},
		{"bEaReR   abc  ", "abc", true},
		{"Basic abc", "", false},
		{"Bearerabc", "", false},
		{"Bearer ", "", false},
		{"abc", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		cred, ok := bearer(c.header)
		if cred != c.cred || ok != c.ok {
			t.Errorf("bearer(%q) = %q, %v; want %q, %v", c.header, cred, ok, c.cred, c.ok)
		}
	}
}

func TestKeyringFindsOnlyTheExactValue(t *testing.T) {
	k := newKeyring([]Token{{Name: "a", Value: "alpha-1"}, {Name: "b", Value: "beta-22"}})
	for value, want := range map[string]string{"alpha-1": "a", "beta-22": "b", "alpha-": "", "alpha-11": "", "ALPHA-1": "", "": ""} {
		tok, ok := k.find(value)
		if ok != (want != "") || tok.Name != want {
			t.Errorf("find(%q) = %q, %v; want %q", value, tok.Name, ok, want)
		}
	}
	if _, ok := newKeyring([]Token{{Name: "empty", Value: ""}}).find(""); ok {
		t.Error("an empty value matched an empty token")
	}
}

func TestTokensNeverPrintTheirValue(t *testing.T) {
	tok := Token{Name: "steward-pt", Value: "v4lue-0f-the-t0ken", Areas: []string{"PT"}}
	js, _ := json.Marshal([]Token{tok})
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "token", tok, "tokens", []Token{tok})
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "token", tok, "tokens", []Token{tok})
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%+v %#v %v", tok, tok, []Token{tok}), string(js), b.String()} {
		if strings.Contains(s, tok.Value) || !strings.Contains(s, "steward-pt") {
			t.Errorf("printed as %s", s)
		}
	}
}

func TestAuthorize(t *testing.T) {
	tokens := []Token{
		{Name: "steward", Value: "s-tok", Actions: []chiso.Action{chiso.ActionImport, chiso.ActionAck}, Areas: []string{"HB", "PT", "PT25", "VP"}},
		{Name: "admin", Value: "a-tok"},
	}
	reg := prometheus.NewRegistry()
	s, err := New(Deps{Tokens: func() []Token { return tokens }, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		token  string
		action chiso.Action
		areas  []string
		status int // 0: allowed
		says   string
	}{
		{"s-tok", chiso.ActionImport, []string{"PT", "VP"}, 0, ""},
		{"s-tok", chiso.ActionAck, nil, 0, ""},
		{"s-tok", "", nil, 0, ""}, // sign-in
		{"s-tok", chiso.ActionImport, []string{"PT", "PY", "DL", "PY"}, 403, `token "steward" may not import for area PY, DL`},
		{"s-tok", chiso.ActionReload, nil, 403, `token "steward" may not reload`},
		{"a-tok", chiso.ActionAdmin, []string{"PY"}, 0, ""},
		{"x-tok", chiso.ActionImport, nil, 401, "missing or invalid bearer token"},
		{"", chiso.ActionImport, nil, 401, "missing or invalid bearer token"},
	}
	for i, c := range cases {
		p, err := s.Authorize(fmt.Sprintf("192.0.2.%d:1000", i), c.token, c.action, c.areas...)
		var ae *AccessError
		switch {
		case c.status == 0 && err != nil:
			t.Errorf("%d: %v", i, err)
		case c.status == 0 && p.Name == "":
			t.Errorf("%d: no principal", i)
		case c.status != 0 && (!errors.As(err, &ae) || ae.Status != c.status || err.Error() != c.says):
			t.Errorf("%d: %v, want %d %s", i, err, c.status, c.says)
		}
	}
	want := `
# HELP chiso_http_auth_failures_total Refused attempts to write, by reason: missing or invalid token, throttled (the address failed too often), forbidden (outside the token's scope).
# TYPE chiso_http_auth_failures_total counter
chiso_http_auth_failures_total{reason="forbidden"} 2
chiso_http_auth_failures_total{reason="invalid"} 1
chiso_http_auth_failures_total{reason="missing"} 1
chiso_http_auth_failures_total{reason="throttled"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "chiso_http_auth_failures_total"); err != nil {
		t.Error(err)
	}
	none, _ := New(Deps{})
	if _, err := none.Authorize("192.0.2.1:1", "a-tok", chiso.ActionImport); err == nil || !strings.Contains(err.Error(), "no bearer token is configured") {
		t.Errorf("without tokens: %v", err)
	}
}

// fakeClock is a clock a test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestThrottleHoldsBackAnAddressAfterFailures(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	th := newThrottle(clk.now, 100)
	const a, b = "192.0.2.1:5000", "192.0.2.2:5000"
	for i := range throttleFree {
		if w := th.wait(a); w != 0 {
			t.Fatalf("held back after %d failures", i)
		}
		th.fail(a)
	}
	th.fail(a) // one beyond the free ones: a second
	if w := th.wait("192.0.2.1:6000"); w != throttleBaseDelay {
		t.Errorf("wait = %s, want %s whatever the port", w, throttleBaseDelay)
	}
	if w := th.wait(b); w != 0 {
		t.Errorf("another address waits %s", w)
	}
	clk.t = clk.t.Add(throttleBaseDelay)
	th.fail(a)
	if w := th.wait(a); w != 2*throttleBaseDelay {
		t.Errorf("after the next failure wait = %s, want doubled", w)
	}
	for range 40 {
		th.fail(a)
	}
	if w := th.wait(a); w != throttleMaxDelay {
		t.Errorf("wait = %s, want at most %s", w, throttleMaxDelay)
	}
	clk.t = clk.t.Add(throttleMaxDelay + throttleForget + time.Second)
	if w := th.wait(a); w != 0 {
		t.Errorf("still held back after a quiet spell: %s", w)
	}
	th.fail(a)
	if w := th.wait(a); w != 0 {
		t.Errorf("the failures of long ago still count: %s", w)
	}
}

// TestThrottleMemoryIsBounded: an attacker with a million addresses fills
// the table and then shares one slot; the addresses known before keep
// theirs, and quiet addresses make room again.
func TestThrottleMemoryIsBounded(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	th := newThrottle(clk.now, 1000)
	const known = "198.51.100.7:1"
	th.fail(known)
	for i := range 1_000_000 {
		th.fail(fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255))
	}
	if n := th.size(); n != 1000 {
		t.Fatalf("%d addresses remembered, want at most 1000", n)
	}
	if w := th.wait("10.200.1.1:1"); w == 0 {
		t.Error("a new address of the attack is not held back")
	}
	if w := th.wait(known); w != 0 {
		t.Errorf("the address known before the attack is held back %s", w)
	}
	// IPv6: a /64 is one client.
	for i := range throttleFree + 1 {
		th.fail(fmt.Sprintf("[2001:db8:1:2::%x]:1", i))
	}
	clk.t = clk.t.Add(throttleMaxDelay + throttleForget + time.Second)
	th.fail("203.0.113.9:1") // the table makes room from the quiet addresses
	if n := th.size(); n > 2 {
		t.Errorf("%d addresses remembered after a quiet spell", n)
	}
	if k1, k2 := addressKey("[2001:db8:1:2::1]:80"), addressKey("[2001:db8:1:2:ffff::9]:81"); k1 != k2 {
		t.Errorf("one /64, two keys: %s %s", k1, k2)
	}
	if k1, k2 := addressKey("[2001:db8:1:2::1]:80"), addressKey("[2001:db8:1:3::1]:80"); k1 == k2 {
		t.Errorf("two /64, one key: %s", k1)
	}
}

func TestThrottledRequestIsRefusedWithRetryAfter(t *testing.T) {
	b := &backend{}
	reg := prometheus.NewRegistry()
	s, err := New(Deps{Importer: b, Querier: b, Status: b, Reloader: b, Registerer: reg,
		Tokens: func() []Token { return []Token{{Name: "ops", Value: "good"}} }})
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: time.Now()}
	s.guard = newThrottle(clk.now, 10)
	send := func(tok string) *http.Response {
		req := httptest.NewRequest("POST", "/-/reload", nil)
		req.RemoteAddr = "192.0.2.50:4000"
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec.Result()
	}
	for range throttleFree + 1 {
		if code := send("bad").StatusCode; code != 401 {
			t.Fatalf("bad token: %d", code)
		}
	}
	resp := send("good")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("held back: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clk.t = clk.t.Add(throttleBaseDelay)
	if code := send("good").StatusCode; code != 200 {
		t.Errorf("after the delay the good token: %d", code)
	}
	if n := testutil.ToFloat64(s.authFailures.WithLabelValues("throttled")); n != 1 {
		t.Errorf("throttled counted %v times, want 1", n)
	}
}

func TestSilenceScopeProvesRegularExpressions(t *testing.T) {
	s, _ := New(Deps{})
	p := Principal{Name: "pt", Areas: []string{"HB", "PT", "PT25", "VP"}}
	cases := []struct {
		matchers string
		ok       bool
		says     string
	}{
		{`{area="PT"}`, true, ""},
		{`{area="PT25", alertname="X"}`, true, ""},
		{`{area=~"PT25|PT|VP|HB"}`, true, ""},
		{`{area=~"PT(25)?"}`, true, ""},
		{`{area=~"(PT|VP|HB)"}`, true, ""},
		{`{area=~"[PV][T]"}`, false, "may not silence for area VT"}, // PT and VT: VT is not the token's
		{`{area=~"PT|(HB){1,1}"}`, true, ""},
		{`{area=~"^PT$"}`, true, ""},
		{`{area=~"PT", area="VP"}`, true, ""},
		{`{area="PY"}`, false, "may not silence for area PY"},
		{`{area=~"P."}`, false, "could match an area outside"},
		{`{area=~".*"}`, false, "could match an area outside"},
		{`{area=~"PT.*"}`, false, "could match an area outside"},
		{`{area=~"(?i)pt"}`, false, "pT"},
		{`{area=~"PT|PY"}`, false, "may not silence for area PY"},
		{`{area=~"PT(25)?|DL25"}`, false, "may not silence for area DL25"},
		{`{area=~"[A-Z]{2}"}`, false, "may not silence for area AA, AB, AC, AD, AE, AF, AG, AH, AI, AJ and 663 more"},
		{`{area=~"[A-Z]{3}"}`, false, "could match an area outside"},
		{`{area=~"PT?"}`, false, "may not silence for area P"},
		{`{area!="PY", alertname="X"}`, false, "could match an area outside"},
		{`{area!~"PY", alertname="X"}`, false, "could match an area outside"},
		{`{area="PT", area!="VP"}`, false, "could match an area outside"},
		{`{area=~"PT|", alertname="X"}`, false, "alerts without an area"},
		{`{area="", alertname="X"}`, false, "alerts without an area"},
		{`{alertname="X"}`, false, "needs an area matcher"},
	}
	for _, c := range cases {
		ms, err := alerting.ParseMatchers(c.matchers)
		if err != nil {
			t.Fatalf("%s: %v", c.matchers, err)
		}
		e := s.silenceScope(p, chiso.ActionSilence, ms)
		switch {
		case c.ok && e != nil:
			t.Errorf("%s refused: %v", c.matchers, e)
		case !c.ok && e == nil:
			t.Errorf("%s accepted", c.matchers)
		case !c.ok && (!strings.Contains(e.Error(), c.says) || !strings.Contains(e.Error(), `use area="HB", or area=~"HB|PT|PT25|VP"`)):
			t.Errorf("%s: %v, want %q and a suggestion", c.matchers, e, c.says)
		}
	}
	if e := s.silenceScope(Principal{Name: "ops"}, chiso.ActionSilence, alerting.Matchers{}); e != nil {
		t.Errorf("an unscoped token: %v", e)
	}
}

func TestLanguageOfRegularExpressions(t *testing.T) {
	cases := map[string][]string{
		"PT25|PT":              {"PT", "PT25"},
		"(PT|VP)25?":           {"PT2", "PT25", "VP2", "VP25"},
		"[ab]{1,2}":            {"a", "aa", "ab", "b", "ba", "bb"},
		"x{0}":                 {""},
		"a|b|c|a":              {"a", "b", "c"},
		"a+":                   nil,
		"(a|b)*":               nil,
		"\\d":                  {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
		"[\\x{0}-\\x{10FFFF}]": nil,
	}
	for expr, want := range cases {
		m, err := alerting.NewMatcher("area", alerting.MatchRegexp, expr)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := matcherValues(m)
		slices.Sort(got)
		if ok != (want != nil) || ok && !slices.Equal(got, want) {
			t.Errorf("%s: %v %v, want %v", expr, got, ok, want)
		}
	}
}
