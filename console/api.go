package console

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/chiso-vn/chiso/server"
)

// apiAnswer is an answer of the API to one of the console's writes.
type apiAnswer struct {
	Status int
	Body   envelope
}

// envelope is the API's answer as JSON.
type envelope struct {
	Status      string              `json:"status"`
	Data        json.RawMessage     `json:"data"`
	Error       string              `json:"error"`
	Errors      []server.InputError `json:"errors"`
	More        int                 `json:"more"`
	MoreSummary string              `json:"more_summary"`
}

// api makes a write through the server's own API, as the signed-in
// visitor: the request carries the visitor's token and address, so that
// the server checks, scopes, throttles and audits it as any other.
func (c *Console) api(r *http.Request, method, path, ctype string, body io.Reader) apiAnswer {
	req, err := http.NewRequestWithContext(context.WithoutCancel(r.Context()), method, path, body)
	if err != nil {
		return apiAnswer{Status: http.StatusInternalServerError, Body: envelope{Error: err.Error()}}
	}
	req.RemoteAddr, req.Host = r.RemoteAddr, r.Host
	req.Header.Set("Authorization", "Bearer "+token(r))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := &recorder{header: http.Header{}}
	c.deps.API.ServeHTTP(rec, req)
	a := apiAnswer{Status: rec.status}
	if a.Status == 0 {
		a.Status = http.StatusOK
	}
	if err := json.Unmarshal(rec.body.Bytes(), &a.Body); err != nil {
		a.Body.Error = strings.TrimSpace(rec.body.String())
	}
	return a
}

// apiJSON makes a write whose body is v as JSON.
func (c *Console) apiJSON(r *http.Request, method, path string, v any) apiAnswer {
	b, _ := json.Marshal(v)
	return c.api(r, method, path, "application/json", bytes.NewReader(b))
}

// recorder keeps an in-process answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// refused answers an API's refusal of a write on a page, in the API's
// words, saying that nothing changed.
func (c *Console) refused(w http.ResponseWriter, r *http.Request, a apiAnswer, what string) {
	lang := langOf(r)
	msg := what + ": " + a.Body.Error
	for _, e := range a.Body.Errors {
		msg += "; " + e.String()
	}
	switch a.Status {
	case http.StatusUnauthorized:
		msg += tr(lang, ". Mã truy cập không còn hợp lệ: hãy đăng nhập lại.", ". The token is no longer valid: sign in again.")
	case http.StatusForbidden:
		msg += tr(lang, ". Mã truy cập này không được phép làm việc đó.", ". This token may not do that.")
	}
	c.problem(w, r, a.Status, msg+tr(lang, " Không có gì thay đổi.", " Nothing changed."))
}
