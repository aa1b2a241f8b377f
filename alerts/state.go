package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"sort"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// IdentityLabels returns the labels that make a finding's alert: rule
// (alertname and group), area, indicator, and the period for point
// diagnoses. A status diagnosis (below target, off track, missing,
// definition change) leaves the period out, so that its alert follows the
// latest data instead of opening one alert per period.
func IdentityLabels(f chiso.Finding) map[string]string {
	l := map[string]string{alerting.LabelAlertname: f.Rule, alerting.LabelGroup: f.Group,
		alerting.LabelArea: f.Area, alerting.LabelIndicator: f.Indicator}
	if f.Diagnosis.PointDiagnosis() && !f.Period.IsZero() {
		l[alerting.LabelPeriod] = f.Period.String()
	}
	return l
}

// Fingerprint hashes labels, sorted by name, into 16 hex digits. It is
// stable across restarts and versions: it depends on nothing else.
func Fingerprint(labels map[string]string) string {
	h := sha256.New()
	for _, k := range sortedKeys(labels) {
		h.Write([]byte(k))
		h.Write([]byte{0xfe})
		h.Write([]byte(labels[k]))
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// alertLabels returns every label of a finding's alert: the group's and
// the rule's labels, then chiso's own, which win so that the identity
// cannot be changed by a rule.
func alertLabels(f chiso.Finding, g Group, r Rule) map[string]string {
	l := make(map[string]string, len(g.Labels)+len(r.Labels)+8)
	maps.Copy(l, g.Labels)
	l[alerting.LabelSeverity] = string(f.Severity)
	maps.Copy(l, r.Labels)
	l[alerting.LabelDiagnosis] = string(f.Diagnosis)
	l[alerting.LabelStatus] = string(f.Status)
	maps.Copy(l, IdentityLabels(f))
	return l
}

// timing is a rule's for and keep_firing_for.
type timing struct {
	hold, keep time.Duration
}

// advance moves an alert one evaluation forward: seen says whether its
// finding holds at now. It reports whether the state changed. It follows
// Prometheus: a finding opens a pending alert, which fires once it has held
// for `for` (at once when for is zero); a firing alert whose finding
// clears keeps firing for keep_firing_for, then resolves; a pending alert
// whose finding clears resolves without having fired.
func advance(a *chiso.Alert, seen bool, t timing, now time.Time) bool {
	prev := a.State
	if seen {
		a.LastEval = now
		a.KeepFiringSince = time.Time{}
		if a.State == "" || a.State == chiso.Resolved {
			a.State, a.ActiveAt, a.ResolvedAt, a.ResolvedBecause = chiso.Pending, now, time.Time{}, ""
		}
		if a.State == chiso.Pending && now.Sub(a.ActiveAt) >= t.hold {
			a.State, a.FiredAt = chiso.Firing, now
		}
		return a.State != prev
	}
	switch a.State {
	case chiso.Pending:
		a.State, a.ResolvedAt = chiso.Resolved, now
	case chiso.Firing:
		if t.keep > 0 {
			if a.KeepFiringSince.IsZero() {
				a.KeepFiringSince = now
			}
			if now.Sub(a.KeepFiringSince) < t.keep {
				return false
			}
		}
		a.State, a.ResolvedAt, a.KeepFiringSince = chiso.Resolved, now, time.Time{}
	}
	return a.State != prev
}

// quiet reports whether an acknowledgement holds: the finding is still at
// the data revision that was acknowledged.
func quiet(a *chiso.Alert) bool {
	return a.Ack != nil && a.Ack.DataID == a.Finding.DataID
}

// samePersisted reports whether two versions of an alert store the same
// row; LastEval alone is not worth a write.
func samePersisted(a, b *chiso.Alert) bool {
	return a.State == b.State && a.ActiveAt.Equal(b.ActiveAt) && a.FiredAt.Equal(b.FiredAt) &&
		a.ResolvedAt.Equal(b.ResolvedAt) && a.ResolvedBecause == b.ResolvedBecause && a.KeepFiringSince.Equal(b.KeepFiringSince) &&
		sameFloat(a.Value, b.Value) && sameFloat(a.Expected, b.Expected) &&
		a.Finding.DataID == b.Finding.DataID && a.Finding.Text() == b.Finding.Text() &&
		a.Finding.Period == b.Finding.Period && (a.Ack == nil) == (b.Ack == nil) &&
		maps.Equal(a.Labels, b.Labels) && maps.Equal(a.Annotations, b.Annotations)
}

func sameFloat(a, b float64) bool { return a == b || a != a && b != b }

// sortedKeys returns the map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
