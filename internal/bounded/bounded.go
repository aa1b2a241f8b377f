// Package bounded executes Go templates (text/template and html/template)
// within bounds on their output, their wall time and their loop
// iterations, so that no template an operator writes can exhaust the
// daemon's memory or hold it up.
//
// # Design
//
// text/template cannot be cancelled, and a bound on output alone is not
// enough: {{range 100000000}}{{end}} writes nothing and runs for seconds,
// and {{$x = printf "%s%s" $x $x}} in a short loop doubles a string until
// memory runs out. So every execution is bounded in three ways, all
// checked on the executing goroutine, which therefore always returns:
//
//   - the writer fails once the output would exceed Limits.Output, or once
//     Limits.Time has passed; text/template stops at the first write error;
//   - the parse tree is instrumented: every {{range}} body and every
//     template body starts with a call to a hidden function that counts a
//     step and fails after Limits.Steps steps or Limits.Time, so a loop or
//     a recursion that writes nothing still stops;
//   - print, printf and println (and, in text templates, html, js and
//     urlquery) fail when their result exceeds Limits.Output, so no value
//     grows beyond the output bound.
//
// No goroutine is started and none is abandoned: the cost of an
// execution is bounded where it runs. What remains unbounded is a single
// call of a method of the data, which is the caller's to keep cheap.
//
// The bounds read the wall clock: they are a watchdog on resources, not a
// decision of the evaluation, which never reads the clock.
package bounded

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	"sync"
	texttemplate "text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"
)

// Limits bound one execution of a template. A zero field means no bound.
type Limits struct {
	// Output is the most bytes an execution may write, and the longest
	// value print, printf and println may return.
	Output int
	// Time is the most wall time an execution may take.
	Time time.Duration
	// Steps is the most {{range}} iterations and template calls (the
	// execution itself, {{template}} and {{block}}) an execution may make.
	Steps int
}

// The bounds chiso uses, documented in the README.
var (
	// Annotation bounds a rule's annotation template.
	Annotation = Limits{Output: 64 << 10, Time: 100 * time.Millisecond, Steps: 10_000}
	// Email bounds each part of an e-mail (subject, text, HTML), which may
	// list thousands of alerts.
	Email = Limits{Output: 1 << 20, Time: time.Second, Steps: 1_000_000}
)

// AtLoad returns the limits a template is checked within when it is
// loaded (chiso check, reload): the same output and step bounds, which
// decide the same way on any machine, and ten times the time, so that a
// busy machine does not refuse a template that is fine.
func (l Limits) AtLoad() Limits {
	l.Time *= 10
	return l
}

// The bounds an execution can exceed, as ExceededError.Bound.
const (
	BoundOutput = "output"
	BoundTime   = "time"
	BoundSteps  = "steps"
)

// ExceededError is the error of an execution stopped at a bound.
type ExceededError struct {
	Bound  string // BoundOutput, BoundTime or BoundSteps
	Limits Limits
	// At is where the loop or template was when the steps ran out, as
	// "name:line:column"; empty for the other bounds.
	At string
}

// Error says which bound was exceeded, with its value.
func (e *ExceededError) Error() string {
	switch e.Bound {
	case BoundOutput:
		return fmt.Sprintf("output exceeds the bound of %s", formatBytes(e.Limits.Output))
	case BoundTime:
		return fmt.Sprintf("execution takes longer than the bound of %s", e.Limits.Time)
	}
	at := ""
	if e.At != "" {
		at = " (at " + e.At + ")"
	}
	return fmt.Sprintf("more than %d loop iterations and template calls%s", e.Limits.Steps, at)
}

// Reason returns the bound exceeded by err, or "error" for any other
// failure; "" when err is nil. It is the reason label of the template
// error metric.
func Reason(err error) string {
	var ex *ExceededError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ex):
		return ex.Bound
	}
	return "error"
}

func formatBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// executor is a parsed text or HTML template.
type executor interface {
	Execute(w io.Writer, data any) error
}

// Template is a parsed template whose executions are bounded. It is safe
// for concurrent use; executions of one Template run one at a time, since
// the instrumented tree reports to it.
type Template struct {
	t     executor
	sites []string // where each instrumented node is, name:line:column

	mu  sync.Mutex
	run *budget // the execution in progress; set only while mu is held
}

// budget is what one execution has left.
type budget struct {
	lim      Limits
	deadline time.Time // zero: none
	steps    int
	output   *writer
}

// stepFunc and stepVar name the hidden guard; a template cannot call it,
// since it does not exist when the template is parsed.
const (
	stepFunc = "_chisoStep"
	stepVar  = "$_chisoStep"
)

// Text instruments every template of t's set; t must not have been
// executed. Execute t through the result only.
func Text(t *texttemplate.Template) (*Template, error) {
	bt := &Template{t: t}
	if err := bt.instrument(trees(t.Templates())); err != nil {
		return nil, err
	}
	t.Funcs(bt.funcs(true))
	return bt, nil
}

// trees returns the parse trees of a set's templates, text or HTML.
func trees[T interface {
	*texttemplate.Template | *htmltemplate.Template
}](set []T) []*parse.Tree {
	out := make([]*parse.Tree, 0, len(set))
	for _, x := range set {
		switch x := any(x).(type) {
		case *texttemplate.Template:
			out = append(out, x.Tree)
		case *htmltemplate.Template:
			out = append(out, x.Tree)
		}
	}
	return out
}

