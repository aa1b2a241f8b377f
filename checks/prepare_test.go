package checks

import (
	"errors"
	"strings"
	"testing"
)

// TestUnpreparedEvaluateFails: Evaluate on parameters whose Prepare has not
// run returns an error, not an empty list of findings that would read as
// "nothing wrong".
func TestUnpreparedEvaluateFails(t *testing.T) {
	env := consistencyEnv(ob("radio", "A1", "2022", 200, ""), ob("communes", "A1", "2022", 100, ""))
	for _, p := range []Evaluator{&ConsistencyParams{Expr: "radio <= communes"}, &FreshnessParams{}} {
		fs, err := p.Evaluate(env, Scope{Indicators: []string{"radio", "communes"}, Areas: []string{"A1"}})
		var ue *UnpreparedError
		if !errors.As(err, &ue) || len(fs) != 0 {
			t.Errorf("%T unprepared: %d findings, error %v; want an UnpreparedError", p, len(fs), err)
		}
	}
}

// TestPrepareRefuses: Prepare reports parameters that cannot run, even
// when nothing validated them first.
func TestPrepareRefuses(t *testing.T) {
	for _, tt := range []struct {
		p    Evaluator
		want string
	}{
		{&ConsistencyParams{Expr: "radio <= (communes"}, `expr: at offset 9: unclosed "("`},
		{&ConsistencyParams{Expr: "1 < 2"}, "expr: names no indicator"},
		{&FreshnessParams{Kind: "decade"}, `kind: unknown period kind "decade"`},
		{&FreshnessParams{Due: "+3w"}, `due: invalid due "+3w"`},
	} {
		if err := tt.p.Prepare(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: Prepare() = %v, want %q", tt.p, err, tt.want)
		}
	}
}
