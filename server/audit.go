package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/clip"
)

// getAudit lists a page of the audit log, newest first, to a token with
// the admin action: ?since= and ?until= (times as ParseTime reads them),
// ?token=, ?action=, ?outcome=. Reading it is not itself audited.
func (s *Server) getAudit(w http.ResponseWriter, r *http.Request) {
	tok, _ := bearer(r.Header.Get("Authorization"))
	if _, err := s.Authorize(r.RemoteAddr, tok, chiso.ActionAdmin); err != nil {
		var ae *AccessError
		if errors.As(err, &ae) {
			writeAccessError(w, ae)
			return
		}
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	if s.deps.Audit == nil {
		writeError(w, http.StatusServiceUnavailable, errorf("this daemon keeps no audit log"))
		return
	}
	f, err := s.auditQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	limit := f.Limit
	f.Limit++ // one more, to know whether a page follows
	entries, err := s.deps.Audit.Entries(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	var next string
	if len(entries) > limit {
		entries = entries[:limit]
		next = encodeCursor("audit", entries[limit-1].ID)
	}
	l := startList(w, "")
	for _, e := range entries {
		if !l.add(e) {
			return
		}
	}
	l.end(next)
}

// auditQuery reads the filter and page of GET /api/v1/audit; every bad
// parameter is reported.
func (s *Server) auditQuery(r *http.Request) (chiso.AuditFilter, error) {
	v := r.URL.Query()
	f := chiso.AuditFilter{Token: v.Get("token"), Action: v.Get("action"), Outcome: v.Get("outcome")}
	var errs []string
	for key, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if str := v.Get(key); str != "" {
			t, err := ParseTime(str, requestTime())
			if err != nil {
				errs = append(errs, fmt.Sprintf("query parameter %s: %v", key, err))
			}
			*dst = t
		}
	}
	if o := f.Outcome; o != "" && !slices.Contains([]string{chiso.AuditOK, chiso.AuditDryRun, chiso.AuditDenied, chiso.AuditUnauthenticated, chiso.AuditFailed}, o) {
		errs = append(errs, fmt.Sprintf("query parameter outcome: %s is not ok, dry_run, denied, unauthenticated or failed", clip.Quote(o)))
	}
	pg, err := s.parsePage(v)
	if err == nil && pg.cursor != "" {
		err = decodeCursor(pg.cursor, "audit", &f.Before)
	}
	if err != nil {
		errs = append(errs, err.Error())
	}
	f.Limit = pg.limit
	if len(errs) > 0 {
		slices.Sort(errs)
		return f, errorf("%s", strings.Join(errs, "; "))
	}
	return f, nil
}
