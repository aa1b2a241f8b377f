package alerts

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// managerMetrics are the manager's gauges.
type managerMetrics struct {
	m      *Manager
	alerts *prometheus.GaugeVec
}

// newManagerMetrics registers the alert gauges on reg; nil registers
// nothing.
func newManagerMetrics(reg prometheus.Registerer, m *Manager) (*managerMetrics, error) {
	mm := &managerMetrics{m: m, alerts: prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "chiso_alerts",
		Help: "Alerts by state (pending, firing, resolved, acknowledged) and severity.",
	}, []string{"state", "severity"})}
	if reg != nil {
		if err := reg.Register(mm.alerts); err != nil {
			return nil, fmt.Errorf("register alert metrics: %w", err)
		}
	}
	return mm, nil
}

// update recounts the alerts; the caller holds the manager's lock. An
// acknowledged alert counts as acknowledged, not as pending or firing.
func (mm *managerMetrics) update() {
	counts := map[[2]string]float64{}
	for _, st := range []string{string(chiso.Pending), string(chiso.Firing), string(chiso.Resolved), "acknowledged"} {
		for _, sev := range []chiso.Severity{chiso.Info, chiso.Warning, chiso.Critical} {
			counts[[2]string{st, string(sev)}] = 0
		}
	}
	for _, a := range mm.m.alerts {
		st := string(a.State)
		if a.State != chiso.Resolved && quiet(a) {
			st = "acknowledged"
		}
		counts[[2]string{st, a.Labels[alerting.LabelSeverity]}]++
	}
	mm.alerts.Reset()
	for k, v := range counts {
		mm.alerts.WithLabelValues(k[0], k[1]).Set(v)
	}
}

// deliveryMetrics are the deliverer's metrics.
type deliveryMetrics struct {
	total   *prometheus.CounterVec
	queue   prometheus.Gauge
	latency *prometheus.HistogramVec
	// lastSuccess is the time of the last delivery that succeeded, by
	// receiver and integration: bounded by the configured receivers.
	lastSuccess *prometheus.GaugeVec
}

// The delivery outcomes counted by chiso_notifications_total.
const (
	OutcomeSuccess = "success" // delivered
	OutcomeRetry   = "retry"   // failed, will be retried
	OutcomeDead    = "dead"    // failed for good
)

func newDeliveryMetrics(reg prometheus.Registerer) (*deliveryMetrics, error) {
	dm := &deliveryMetrics{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chiso_notifications_total",
			Help: "Notification delivery attempts by receiver, integration and outcome (success, retry, dead).",
		}, []string{"receiver", "integration", "outcome"}),
		queue: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chiso_notification_queue_length",
			Help: "Notifications in the outbox not yet sent nor given up.",
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chiso_notification_latency_seconds",
			Help:    "Time a delivery attempt took, by integration.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"integration"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "chiso_notification_last_success_timestamp_seconds",
			Help: "Time of the last notification delivered, by receiver and integration.",
		}, []string{"receiver", "integration"}),
	}
	if reg == nil {
		return dm, nil
	}
	for _, c := range []prometheus.Collector{dm.total, dm.queue, dm.latency, dm.lastSuccess} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register delivery metrics: %w", err)
		}
	}
	return dm, nil
}
