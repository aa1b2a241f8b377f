package console_test

import (
	"net/http"
	"net/url"
	"testing"
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
