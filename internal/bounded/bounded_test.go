package bounded

import (
	"errors"
	htmltemplate "html/template"
	"strings"
	"sync"
	"testing"
	texttemplate "text/template"
	"time"
)

var small = Limits{Output: 100, Time: time.Second, Steps: 50}

func text(t *testing.T, src string) *Template {
	t.Helper()
	tt, err := texttemplate.New("t").Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	bt, err := Text(tt)
	if err != nil {
		t.Fatal(err)
	}
	return bt
}

// TestBounds stops every kind of runaway template at its bound, keeping
// what was written before.
func TestBounds(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		bound     string
		out       string // prefix of what is kept
		at        string
	}{
		{"writes too much", `{{range 100000000}}xxxxxxxxxx{{end}}`, BoundOutput, strings.Repeat("x", 100), ""},
		{"loops writing nothing", `a{{range 1000000000000}}{{end}}`, BoundSteps, "a", "t:1:9"},
		{"nested loops", `{{range 1000}}{{range 1000}}{{end}}{{end}}`, BoundSteps, "", "t:1:22"},
		{"grows a value", `{{$x := "ab"}}{{range 60}}{{$x = printf "%s%s" $x $x}}{{end}}{{$x}}`, BoundOutput, "", ""},
		{"grows a value with print", `{{$x := "ab"}}{{range 60}}{{$x = print $x $x}}{{end}}`, BoundOutput, "", ""},
		{"recurses", `{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}`, BoundSteps, "", ""},
		{"cut between characters", `{{range 100}}ệ{{end}}`, BoundOutput, strings.Repeat("ệ", 33), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := text(t, tc.src).Execute(nil, small)
			var ex *ExceededError
			if !errors.As(err, &ex) || ex.Bound != tc.bound {
				t.Fatalf("err = %v, want the %s bound", err, tc.bound)
			}
			if out != tc.out {
				t.Errorf("kept %q, want %q", out, tc.out)
			}
			if !strings.HasPrefix(ex.At, tc.at) {
				t.Errorf("at %q, want %q", ex.At, tc.at)
			}
			if Reason(err) != tc.bound {
				t.Errorf("Reason = %q", Reason(err))
			}
		})
	}
}

// TestTimeBound stops a slow template that stays within the other bounds.
func TestTimeBound(t *testing.T) {
	start := time.Now()
	_, err := text(t, `{{range 100000000}}{{end}}`).Execute(nil, Limits{Time: 20 * time.Millisecond})
	if Reason(err) != BoundTime {
		t.Fatalf("err = %v, want the time bound", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("stopped after %s", took)
	}
}

// TestUnchangedOutput: within the bounds, the instrumented templates write
// exactly what the plain ones do, also where html/template escapes by
// context.
func TestUnchangedOutput(t *testing.T) {
	data := map[string]any{"L": []string{"a<b", `c"d`}, "M": map[string]string{"k": "v"}}
	const src = `{{define "item"}}<li title="{{.}}">{{.}}</li>{{end}}` +
		`<ul>{{range .L}}{{template "item" .}}{{else}}none{{end}}</ul>` +
		`<script>var x = [{{range $i, $e := .L}}{{if $i}},{{end}}{{$e}}{{end}}];</script>` +
		`<a href="/q?{{range $k, $v := .M}}{{$k}}={{$v}}{{end}}">{{printf "%d" 3}}</a>`
	plainHTML := htmltemplate.Must(htmltemplate.New("h").Parse(src))
	var want strings.Builder
	if err := plainHTML.Execute(&want, data); err != nil {
		t.Fatal(err)
	}
	h, err := HTML(htmltemplate.Must(htmltemplate.New("h").Parse(src)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.Execute(data, Email)
	if err != nil || got != want.String() {
		t.Errorf("html: %v\n%s\nwant\n%s", err, got, want.String())
	}
	plainText := texttemplate.Must(texttemplate.New("t").Parse(src + `{{html "<"}}{{js "'"}}{{urlquery "a b"}}`))
	want.Reset()
	if err := plainText.Execute(&want, data); err != nil {
		t.Fatal(err)
	}
	got, err = text(t, src+`{{html "<"}}{{js "'"}}{{urlquery "a b"}}`).Execute(data, Annotation)
	if err != nil || got != want.String() {
		t.Errorf("text: %v\n%s\nwant\n%s", err, got, want.String())
	}
}

// TestOtherErrors are returned as they are, with no output.
func TestOtherErrors(t *testing.T) {
	out, err := text(t, `a{{index .X 5}}`).Execute(map[string][]int{"X": {1}}, small)
	if err == nil || out != "" || Reason(err) != "error" {
		t.Errorf("%q, %v", out, err)
	}
	if _, err := texttemplate.New("t").Parse(`{{_chisoStep 1}}`); err == nil {
		t.Error("a template may call the guard")
	}
}

// TestConcurrent executions each get their own budget.
func TestConcurrent(t *testing.T) {
	bt := text(t, `{{range .}}x{{end}}`)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			out, err := bt.Execute(make([]int, 40+i), small)
			if err != nil || len(out) != 40+i {
				t.Errorf("%d: %q, %v", i, out, err)
			}
		})
	}
	wg.Wait()
}
