package server

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/chiso-vn/chiso/internal/clip"
)

// ForwardedHeader marks a request a follower forwarded to the leader: the
// receiver serves it itself or refuses it, never forwards it again.
const ForwardedHeader = "X-Chiso-Forwarded-By-Follower"

// forwardTimeout bounds how long a follower waits for the leader's answer
// to a forwarded request: the leader's handlers write to the database and
// queue, so a leader that accepts a connection but does not answer within
// it is paused or stalled, and the client gets 502 instead of waiting.
const forwardTimeout = 30 * time.Second

// newForwardTransport returns the transport of forwarded requests: straight
// to the leader, never through a proxy named by HTTP_PROXY, which would see
// the client's token, and bounded in each step.
func newForwardTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: forwardTimeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
}

// mayForward reports whether a follower may pass r on to the leader: its
// address is not held back and its token is one this daemon knows. Any
// other request is refused here, by the follower, which counts the
// failure against the client's own address and audits it; forwarded, the
// failures would count against the follower's address at the leader, and
// a few bad tokens would hold back every client that follower serves.
func (s *Server) mayForward(r *http.Request) (token string, ok bool) {
	tokens := s.deps.Tokens()
	if len(tokens) == 0 || s.guard.wait(r.RemoteAddr) > 0 {
		return "", false
	}
	tok, _ := bearer(r.Header.Get("Authorization"))
	t, ok := newKeyring(tokens).find(tok)
	return t.Name, ok
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
		if leading || err != nil || target.Host == "" {
			h(w, r)
			return
		}
		token, ok := s.mayForward(r)
		if !ok {
			h(w, r)
			return
		}
		proxy := &httputil.ReverseProxy{
			Transport: s.forward,
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Header.Set(ForwardedHeader, "1")
			},
			ModifyResponse: func(resp *http.Response) error {
				if resp.StatusCode == http.StatusUnauthorized {
					s.deps.Logger.Error("the leader refused a token this daemon knows: the replicas have different tokens; "+
						"the leader counts each refusal against this daemon's address, and after a few holds back "+
						"every request it forwards", "token", token, "leader", target.Redacted())
				}
				return nil
			},
			ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
				// a body too large or too slow is the client's, as on the
				// leader (r is the request as received, whose body knows)
				writeBodyError(w, r, http.StatusBadGateway, errorf("%s", clip.Text(fmt.Sprintf(
					"this chiso follows; forwarding to the leader at %s failed: %v", target.Redacted(), err))))
			},
		}
		proxy.ServeHTTP(w, r)
	}
}
