package server

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// instrumentation counts and times HTTP requests per handler.
type instrumentation struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newInstrumentation(reg prometheus.Registerer) (*instrumentation, error) {
	if reg == nil {
		return nil, nil
	}
	in := &instrumentation{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chiso_http_requests_total",
			Help: "HTTP requests answered, by handler and status code.",
		}, []string{"handler", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chiso_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by handler.",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 5},
		}, []string{"handler"}),
	}
	for _, c := range []prometheus.Collector{in.requests, in.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register http metrics: %w", err)
		}
	}
	return in, nil
}

// wrap instruments a handler; a nil instrumentation leaves it bare.
func (in *instrumentation) wrap(name string, h http.HandlerFunc) http.Handler {
	if in == nil {
		return h
	}
	labels := prometheus.Labels{"handler": name}
	return promhttp.InstrumentHandlerCounter(in.requests.MustCurryWith(labels),
		promhttp.InstrumentHandlerDuration(in.duration.MustCurryWith(labels), h))
}
