package console_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// client is a browser without JavaScript: it keeps cookies and reads the
// CSRF value from the pages' forms.
type client struct {
	t    *testing.T
	s    *site
	http *http.Client
	csrf string
}

func newClient(t *testing.T, s *site) *client {
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, s: s, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	body, _ := c.get("/signin")
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF value on /signin:\n%s", body)
	}
	c.csrf = m[1]
	return c
}

func (c *client) get(path string) (string, *http.Response) {
	c.t.Helper()
	resp, err := c.http.Get(c.s.url + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp
}

func (c *client) postForm(path string, form url.Values, header ...string) (string, *http.Response) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.s.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp
}

func (c *client) signIn() {
	c.t.Helper()
	_, resp := c.postForm("/signin", url.Values{"csrf": {c.csrf}, "token": {c.s.token}, "back": {"/"}})
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("sign-in: %s", resp.Status)
	}
}

// upload posts a file to /import as the page's form does.
func (c *client) upload(csrf, name, content string) (string, *http.Response) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.s.url+"/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp
}

func TestBadRequestsSayWhatAndChangeNothing(t *testing.T) {
	s := startSite(t)
	c := newClient(t, s)
	silences := s.get("/api/v1/silences")
	observations := s.get("/api/v1/observations?limit=1000")

	for _, tc := range []struct {
		path string
		code int
		says string
	}{
		{"/series/no_such_indicator/VP", 404, `"no_such_indicator"`},
		{"/series/ict_revenue/XX", 404, `"XX"`},
		{"/findings?sort=bogus", 400, `"bogus"`},
		{"/findings?page=abc", 400, `"abc"`},
		{"/findings?page=99", 404, "1 trang"},
		{"/alerts?state=weird", 400, `"weird"`},
		{"/alerts?page=99", 404, "1 trang cảnh báo"},
		{"/alerts?preview=1&matchers=area", 400, `{area}`},
		{"/lang/fr", 404, `"fr"`},
		{"/no/such/page", 404, `"/no/such/page"`},
		{"/assets/", 404, "404 page not found"},
		{"/assets/no-such.css", 404, "404 page not found"},
	} {
		body, resp := c.get(tc.path)
		if resp.StatusCode != tc.code || !strings.Contains(body, strings.ReplaceAll(tc.says, `"`, "&#34;")) {
			t.Errorf("GET %s: %d, want %d saying %s:\n%s", tc.path, resp.StatusCode, tc.code, tc.says, excerpt(body))
		}
	}

	// writes without the CSRF value, from another site, or without a token
	for _, tc := range []struct {
		name   string
		form   url.Values
		header []string
		code   int
	}{
		{"no csrf", url.Values{"matchers": {`area="PT"`}, "duration": {"2h"}, "by": {"x"}}, nil, 403},
		{"wrong csrf", url.Values{"csrf": {strings.Repeat("0", 64)}, "matchers": {`area="PT"`}, "duration": {"2h"}, "by": {"x"}}, nil, 403},
		{"other site", url.Values{"csrf": {c.csrf}, "matchers": {`area="PT"`}, "duration": {"2h"}, "by": {"x"}}, []string{"Origin", "http://evil.example"}, 403},
		{"not signed in", url.Values{"csrf": {c.csrf}, "matchers": {`area="PT"`}, "duration": {"2h"}, "by": {"x"}}, nil, 401},
	} {
		if _, resp := c.postForm("/silences", tc.form, tc.header...); resp.StatusCode != tc.code {
			t.Errorf("%s: %s, want %d", tc.name, resp.Status, tc.code)
		}
	}
	if body, resp := c.postForm("/signin", url.Values{"csrf": {c.csrf}, "token": {"wrong"}}); resp.StatusCode != 401 || len(resp.Cookies()) > 0 {
		t.Errorf("a wrong token signs in: %s %v\n%s", resp.Status, resp.Cookies(), excerpt(body))
	}
	if _, resp := c.get("/lang/en?back=//evil.example/x"); resp.Header.Get("Location") != "/" {
		t.Errorf("the language switch redirects to %q", resp.Header.Get("Location"))
	}

	c.signIn()
	for _, tc := range []struct {
		name string
		form url.Values
		says string
	}{
		{"bad matchers", url.Values{"matchers": {`area=~"(`}, "duration": {"2h"}, "by": {"x"}}, "area"},
		{"bad duration", url.Values{"matchers": {`area="PT"`}, "duration": {"forever"}, "by": {"x"}}, "forever"},
		{"nobody", url.Values{"matchers": {`area="PT"`}, "duration": {"2h"}}, "created_by"},
	} {
		tc.form.Set("csrf", c.csrf)
		body, resp := c.postForm("/silences", tc.form)
		if resp.StatusCode != 400 || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %s, want 400 naming %s:\n%s", tc.name, resp.Status, tc.says, excerpt(body))
		}
	}
	if body, resp := c.postForm("/alerts/0123456789abcdef/ack", url.Values{"csrf": {c.csrf}, "kind": {"correct"}, "by": {"x"}}); resp.StatusCode != 404 || !strings.Contains(body, "0123456789abcdef") {
		t.Errorf("ack of an unknown alert: %s\n%s", resp.Status, excerpt(body))
	}
	if body, resp := c.postForm("/alerts/0123456789abcdef/ack", url.Values{"csrf": {c.csrf}, "kind": {"maybe"}, "by": {"x"}}); resp.StatusCode != 400 || !strings.Contains(body, "maybe") {
		t.Errorf("ack of kind maybe: %s\n%s", resp.Status, excerpt(body))
	}
	if body, resp := c.upload(c.csrf, "payload.exe", "MZ"); resp.StatusCode != 400 || !strings.Contains(body, "payload.exe") {
		t.Errorf("an .exe upload: %s\n%s", resp.Status, excerpt(body))
	}
	if _, resp := c.upload("", "a.csv", "indicator,area,period,value\n"); resp.StatusCode != 403 {
		t.Errorf("an upload without CSRF: %s", resp.Status)
	}
	if body, resp := c.postForm("/import/commit", url.Values{"csrf": {c.csrf}, "upload": {"feedface"}}); resp.StatusCode != 404 {
		t.Errorf("commit of an unknown upload: %s\n%s", resp.Status, excerpt(body))
	}
	if got := s.get("/api/v1/silences"); got != silences {
		t.Errorf("silences changed:\n%s\n%s", silences, got)
	}
	if got := s.get("/api/v1/observations?limit=1000"); got != observations {
		t.Errorf("observations changed")
	}
}