// HTML is Text for an html/template set, instrumented before html/template
// escapes it (at the first execution), so that templates it derives for
// other contexts carry the guard too.
func HTML(t *htmltemplate.Template) (*Template, error) {
	bt := &Template{t: t}
	if err := bt.instrument(trees(t.Templates())); err != nil {
		return nil, err
	}
	// html and urlquery are left alone: html/template treats them as
	// escapers of its own.
	t.Funcs(bt.funcs(false))
	return bt, nil
}

// Execute runs the template on data within lim. It returns the whole
// output, or, when a bound is reached, the output written until then (cut
// at a character boundary) with an *ExceededError; on any other error, an
// empty string and the error.
func (t *Template) Execute(data any, lim Limits) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := &budget{lim: lim, output: &writer{max: lim.Output}}
	if lim.Time > 0 {
		b.deadline = time.Now().Add(lim.Time)
		b.output.deadline = b.deadline
	}
	b.output.lim = lim
	t.run = b
	defer func() { t.run = nil }()
	err := t.t.Execute(b.output, data)
	if err == nil {
		return b.output.b.String(), nil
	}
	var ex *ExceededError
	if errors.As(err, &ex) {
		return b.output.b.String(), ex
	}
	return "", err
}

// step counts one loop iteration or template call at site.
func (t *Template) step(site int) (string, error) {
	b := t.run
	if b == nil {
		return "", nil
	}
	b.steps++
	if b.lim.Steps > 0 && b.steps > b.lim.Steps {
		at := ""
		if site >= 0 && site < len(t.sites) {
			at = t.sites[site]
		}
		return "", &ExceededError{Bound: BoundSteps, Limits: b.lim, At: at}
	}
	if !b.deadline.IsZero() && time.Now().After(b.deadline) {
		return "", &ExceededError{Bound: BoundTime, Limits: b.lim}
	}
	return "", nil
}

// capped returns f with its result bounded by the output bound.
func (t *Template) capped(f func(...any) string) func(...any) (string, error) {
	return func(args ...any) (string, error) {
		s := f(args...)
		if b := t.run; b != nil && b.lim.Output > 0 && len(s) > b.lim.Output {
			return "", &ExceededError{Bound: BoundOutput, Limits: b.lim}
		}
		return s, nil
	}
}

func (t *Template) funcs(text bool) map[string]any {
	m := map[string]any{
		stepFunc:  t.step,
		"print":   t.capped(fmt.Sprint),
		"println": t.capped(fmt.Sprintln),
		"printf": func(format string, args ...any) (string, error) {
			return t.capped(func(a ...any) string { return fmt.Sprintf(format, a...) })(args...)
		},
	}
	if text {
		m["html"] = t.capped(texttemplate.HTMLEscaper)
		m["js"] = t.capped(texttemplate.JSEscaper)
		m["urlquery"] = t.capped(texttemplate.URLQueryEscaper)
	}
	return m
}

// instrument puts a guard at the start of every template body and of
// every {{range}} body.
func (t *Template) instrument(trees []*parse.Tree) error {
	for _, tree := range trees {
		if tree == nil || tree.Root == nil {
			continue
		}
		if err := t.guardList(tree, tree.Root, tree.Root); err != nil {
			return err
		}
		if err := t.walk(tree, tree.Root); err != nil {
			return err
		}
	}
	return nil
}

func (t *Template) walk(tree *parse.Tree, l *parse.ListNode) error {
	if l == nil {
		return nil
	}
	for _, n := range l.Nodes {
		var err error
		switch n := n.(type) {
		case *parse.IfNode:
			err = errors.Join(t.walk(tree, n.List), t.walk(tree, n.ElseList))
		case *parse.WithNode:
			err = errors.Join(t.walk(tree, n.List), t.walk(tree, n.ElseList))
		case *parse.RangeNode:
			err = errors.Join(t.walk(tree, n.List), t.walk(tree, n.ElseList))
			if err == nil {
				err = t.guardList(tree, n, n.List)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// guardList puts a guard naming the position of at at the start of l.
func (t *Template) guardList(tree *parse.Tree, at parse.Node, l *parse.ListNode) error {
	if l == nil {
		return nil
	}
	loc, _ := tree.ErrorContext(at)
	g, err := guardNode(len(t.sites))
	if err != nil {
		return err
	}
	t.sites = append(t.sites, loc)
	l.Nodes = append([]parse.Node{g}, l.Nodes...)
	return nil
}

// guardNode is {{$_chisoStep := _chisoStep site}}: a declaration, which
// writes nothing and which html/template leaves unescaped.
func guardNode(site int) (parse.Node, error) {
	noop := map[string]any{stepFunc: func(int) (string, error) { return "", nil }}
	g, err := texttemplate.New("guard").Funcs(noop).Parse(fmt.Sprintf("{{%s := %s %d}}", stepVar, stepFunc, site))
	if err != nil {
		return nil, fmt.Errorf("instrument template: %w", err)
	}
	return g.Tree.Root.Nodes[0], nil
}

// writer keeps what a template writes, up to the output bound and until
// the deadline.
type writer struct {
	b        strings.Builder
	max      int       // 0: no bound
	deadline time.Time // zero: none
	lim      Limits
	err      error
}

// Write keeps p, or the part of p that fits (cut at a character boundary)
// and fails.
func (w *writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if !w.deadline.IsZero() && time.Now().After(w.deadline) {
		w.err = &ExceededError{Bound: BoundTime, Limits: w.lim}
		return 0, w.err
	}
	if w.max > 0 && w.b.Len()+len(p) > w.max {
		n := w.max - w.b.Len()
		for n > 0 && !utf8.RuneStart(p[n]) {
			n--
		}
		w.b.Write(p[:n])
		w.err = &ExceededError{Bound: BoundOutput, Limits: w.lim}
		return n, w.err
	}
	return w.b.Write(p)
}
