package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/chiso-vn/chiso/internal/clip"
)

// InputError is one problem with an uploaded file, where it lies and the
// bad text.
type InputError struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`   // 1-based; 0 when unknown
	Column  int    `json:"column,omitempty"` // 1-based; 0 when unknown
	Field   string `json:"field,omitempty"`
	Value   string `json:"value,omitempty"` // the offending text
	Message string `json:"message"`
}

// InputErrors is every problem with an uploaded file; an Importer returns it
// so that the response lists each with its position.
type InputErrors struct {
	Errors []InputError
	More   int // problems found beyond those listed
	// Summary counts those More by kind, in the importer's language
	// ("and 998,647 more: 998,647 × ambiguous number …"); empty when none.
	Summary string
}

// Error returns the problems one a line.
func (e *InputErrors) Error() string {
	s := fmt.Sprintf("%d problems in the input", len(e.Errors)+e.More)
	for _, p := range e.Errors {
		s += "\n" + p.String()
	}
	return s
}

// String formats the problem as file:line:column: field "value": message.
func (p InputError) String() string {
	s := p.File
	if p.Line > 0 {
		s += fmt.Sprintf(":%d", p.Line)
		if p.Column > 0 {
			s += fmt.Sprintf(":%d", p.Column)
		}
	}
	if p.Field != "" {
		s += fmt.Sprintf(": %s %s", p.Field, clip.Quote(p.Value))
	}
	return s + ": " + p.Message
}

// ProblemLister is an error that lists problems with positions, such as a
// rule or configuration error list; the response shows each.
type ProblemLister interface {
	error
	Problems() []InputError
}

type envelope struct {
	Status string       `json:"status"` // success or error
	Data   any          `json:"data,omitempty"`
	Error  string       `json:"error,omitempty"`
	Errors []InputError `json:"errors,omitempty"`
	More   int          `json:"more,omitempty"`
	// MoreSummary counts the problems beyond those listed, by kind.
	MoreSummary string `json:"more_summary,omitempty"`
}

func writeData(w http.ResponseWriter, code int, data any) {
	writeJSON(w, code, envelope{Status: "success", Data: data})
}

// writeError answers err; whatever it quotes of the request is cut to 80
// characters, whichever package wrote the message.
func writeError(w http.ResponseWriter, code int, err error) {
	env := envelope{Status: "error", Error: clipQuoted(err.Error())}
	var ie *InputErrors
	var pl ProblemLister
	switch {
	case errors.As(err, &ie):
		env.Error = fmt.Sprintf("%d problems in the input; nothing was stored", len(ie.Errors)+ie.More)
		env.Errors, env.More, env.MoreSummary = clipProblems(ie.Errors), ie.More, ie.Summary
	case errors.As(err, &pl):
		env.Errors = clipProblems(pl.Problems())
	}
	writeJSON(w, code, env)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing to do
}

type plainError string

func (e plainError) Error() string { return string(e) }

func errorf(format string, args ...any) error { return plainError(fmt.Sprintf(format, args...)) }
