package console_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestReturnAddressesStayOnThisSite: the page a form or the language
// switch goes back to is a path of this site, however it is written; a
// browser reads a backslash as a slash, so "/\evil.example" is another
// site's address.
func TestReturnAddressesStayOnThisSite(t *testing.T) {
	s := startSite(t)
	c := newClient(t, s)
	hostile := []string{`/./\evil.example`, `/a/../\evil.example/x`, `/\evil.example`, `//evil.example`,
		"/\t/evil.example", `/.\evil.example`, "https://evil.example/", `/%5C%5Cevil.example`}
	for _, back := range hostile {
		if _, resp := c.get("/lang/en?back=" + url.QueryEscape(back)); !sameSite(resp) {
			t.Errorf("the language switch with back=%q goes to %q", back, resp.Header.Get("Location"))
		}
	}
	c.signIn()
	for _, back := range hostile {
		_, resp := c.postForm("/signin", url.Values{"csrf": {c.csrf}, "token": {s.token}, "back": {back}})
		if resp.StatusCode != http.StatusSeeOther || !sameSite(resp) {
			t.Errorf("the sign-in with back=%q: %s to %q", back, resp.Status, resp.Header.Get("Location"))
		}
	}
	if _, resp := c.get("/lang/vi?back=" + url.QueryEscape("/series/ict_revenue/VP?x=1#p-2024")); resp.Header.Get("Location") != "/series/ict_revenue/VP?x=1#p-2024" {
		t.Errorf("a page of this site is not gone back to: %q", resp.Header.Get("Location"))
	}
}

// sameSite reports whether a redirect stays on the site, as a browser
// resolves its address: backslashes are slashes.
func sameSite(resp *http.Response) bool {
	loc := resp.Header.Get("Location")
	base, _ := url.Parse("http://chiso.example/findings")
	u, err := base.Parse(replaceBackslashes(loc))
	return err == nil && u.Host == "chiso.example"
}

func replaceBackslashes(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '\\' {
			b[i] = '/'
		}
	}
	return string(b)
}

// TestFormsFromAnotherOriginAreRefused: a page of a sibling site (same
// site, another origin) that planted its own CSRF cookie, or any page
// that hides its origin (a no-referrer page posts with Origin: null),
// cannot post the console's forms, the sign-in included.
func TestFormsFromAnotherOriginAreRefused(t *testing.T) {
	s := startSite(t)
	c := newClient(t, s)
	c.signIn()
	silences := s.get("/api/v1/silences")
	for _, h := range [][]string{
		{"Origin", "null"},
		{"Sec-Fetch-Site", "same-site", "Origin", "null"},
		{"Sec-Fetch-Site", "same-site"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "http://sibling." + s.url[len("http://"):]},
	} {
		form := url.Values{"csrf": {c.csrf}, "matchers": {`area="PT"`}, "duration": {"2h"}, "by": {"x"}, "comment": {"from elsewhere"}}
		if _, resp := c.postForm("/silences", form, h...); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a silence posted with %q: %s, want 403", h, resp.Status)
		}
		if _, resp := c.postForm("/signin", url.Values{"csrf": {c.csrf}, "token": {s.token}, "back": {"/"}}, h...); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a sign-in posted with %q: %s, want 403", h, resp.Status)
		}
	}
	if got := s.get("/api/v1/silences"); got != silences {
		t.Errorf("a silence was made from another origin:\n%s", got)
	}
	// the browser's own form: same origin
	form := url.Values{"csrf": {c.csrf}, "matchers": {`area="PT"`}, "duration": {"2h"}, "by": {"x"}, "comment": {"here"}}
	if _, resp := c.postForm("/silences", form, "Sec-Fetch-Site", "same-origin", "Origin", s.url); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a silence from the console's own page: %s", resp.Status)
	}
}

