package rules

import "testing"

// TestErrorFormat leaves out what is unknown.
func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{Pos: Position{"a.yaml", 3, 7}, Group: "g", Rule: "r", Msg: "bad"}, `a.yaml:3:7: group "g" rule "r": bad`},
		{Error{Pos: Position{"a.yaml", 3, 0}, Group: "g", Msg: "bad"}, `a.yaml:3: group "g": bad`},
		{Error{Pos: Position{"a.yaml", 0, 0}, Rule: "r", Msg: "bad"}, `a.yaml: rule "r": bad`},
		{Error{Msg: "bad"}, `bad`},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	if (ErrorList{}).Err() != nil {
		t.Error("empty list is an error")
	}
	l := ErrorList{{Pos: Position{"b", 1, 1}, Msg: "3"}, {Pos: Position{"a", 2, 1}, Msg: "2"}, {Pos: Position{"a", 1, 5}, Msg: "1"}}
	if got := l.Err().Error(); got != "a:1:5: 1\na:2:1: 2\nb:1:1: 3" {
		t.Errorf("sorted list = %q", got)
	}
}
