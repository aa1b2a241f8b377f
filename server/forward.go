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
		if leading || err != nil || target.Host == "" {
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
