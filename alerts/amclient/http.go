package amclient

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/chiso-vn/chiso/alerts"
)

// StatusError is an HTTP answer outside 2xx.
type StatusError struct {
	URL  string
	Code int
	Body string // the start of the answer's body, for the log
}

// Error says who answered what.
func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("%s answered %d %s", e.URL, e.Code, http.StatusText(e.Code))
	}
	return fmt.Sprintf("%s answered %d %s: %s", e.URL, e.Code, http.StatusText(e.Code), e.Body)
}

// Retryable reports whether a later attempt may succeed: a time-out (408),
// too many requests (429) or a server error (5xx).
func (e *StatusError) Retryable() bool {
	return e.Code == http.StatusRequestTimeout || e.Code == http.StatusTooManyRequests || e.Code >= 500
}

// CheckResponse returns nil for a 2xx answer; otherwise a *StatusError,
// marked alerts.Permanent unless it is retryable. It reads at most 512
// bytes of the body and leaves closing it to the caller.
func CheckResponse(url string, resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	e := &StatusError{URL: url, Code: resp.StatusCode, Body: strings.TrimSpace(string(b))}
	if e.Retryable() {
		return e
	}
	return alerts.Permanent(e)
}
