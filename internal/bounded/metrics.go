package bounded

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// The kinds of template counted by Errors, as its template label.
const (
	KindAnnotation   = "annotation"
	KindEmailSubject = "email_subject"
	KindEmailText    = "email_text"
	KindEmailHTML    = "email_html"
)

// Errors counts the template executions that were cut at a bound or
// failed, as chiso_template_errors_total{template, reason}: template is
// one of the Kind constants, reason one of the bounds (output, time,
// steps) or error. The daemon registers one and hands it to every package
// that renders templates; a nil *Errors counts nothing.
type Errors struct {
	c *prometheus.CounterVec
}

// NewErrors registers the counter on reg, every series starting at zero;
// when reg has it already (a daemon restarted on the same registry), that
// one is used.
func NewErrors(reg prometheus.Registerer) (*Errors, error) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "chiso_template_errors_total",
		Help: "Template executions cut at a bound (reason output, time or steps) or failed (reason error), by kind of template.",
	}, []string{"template", "reason"})
	for _, k := range []string{KindAnnotation, KindEmailSubject, KindEmailText, KindEmailHTML} {
		for _, r := range []string{BoundOutput, BoundTime, BoundSteps, "error"} {
			c.WithLabelValues(k, r)
		}
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if old, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return &Errors{c: old}, nil
			}
		}
		return nil, fmt.Errorf("register template metrics: %w", err)
	}
	return &Errors{c: c}, nil
}

// Count counts err, if any, for a template of the kind.
func (e *Errors) Count(kind string, err error) {
	if e == nil || err == nil {
		return
	}
	e.c.WithLabelValues(kind, Reason(err)).Inc()
}

// Counter returns the series of the kind and reason.
func (e *Errors) Counter(kind, reason string) prometheus.Counter {
	return e.c.WithLabelValues(kind, reason)
}
