package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestTheTokenDoesNotFollowARedirect: Go's client sends the Authorization
// header on after a redirect to the same host name on another port or
// scheme (http), or to a subdomain; a daemon's address that redirects
// elsewhere (a proxy's mistake, a captured name) is not followed, and the
// token stays with the address the command was given.
func TestTheTokenDoesNotFollowARedirect(t *testing.T) {
	var leaked atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Authorization"), "redirect-secret") {
			leaked.Store(true)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":[]}`))
	}))
	defer elsewhere.Close()
	daemon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	defer daemon.Close()
	t.Setenv("CHISO_TOKEN", "redirect-secret")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"audit", "--url", daemon.URL}, strings.NewReader(""), &stdout, &stderr)
	if leaked.Load() {
		t.Errorf("the token was sent to %s after a redirect (exit %d)", elsewhere.URL, code)
	}
	if code == 0 || !strings.Contains(stderr.String(), elsewhere.URL) || strings.Contains(stderr.String(), "redirect-secret") {
		t.Errorf("exit %d, stderr:\n%s\nwant a failure naming where the daemon redirected", code, stderr.String())
	}
}
