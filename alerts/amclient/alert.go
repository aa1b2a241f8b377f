package amclient

import (
	"net/url"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
)

// PostableAlert is an alert as Alertmanager's POST /api/v2/alerts takes it.
type PostableAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Postable converts a chiso alert. A firing alert ends at now+validFor
// unless it is re-sent before; a resolved one ends when it resolved.
func Postable(a chiso.Alert, now time.Time, validFor time.Duration, externalURL string) PostableAlert {
	p := PostableAlert{Labels: Labels(a.Labels), Annotations: nonEmpty(a.Annotations),
		StartsAt: StartsAt(a), GeneratorURL: GeneratorURL(externalURL, a)}
	switch {
	case a.State != chiso.Resolved:
		p.EndsAt = now.Add(validFor)
	case !a.ResolvedAt.IsZero():
		p.EndsAt = a.ResolvedAt
	default:
		p.EndsAt = now
	}
	if !p.StartsAt.IsZero() && p.EndsAt.Before(p.StartsAt) {
		p.EndsAt = p.StartsAt
	}
	return p
}

// StartsAt is when the alert last started firing, or when its finding was
// first seen if it never fired.
func StartsAt(a chiso.Alert) time.Time {
	if !a.FiredAt.IsZero() {
		return a.FiredAt
	}
	return a.ActiveAt
}

// Labels returns the labels as Alertmanager accepts them
// (alerts.AlertmanagerLabels).
func Labels(in map[string]string) map[string]string { return alerts.AlertmanagerLabels(in) }

// nonEmpty drops empty annotations; nil stays nil.
func nonEmpty(in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// GeneratorURL links to the alert's findings in the daemon's API; empty
// when the daemon's external URL is unknown.
func GeneratorURL(externalURL string, a chiso.Alert) string {
	if externalURL == "" {
		return ""
	}
	q := url.Values{}
	set := func(key string, vs ...string) {
		for _, v := range vs {
			if v != "" {
				q.Set(key, v)
				return
			}
		}
	}
	set("rule", a.Labels["alertname"], a.Finding.Rule)
	set("area", a.Labels["area"], a.Finding.Area)
	set("indicator", a.Labels["indicator"], a.Finding.Indicator)
	return strings.TrimRight(externalURL, "/") + "/api/v1/findings?" + q.Encode()
}