// TestUploadWithABadTokenIsRefusedBeforeItsFileIsRead: anyone can set a
// token cookie; an upload whose token the server does not know is
// refused before the file is read, so that a stranger cannot make the
// daemon hold hundreds of megabytes per request.
func TestUploadWithABadTokenIsRefusedBeforeItsFileIsRead(t *testing.T) {
	s := startSite(t)
	c := newClient(t, s)
	u, _ := url.Parse(s.url)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "chiso_token", Value: "forged"}})

	const limit = 300 << 20 // beyond the largest upload the daemon reads (256 MiB)
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	_ = mw.WriteField("csrf", c.csrf)
	_, _ = mw.CreateFormFile("file", "big.csv")
	body := &countingReader{r: io.MultiReader(&head, io.LimitReader(repeatReader('1'), limit))}
	req, _ := http.NewRequest("POST", s.url+"/import", body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("the upload: %v (after %d bytes sent)", err, body.n.Load())
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an upload with a forged token: %s, want 401\n%s", resp.Status, excerpt(string(page)))
	}
	if n := body.n.Load(); n > 64<<20 {
		t.Errorf("the daemon read %d MiB of the upload of a forged token before refusing it", n>>20)
	}
}

type repeatReader byte

func (b repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestADryRunIsCommittedOnlyByItsOwnToken: the file a dry run keeps is
// committed by the token that dry-ran it; another signed-in person who
// learns its id (a shared computer's history) cannot store it.
func TestADryRunIsCommittedOnlyByItsOwnToken(t *testing.T) {
	s := startSite(t)
	owner, other := newClient(t, s), newClient(t, s)
	owner.signIn()
	if _, resp := other.postForm("/signin", url.Values{"csrf": {other.csrf}, "token": {"dien-bien-only"}, "back": {"/"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in of the steward: %s", resp.Status)
	}
	body, resp := owner.upload(owner.csrf, "db.csv", "indicator,area,period,value\ndepartment_staff,DB,2023,51\n")
	m := regexp.MustCompile(`name="upload" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("the dry run: %s\n%s", resp.Status, excerpt(body))
	}
	stored := func() bool {
		return strings.Contains(s.get("/api/v1/observations?area=DB&indicator=department_staff"), `"period":"2023"`)
	}
	if body, resp := other.postForm("/import/commit", url.Values{"csrf": {other.csrf}, "upload": {m[1]}}); resp.StatusCode != http.StatusNotFound || stored() {
		t.Errorf("another token commits the dry run: %s, stored %v\n%s", resp.Status, stored(), excerpt(body))
	}
	if body, resp := owner.postForm("/import/commit", url.Values{"csrf": {owner.csrf}, "upload": {m[1]}}); resp.StatusCode != http.StatusOK || !stored() {
		t.Errorf("the owner's commit after another's attempt: %s, stored %v\n%s", resp.Status, stored(), excerpt(body))
	}
}

// TestUploadsAreReadTwoAtATime: the console holds an uploaded file in
// memory until its dry run is done, so it reads at most two at once; a
// third is asked to come back rather than taking as much again.
func TestUploadsAreReadTwoAtATime(t *testing.T) {
	s := startSite(t)
	c := newClient(t, s)
	c.signIn()
	var pipes []*io.PipeWriter
	defer func() {
		for _, pw := range pipes {
			_ = pw.CloseWithError(io.ErrUnexpectedEOF)
		}
	}()
	done := make(chan int, 2)
	for range 2 {
		pr, pw := io.Pipe()
		pipes = append(pipes, pw)
		mw := multipart.NewWriter(pw)
		req, _ := http.NewRequest("POST", s.url+"/import", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		go func() {
			resp, err := c.http.Do(req)
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		_ = mw.WriteField("csrf", c.csrf)
		fw, _ := mw.CreateFormFile("file", "slow.csv")
		// a write returns once the daemon reads it: the upload is being read
		for range 512 { // 32 MiB: more than the sockets between them hold
			if _, err := fw.Write(bytes.Repeat([]byte("x"), 64<<10)); err != nil {
				t.Fatal(err)
			}
		}
	}
	body, resp := c.upload(c.csrf, "third.csv", "indicator,area,period,value\ndepartment_staff,DB,2023,51\n")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a third upload while two are read: %s (Retry-After %q)\n%s", resp.Status, resp.Header.Get("Retry-After"), excerpt(body))
	}
	for _, pw := range pipes {
		_ = pw.CloseWithError(io.ErrUnexpectedEOF)
	}
	<-done
	<-done
	// the daemon frees the places once it sees the broken uploads end
	var body2 string
	var code int
	s.waitFor("a place for an upload", func() bool {
		b, resp := c.upload(c.csrf, "after.csv", "indicator,area,period,value\ndepartment_staff,DB,2023,51\n")
		body2, code = b, resp.StatusCode
		return code != http.StatusServiceUnavailable
	})
	if code != http.StatusOK {
		t.Errorf("an upload once the others ended: %d\n%s", code, excerpt(body2))
	}
}

// TestAnUploadsNameIsAFileName: the name of an uploaded file becomes the
// import's source, shown on the pages and kept in the audit; the console
// passes it to the API in process, past the header limits a request to
// the API meets, so it refuses a name no file system would hold.
func TestAnUploadsNameIsAFileName(t *testing.T) {
	s := startSite(t)
	c := newClient(t, s)
	c.signIn()
	long := strings.Repeat("a", 100_000) + ".csv"
	body, resp := c.upload(c.csrf, long, "indicator,area,period,value\ndepartment_staff,DB,2023,51\n")
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(body, long) || !strings.Contains(body, "255") {
		t.Errorf("an upload named with 100,000 characters: %s, %d bytes\n%s", resp.Status, len(body), excerpt(body))
	}
	name := strings.Repeat("é", 125) + ".csv" // 254 bytes
	if body, resp := c.upload(c.csrf, name, "indicator,area,period,value\ndepartment_staff,DB,2023,51\n"); resp.StatusCode != http.StatusOK {
		t.Errorf("an upload with a name of 254 bytes: %s\n%s", resp.Status, excerpt(body))
	}
}

// TestTheTokenCookieIsSecureBehindHTTPS: behind a reverse proxy that
// serves https, the daemon sees plain http; the browser's Origin says
// the page was https, and the token's cookie is then Secure, so that a
// plain-http request to the same host (a redirect on port 80, a forged
// link) never carries the token in clear.
func TestTheTokenCookieIsSecureBehindHTTPS(t *testing.T) {
	s := startSite(t)
	host := s.url[len("http://"):]
	for _, tc := range []struct {
		header []string
		secure bool
	}{
		{[]string{"Origin", "https://" + host}, true},
		{[]string{"X-Forwarded-Proto", "https"}, true},
		{[]string{"Origin", "http://" + host}, false},
		{nil, false},
	} {
		c := newClient(t, s)
		_, resp := c.postForm("/signin", url.Values{"csrf": {c.csrf}, "token": {s.token}, "back": {"/"}}, tc.header...)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in with %q: %s", tc.header, resp.Status)
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == "chiso_token" && ck.Secure != tc.secure {
				t.Errorf("sign-in with %q: the token cookie's Secure is %v, want %v", tc.header, ck.Secure, tc.secure)
			}
		}
	}
}

// TestASignedInUploadHasTheImportsTime: a file uploaded by a signed-in
// visitor may take as long to arrive as an import through the API
// (http.import_read_timeout), not the ordinary read timeout; before the
// token is checked the ordinary one holds.
func TestASignedInUploadHasTheImportsTime(t *testing.T) {
	s := startSiteWith(t, "http: {read_timeout: 300ms, import_read_timeout: 10s}\n")
	slowUpload := func(c *client, csrf string) (int, string) {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			_ = mw.WriteField("csrf", csrf)
			fw, _ := mw.CreateFormFile("file", "slow.csv")
			_, _ = io.WriteString(fw, "indicator,area,period,value\n")
			time.Sleep(time.Second) // the rest comes after read_timeout
			_, _ = io.WriteString(fw, "department_staff,DB,2023,51\n")
			_ = mw.Close()
			_ = pw.Close()
		}()
		req, _ := http.NewRequest("POST", s.url+"/import", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := c.http.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	c := newClient(t, s)
	c.signIn()
	if code, body := slowUpload(c, c.csrf); code != http.StatusOK || !strings.Contains(body, "department_staff") {
		t.Errorf("a signed-in upload sent over a second (read_timeout 300ms): %d\n%s", code, excerpt(body))
	}
	anon := newClient(t, s)
	if code, body := slowUpload(anon, anon.csrf); code == http.StatusOK {
		t.Errorf("an upload without a token got %d\n%s", code, excerpt(body))
	}
}
