package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
)

// Token is a bearer token the server accepts on write endpoints, with what
// it may do.
type Token struct {
	// Name says who holds the token; it is what logs, errors and the
	// audit show, never Value.
	Name string
	// Value is the secret itself, compared in constant time.
	Value string
	// Actions the token may do; nil means every action.
	Actions []chiso.Action
	// Areas the token may write for, sorted, sub-areas and predecessors
	// already included (chiso.Catalogue.AreasWithin); nil means every
	// area.
	Areas []string
}

// String names the token: its value never prints.
func (t Token) String() string { return fmt.Sprintf("token %q", t.Name) }

// GoString names the token, as String does.
func (t Token) GoString() string { return t.String() }

// LogValue names the token in a log line, as String does.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// MarshalJSON writes the token's name and scope, never its value.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(Principal{Name: t.Name, Actions: t.Actions, Areas: t.Areas})
}

// Principal is who a request acts as: a token's name and scope, without
// its value.
type Principal struct {
	Name    string         `json:"name"`
	Actions []chiso.Action `json:"actions"` // nil: every action
	Areas   []string       `json:"areas"`   // sorted; nil: every area
}

// Can reports whether the principal may do the action.
func (p Principal) Can(a chiso.Action) bool { return p.Actions == nil || slices.Contains(p.Actions, a) }

// Scoped reports whether the principal may write for some areas only.
func (p Principal) Scoped() bool { return p.Areas != nil }

// Covers reports whether the principal may write for the area.
func (p Principal) Covers(area string) bool {
	if p.Areas == nil {
		return true
	}
	_, ok := slices.BinarySearch(p.Areas, area)
	return ok
}

// Lacks returns the areas of the list the principal may not write for,
// each once, in the order given.
func (p Principal) Lacks(areas []string) []string {
	var out []string
	for _, a := range areas {
		if !p.Covers(a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// AccessError is a refused request: Status is 401 (no valid token, or
// none configured: Disabled), 403 (outside the token's scope) or 429 (too
// many failed attempts from the address). It names the token by its name,
// never by its value.
type AccessError struct {
	Status   int
	Disabled bool         // no token is configured: writes are off
	Token    string       // the token's name; empty when no valid token came
	Action   chiso.Action // what was asked
	Lacked   []string     // the areas outside the token's scope, for 403
	// RetryAfter is how long to wait before trying again, for 429.
	RetryAfter time.Duration
	// Hint says how to ask within the scope; empty when none.
	Hint string
}

// Error says why the request was refused.
func (e *AccessError) Error() string {
	var s string
	switch {
	case e.Disabled:
		s = "write endpoints are disabled: no bearer token is configured (auth.tokens, or the CHISO_TOKEN environment variable)"
	case e.Status == http.StatusUnauthorized:
		s = "missing or invalid bearer token"
	case e.Status == http.StatusTooManyRequests:
		s = fmt.Sprintf("too many failed attempts from this address: try again in %s", e.RetryAfter.Round(time.Second))
	case e.Status == http.StatusForbidden:
		if len(e.Lacked) == 0 {
			s = fmt.Sprintf("token %q may not %s", e.Token, e.Action)
		} else {
			s = fmt.Sprintf("token %q may not %s for area %s", e.Token, e.Action, listAreas(e.Lacked))
		}
	}
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// listAreas lists at most ten areas, and says how many more there are.
func listAreas(areas []string) string {
	if len(areas) <= 10 {
		return strings.Join(areas, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(areas[:10], ", "), len(areas)-10)
}

// keyring holds the accepted tokens by the SHA-256 of their value, so that
// comparing takes the same time whatever the length of what came.
type keyring struct {
	tokens []Token
	sums   [][sha256.Size]byte
}

func newKeyring(tokens []Token) *keyring {
	k := &keyring{tokens: tokens, sums: make([][sha256.Size]byte, len(tokens))}
	for i, t := range tokens {
		k.sums[i] = sha256.Sum256([]byte(t.Value))
	}
	return k
}

// find returns the token with the value; every token is compared, in
// constant time, whichever matches.
func (k *keyring) find(value string) (Token, bool) {
	sum := sha256.Sum256([]byte(value))
	found := -1
	for i := range k.sums {
		eq := subtle.ConstantTimeCompare(sum[:], k.sums[i][:])
		found = subtle.ConstantTimeSelect(eq, i, found)
	}
	if found < 0 || value == "" {
		return Token{}, false
	}
	return k.tokens[found], true
}

// bearer returns the credentials of an Authorization header with the
// Bearer scheme, whose name is case-insensitive (RFC 7235 section 2.1).
func bearer(header string) (string, bool) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	cred = strings.TrimSpace(cred)
	return cred, cred != ""
}

// Authorize checks a bearer token presented from the address remote
// (host:port, as http.Request.RemoteAddr) for an action on areas, and
// returns who it acts as. Action "" checks the token alone (a sign-in). A
// refusal is an *AccessError: 401 without any configured token, 429 while
// the address is held back after failed attempts (the token is then not
// even looked at), 401 for a missing or unknown token (counted against the
// address), 403 for an action or an area outside the token's scope.
// Tokens are read per call, so that a reload changes them at once.
func (s *Server) Authorize(remote, token string, action chiso.Action, areas ...string) (Principal, error) {
	tokens := s.deps.Tokens()
	if len(tokens) == 0 {
		return Principal{}, &AccessError{Status: http.StatusUnauthorized, Disabled: true, Action: action}
	}
	if wait := s.guard.wait(remote); wait > 0 {
		s.authFailures.WithLabelValues("throttled").Inc()
		return Principal{}, &AccessError{Status: http.StatusTooManyRequests, Action: action, RetryAfter: wait}
	}
	t, ok := newKeyring(tokens).find(token)
	if !ok {
		reason := "invalid"
		if token == "" {
			reason = "missing"
		}
		s.authFailures.WithLabelValues(reason).Inc()
		s.guard.fail(remote)
		return Principal{}, &AccessError{Status: http.StatusUnauthorized, Action: action}
	}
	p := Principal{Name: t.Name, Actions: t.Actions, Areas: t.Areas}
	if action != "" && !p.Can(action) {
		s.authFailures.WithLabelValues("forbidden").Inc()
		return p, &AccessError{Status: http.StatusForbidden, Token: p.Name, Action: action}
	}
	if lacked := p.Lacks(areas); len(lacked) > 0 {
		s.authFailures.WithLabelValues("forbidden").Inc()
		return p, &AccessError{Status: http.StatusForbidden, Token: p.Name, Action: action, Lacked: lacked}
	}
	return p, nil
}

// forbidden is the refusal of a principal's write for areas outside its
// scope, found by a handler once it knows the areas.
func (s *Server) forbidden(p Principal, action chiso.Action, lacked []string, hint string) *AccessError {
	s.authFailures.WithLabelValues("forbidden").Inc()
	return &AccessError{Status: http.StatusForbidden, Token: p.Name, Action: action, Lacked: lacked, Hint: hint}
}

// writeAccessError answers a refusal with its status and the headers it
// calls for.
func writeAccessError(w http.ResponseWriter, e *AccessError) {
	switch e.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="chiso"`)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", fmt.Sprint(int(e.RetryAfter.Round(time.Second)/time.Second)))
	}
	writeError(w, e.Status, e)
}