// TestWritesKeepTheTokensScope signs in with a token for Điện Biên only:
// the console's writes go through the API, so the server refuses those
// outside the scope and audits every one.
func TestWritesKeepTheTokensScope(t *testing.T) {
	s := startSite(t)
	c := newClient(t, s)
	if _, resp := c.postForm("/signin", url.Values{"csrf": {c.csrf}, "token": {"dien-bien-only"}, "back": {"/"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with the steward's token: %s", resp.Status)
	}
	fps := regexp.MustCompile(`<tr id="a-([0-9a-f]+)">\s*<td[^>]*><span[^>]*>[^<]*</span></td>\s*<td[^>]*><code>(\w+)</code><br><a href="/series/[^/]+/(\w+)`)
	body, _ := c.get("/alerts")
	var vp, db string
	for _, m := range fps.FindAllStringSubmatch(body, -1) {
		switch m[3] {
		case "VP":
			vp = m[1]
		case "DB":
			db = m[1]
		}
	}
	if vp == "" || db == "" {
		t.Fatalf("no alert of VP or DB on /alerts:\n%s", excerpt(body))
	}
	body, resp := c.postForm("/alerts/"+vp+"/ack", url.Values{"csrf": {c.csrf}, "kind": {"correct"}, "by": {"steward"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "VP") {
		t.Errorf("the steward of DB acknowledging a VP alert: %s\n%s", resp.Status, excerpt(body))
	}
	if _, resp := c.postForm("/alerts/"+db+"/ack", url.Values{"csrf": {c.csrf}, "kind": {"will_be_corrected"}, "by": {"steward"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the steward of DB acknowledging a DB alert: %s", resp.Status)
	}
	body, resp = c.postForm("/silences", url.Values{"csrf": {c.csrf}, "matchers": {`area="DB"`}, "duration": {"2h"}, "by": {"steward"}, "comment": {"chờ số liệu"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "silence") {
		t.Errorf("a silence by a token that may not silence: %s\n%s", resp.Status, excerpt(body))
	}
	body, resp = c.upload(c.csrf, "vp.csv", "indicator,area,period,value\nict_revenue,VP,2024,200000\n")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "VP") {
		t.Errorf("an import for VP by the steward of DB: %s\n%s", resp.Status, excerpt(body))
	}

	req, _ := http.NewRequest("GET", s.url+"/api/v1/audit", nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	ar, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	audit, _ := io.ReadAll(ar.Body)
	ar.Body.Close()
	for _, want := range []string{`"action":"ack","target":"` + vp + `"`, `"outcome":"denied"`, `"action":"ack","target":"` + db + `"`, `"action":"silence_add"`, `"action":"import"`} {
		if !strings.Contains(string(audit), want) {
			t.Errorf("the audit log lacks %s:\n%s", want, audit)
		}
	}
	if strings.Contains(string(audit), "dien-bien-only") {
		t.Errorf("the audit log shows the token's value")
	}
	alerts := s.get("/api/v1/alerts")
	if strings.Count(alerts, `"acknowledgement"`) != 1 || strings.Contains(s.get("/api/v1/observations?area=VP&indicator=ict_revenue"), `"period":"2024"`) {
		t.Errorf("the refused writes changed something:\n%s", alerts)
	}
}

func TestSignedInCookieIsHttpOnlyAndStrict(t *testing.T) {
	s := startSite(t)
	c := newClient(t, s)
	_, resp := c.postForm("/signin", url.Values{"csrf": {c.csrf}, "token": {s.token}, "back": {"/series/ict_revenue/VP"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/series/ict_revenue/VP" {
		t.Fatalf("sign-in: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name == "chiso_token" {
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Errorf("token cookie %+v: want HttpOnly and SameSite=Strict", ck)
			}
		}
	}
	if !found {
		t.Fatal("no token cookie")
	}
	if body, _ := c.get("/series/ict_revenue/VP"); !strings.Contains(body, `action="/alerts/`) {
		t.Errorf("signed in, the series page offers no acknowledgement")
	}
}

func TestEnglish(t *testing.T) {
	s := startSite(t)
	c := newClient(t, s)
	if _, resp := c.get("/lang/en?back=/series/ict_revenue/VP"); resp.Header.Get("Location") != "/series/ict_revenue/VP" {
		t.Fatalf("switch: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	body, _ := c.get("/series/ict_revenue/VP")
	for _, want := range []string{`lang="en"`, "183,001 billion VND", "1,307.44 billion VND", "H1 2023", "Figures"} {
		if !strings.Contains(body, want) {
			t.Errorf("the English series page lacks %q", want)
		}
	}
	// what each finding found, written in English from its figures: the
	// daemon writes its messages in Vietnamese
	msgs := regexp.MustCompile(`<p class="msg">([^<]*)</p>`).FindAllStringSubmatch(body, -1)
	if len(msgs) == 0 {
		t.Fatalf("the English series page shows no finding")
	}
	for _, m := range msgs {
		if vietnamese.MatchString(m[1]) || !strings.Contains(m[1], "2022") {
			t.Errorf("an English page says what a finding found as %q", m[1])
		}
	}
	body, _ = c.get("/findings?area=VP")
	for _, m := range regexp.MustCompile(`class="msg">([^<]*)</td>`).FindAllStringSubmatch(body, -1) {
		if vietnamese.MatchString(m[1]) {
			t.Errorf("the English findings page says %q", m[1])
		}
	}
	c.get("/lang/vi")
	body, _ = c.get("/series/ict_revenue/VP")
	if !strings.Contains(body, "×51") && !strings.Contains(body, "51 lần") {
		t.Errorf("the Vietnamese series page does not show the finding's own message")
	}
	for _, want := range []string{`lang="vi"`, "183.001 tỷ đồng", "1.307,44 tỷ đồng", "6 tháng đầu năm 2023"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Vietnamese series page lacks %q", want)
		}
	}
}

// vietnamese matches letters only Vietnamese uses.
var vietnamese = regexp.MustCompile(`[ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]`)

// Times are written in the daemon's zone (Asia/Ho_Chi_Minh by default),
// so that "0 6 * * *" runs next at 06:00, not at 23:00 UTC.
func TestTimesAreInTheDaemonsZone(t *testing.T) {
	s := startSite(t)
	c := newClient(t, s)
	body, _ := c.get("/")
	if !strings.Contains(body, "06:00") || !strings.Contains(body, " &#43;07") || strings.Contains(body, " UTC") {
		t.Errorf("the home page does not write times in the daemon's zone (next run of 0 6 * * * at 06:00 +07):\n%s", excerpt(body))
	}
	c.get("/lang/en")
	if body, _ := c.get("/series/ict_revenue/VP"); !strings.Contains(body, " &#43;07") || strings.Contains(body, " UTC") {
		t.Errorf("the English series page does not write times in the daemon's zone:\n%s", excerpt(body))
	}
}

func TestRulesShowTheirYAML(t *testing.T) {
	s := startSite(t)
	body := s.get("/rules")
	m := regexp.MustCompile(`(?s)<code>([^<]*plausibility\.yaml):(\d+)</code></summary><pre class="yaml">(- alert: RevenueChangeImplausible\n.*?)</pre>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the rules page does not show RevenueChangeImplausible's YAML with its file and line:\n%s", excerpt(body))
	}
	if !strings.Contains(m[3], "check: change") || strings.Contains(m[3], "- alert:") && strings.Count(m[3], "- alert:") != 1 {
		t.Errorf("the rule's YAML:\n%s", m[3])
	}
}

func excerpt(s string) string {
	if i := strings.Index(s, "<main>"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 600 {
		s = s[:600]
	}
	return s
}
