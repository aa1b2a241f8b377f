package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/clip"
	"github.com/prometheus/client_golang/prometheus"
)

// Auditor keeps the audit log of writes, refused ones included.
type Auditor interface {
	// Record adds an entry. An error is logged; the request's answer
	// stands.
	Record(ctx context.Context, e chiso.AuditEntry) error
	// Entries returns the entries the filter selects, newest (highest ID)
	// first, at most f.Limit.
	Entries(ctx context.Context, f chiso.AuditFilter) ([]chiso.AuditEntry, error)
}

// note is what a write handler tells the audit about its request.
type note struct {
	target  string
	areas   []string
	outcome string // empty: judged from the answer's status
	detail  string
}

// fail answers err with code and notes why the write failed.
func (n *note) fail(w http.ResponseWriter, r *http.Request, code int, err error) {
	code, err = bodyStatus(r, code, err)
	n.detail = firstLine(err.Error())
	writeError(w, code, err)
}

// refuse answers a refusal of the write's scope.
func (n *note) refuse(w http.ResponseWriter, e *AccessError) {
	n.outcome, n.detail = chiso.AuditDenied, e.Error()
	writeAccessError(w, e)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return clip.Text(s)
}

// writeHandler serves a write once its token is known good for the action.
type writeHandler func(w http.ResponseWriter, r *http.Request, p Principal, n *note)

// write guards a write endpoint: the token must be valid and allow the
// action; the handler checks the areas once it knows them. Every request,
// answered or refused, is audited as the action audit names, except those
// refused while their address is held back, which only count.
func (s *Server) write(action chiso.Action, audit string, h writeHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer(r.Header.Get("Authorization"))
		p, err := s.Authorize(r.RemoteAddr, tok, action)
		n := &note{}
		sw := &statusWriter{ResponseWriter: w}
		var ae *AccessError
		switch {
		case errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
			writeAccessError(w, ae)
			return
		case errors.As(err, &ae):
			n.outcome = chiso.AuditDenied
			if ae.Status == http.StatusUnauthorized {
				n.outcome = chiso.AuditUnauthenticated
			}
			n.detail = ae.Error()
			writeAccessError(sw, ae)
		default:
			h(sw, r, p, n)
		}
		s.record(r, p.Name, audit, n, sw.status)
	}
}

// record adds the audit entry of a write.
func (s *Server) record(r *http.Request, token, action string, n *note, status int) {
	if s.deps.Audit == nil {
		return
	}
	outcome := n.outcome
	switch {
	case outcome != "":
	case status < 300:
		outcome = chiso.AuditOK
	case status == http.StatusForbidden:
		outcome = chiso.AuditDenied
	default:
		outcome = chiso.AuditFailed
	}
	if outcome == chiso.AuditFailed && n.detail == "" {
		n.detail = fmt.Sprintf("answered %d", status)
	}
	e := chiso.AuditEntry{At: requestTime(), Token: token, Remote: r.RemoteAddr, Action: action,
		Target: n.target, Areas: n.areas, Outcome: outcome, Detail: n.detail}
	// The entry outlives a client that went away.
	if err := s.deps.Audit.Record(context.WithoutCancel(r.Context()), e); err != nil {
		s.deps.Logger.Error("audit: entry not recorded", "action", action, "token", token, "err", err)
	}
}

// statusWriter remembers the status of the answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends what is buffered.
func (w *statusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// newAuthFailures returns chiso_http_auth_failures_total, registered on reg
// when there is one.
func newAuthFailures(reg prometheus.Registerer) (*prometheus.CounterVec, error) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chiso_http_auth_failures_total",
		Help: "Refused attempts to write, by reason: missing or invalid token, throttled (the address failed too often), forbidden (outside the token's scope).",
	}, []string{"reason"})
	for _, r := range []string{"missing", "invalid", "throttled", "forbidden"} {
		c.WithLabelValues(r)
	}
	if reg == nil {
		return c, nil
	}
	if err := reg.Register(c); err != nil {
		return nil, fmt.Errorf("register auth metrics: %w", err)
	}
	return c, nil
}
