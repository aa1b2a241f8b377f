package webhook

import (
	"sort"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/alerts/amclient"
)

// Version is the Alertmanager webhook payload version chiso follows.
const Version = "4"

// Message is the JSON body POSTed: Alertmanager's webhook payload version 4,
// plus chiso's reason, notification id and, for digests, the sections.
type Message struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"` // firing if any alert fires, else resolved
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
	// Reason is firing, resolved, repeat, digest or test.
	Reason string `json:"reason"`
	// NotificationID is the outbox id; the same in every re-send.
	NotificationID int64 `json:"notificationID"`
	// Digest lists a digest's sections by fingerprint; nil otherwise.
	Digest *Digest `json:"digest,omitempty"`
}

// Alert is one alert of a Message, as Alertmanager sends it, plus the
// finding behind it.
type Alert struct {
	Status       string            `json:"status"` // firing or resolved
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"` // zero while firing, as Alertmanager sends it
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
	// Finding is chiso's latest finding for the alert (snake_case keys,
	// null for a missing value).
	Finding *chiso.Finding `json:"finding,omitempty"`
}

// Digest is a digest's window and its sections, each a list of the
// fingerprints of alerts in Message.Alerts.
type Digest struct {
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	Fired        []string  `json:"fired"`
	StillFiring  []string  `json:"stillFiring"`
	Resolved     []string  `json:"resolved"`
	Acknowledged []string  `json:"acknowledged"`
}

// NewMessage builds the payload for n, keeping at most maxAlerts alerts
// (firing ones first; zero means all).
func NewMessage(n *alerts.Notification, maxAlerts int) Message {
	as, dg := collect(n)
	m := Message{Version: Version, GroupKey: n.GroupKey, Status: "resolved", Receiver: n.Receiver,
		GroupLabels: nonNil(n.GroupLabels), ExternalURL: n.ExternalURL, Reason: string(n.Reason),
		NotificationID: n.ID, Digest: dg, Alerts: []Alert{}}
	m.CommonLabels, m.CommonAnnotations = common(as, func(a chiso.Alert) map[string]string { return a.Labels }),
		common(as, func(a chiso.Alert) map[string]string { return a.Annotations })
	for _, a := range as {
		if a.State != chiso.Resolved {
			m.Status = "firing"
		}
	}
	if maxAlerts > 0 && len(as) > maxAlerts {
		m.TruncatedAlerts, as = len(as)-maxAlerts, as[:maxAlerts]
	}
	for _, a := range as {
		m.Alerts = append(m.Alerts, toAlert(a, n.ExternalURL))
	}
	return m
}

// collect returns the notification's alerts, a digest's included, each
// once and firing ones first; and the digest's sections.
func collect(n *alerts.Notification) ([]chiso.Alert, *Digest) {
	as := append([]chiso.Alert(nil), n.Alerts...)
	var dg *Digest
	if d := n.Digest; d != nil {
		dg = &Digest{From: d.From, To: d.To, Fired: fingerprints(d.Fired), StillFiring: fingerprints(d.StillFiring),
			Resolved: fingerprints(d.Resolved), Acknowledged: fingerprints(d.Acknowledged)}
		for _, l := range [][]chiso.Alert{d.Fired, d.StillFiring, d.Resolved, d.Acknowledged} {
			as = append(as, l...)
		}
	}
	seen := map[string]bool{}
	out := as[:0]
	for _, a := range as {
		if !seen[a.Fingerprint] {
			seen[a.Fingerprint] = true
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].State != chiso.Resolved && out[j].State == chiso.Resolved
	})
	return out, dg
}

// toAlert converts one alert as Alertmanager's webhook shows it.
func toAlert(a chiso.Alert, ext string) Alert {
	v := Alert{Status: "firing", Labels: nonNil(amclient.Labels(a.Labels)), Annotations: nonNil(a.Annotations),
		StartsAt: amclient.StartsAt(a), GeneratorURL: amclient.GeneratorURL(ext, a), Fingerprint: a.Fingerprint}
	if a.State == chiso.Resolved {
		v.Status, v.EndsAt = "resolved", a.ResolvedAt
	}
	if a.Finding.Rule != "" || a.Finding.Indicator != "" {
		f := a.Finding
		v.Finding = &f
	}
	return v
}

// common returns the pairs every alert shares; empty for no alerts.
func common(as []chiso.Alert, get func(chiso.Alert) map[string]string) map[string]string {
	out := map[string]string{}
	if len(as) == 0 {
		return out
	}
	for k, v := range get(as[0]) {
		out[k] = v
	}
	for _, a := range as[1:] {
		m := get(a)
		for k, v := range out {
			if m[k] != v {
				delete(out, k)
			}
		}
	}
	return out
}

// fingerprints lists the alerts' fingerprints, never nil.
func fingerprints(as []chiso.Alert) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.Fingerprint)
	}
	return out
}

// nonNil returns m, or an empty map for nil, so JSON shows {} as
// Alertmanager does.
func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
