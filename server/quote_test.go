package server

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestErrorsQuoteAtMost80Characters: whatever a request puts where an
// error quotes it — query parameters, the path, the Content-Type, fields of
// a JSON body, the importer's problems — the answer quotes at most 80
// characters of it. Before, each came back whole: a 50 MB cell or header
// made 50–200 MB of error.
func TestErrorsQuoteAtMost80Characters(t *testing.T) {
	f := newFake()
	ts := newAlertServer(t, f)
	long := strings.Repeat("Phú Thọ ", 6<<10) // 60 KB, under the header limit
	body := strings.Repeat("ệ", 300<<10)      // 900 KB, under the body limit
	q := url.QueryEscape(long)
	cases := []struct{ name, method, path, ctype, body string }{
		{"from", "GET", "/api/v1/observations?from=" + q, "", ""},
		{"to", "GET", "/api/v1/observations?to=" + q, "", ""},
		{"limit", "GET", "/api/v1/observations?limit=" + q, "", ""},
		{"cursor", "GET", "/api/v1/findings?cursor=" + q, "", ""},
		{"filter", "GET", "/api/v1/alerts?filter=" + q, "", ""},
		{"filter regexp", "GET", "/api/v1/alerts?filter=" + url.QueryEscape(`area=~"(`+long+`"`), "", ""},
		{"state", "GET", "/api/v1/alerts?state=" + q, "", ""},
		{"since", "GET", "/api/v1/alerts/history?since=" + q, "", ""},
		{"path", "GET", "/api/v1/" + q, "", ""},
		{"silence id", "DELETE", "/api/v1/silences/" + q, "", ""},
		{"fingerprint", "POST", "/api/v1/alerts/" + q + "/ack", "application/json", `{"kind": "correct", "by": "lan"}`},
		{"receiver", "POST", "/api/v1/receivers/" + q + "/test", "", ""},
		{"content type", "POST", "/api/v1/observations", "application/" + strings.Repeat("x", 60<<10), "x"},
		{"unknown field", "POST", "/api/v1/silences", "application/json", `{"` + body + `": 1}`},
		{"bad time", "POST", "/api/v1/silences", "application/json", `{"starts_at": "` + body + `"}`},
		{"duration", "POST", "/api/v1/silences", "application/json", `{"matchers": ["area=\"PT\""], "duration": "` + body + `", "created_by": "lan", "comment": "c"}`},
		{"ack kind", "POST", "/api/v1/alerts/fp1/ack", "application/json", `{"kind": "` + body + `", "by": "lan"}`},
		{"matcher", "POST", "/api/v1/silences/preview", "application/json", `{"matchers": ["` + body + `"]}`},
		{"matcher regexp", "POST", "/api/v1/silences/preview", "application/json", `{"matchers": ["area=~\"(` + body[:600] + `\""]}`},
		{"matcher name", "POST", "/api/v1/silences/preview", "application/json", `{"matchers": [{"name": "` + body + `", "op": "=", "value": "x"}]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, env := do(t, c.method, ts.URL+c.path, "tok", c.ctype, c.body)
			msg, _ := env["error"].(string)
			if code < 400 || msg == "" {
				t.Fatalf("%d %.200v", code, env)
			}
			if n := utf8.RuneCountInString(msg); n > 600 {
				t.Errorf("error of %d characters: %.300s…", n, msg)
			}
		})
	}
}

// TestImportProblemsQuoteAtMost80Characters: the values an importer puts
// in its problems are cut in the answer too.
func TestImportProblemsQuoteAtMost80Characters(t *testing.T) {
	cell := strings.Repeat("9", 1<<20)
	b := &backend{importErr: &InputErrors{Errors: []InputError{{File: "a.csv", Line: 2, Column: 4, Field: "value", Value: cell,
		Message: `"` + cell + `" is not a number`}}}}
	ts, _ := newTestServer(t, b, "tok")
	code, env := do(t, "POST", ts.URL+"/api/v1/observations", "tok", "text/csv", "x\n")
	p := env["errors"].([]any)[0].(map[string]any)
	if code != 422 || len(p["value"].(string)) > 90*3 || len(p["message"].(string)) > 400 {
		t.Errorf("%d: value of %d bytes, message of %d", code, len(p["value"].(string)), len(p["message"].(string)))
	}
	if s := (InputError{Field: "value", Value: cell}).String(); len(s) > 200 {
		t.Errorf("InputError.String is %d bytes", len(s))
	}
}
