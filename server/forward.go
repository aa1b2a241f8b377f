package server

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"

	"github.com/chiso-vn/chiso/internal/clip"
)

// ForwardedHeader marks a request a follower forwarded to the leader: the
// receiver serves it itself or refuses it, never forwards it again.
const ForwardedHeader = "X-Chiso-Forwarded-By-Follower"

// mayForward reports whether a follower may pass r on to the leader: its
// address is not held back and its token is one this daemon knows. Any
// other request is refused here, by the follower, which counts the
// failure against the client's own address and audits it; forwarded, the
// failures would count against the follower's address at the leader, and
// a few bad tokens would hold back every client that follower serves.
func (s *Server) mayForward(r *http.Request) bool {
	tokens := s.deps.Tokens()
	if len(tokens) == 0 || s.guard.wait(r.RemoteAddr) > 0 {
		return false
	}
	tok, _ := bearer(r.Header.Get("Authorization"))
	_, ok := newKeyring(tokens).find(tok)
	return ok
}

// toLeader sends a request that only the leader may serve (an alert
// change) to the leader's API when this daemon follows and knows where the
// leader is; the leader checks the token again and answers. Otherwise h
// serves it (and a follower's Alerting refuses it with ErrNotLeader).
func (s *Server) toLeader(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l := s.deps.Leadership
		if l == nil || r.Header.Get(ForwardedHeader) != "" {
			h(w, r)
			return
		}
		leading, _ := l.Leading()
		target, err := url.Parse(l.LeaderURL())
		if leading || err != nil || target.Host == "" || !s.mayForward(r) {
			h(w, r)
			return
		}
		proxy := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Header.Set(ForwardedHeader, "1")
			},
			ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
				writeError(w, http.StatusBadGateway, errorf("%s", clip.Text(fmt.Sprintf(
					"this chiso follows; forwarding to the leader at %s failed: %v", target.Redacted(), err))))
			},
		}
		proxy.ServeHTTP(w, r)
	}
}
