package alerts

import (
	"strings"

	"github.com/prometheus/common/model"
)

// AlertmanagerLabels returns labels as Alertmanager accepts them: empty
// values dropped (an empty label is an absent one) and each character of a
// name outside [a-zA-Z0-9_] replaced by '_'. These are the labels the
// Alertmanager integration posts.
func AlertmanagerLabels(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		if v != "" && k != "" {
			out[labelName(k)] = v
		}
	}
	return out
}

// labelName makes k a valid Prometheus label name.
func labelName(k string) string {
	var b strings.Builder
	for i, r := range k {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// AlertmanagerFingerprint is the fingerprint Alertmanager gives the alert
// chiso posts with these labels: the hash of the label set
// (model.LabelSet.Fingerprint), 16 hex digits, as Alertmanager's API, UI
// and amtool show it. It differs from chiso's own fingerprint, which hashes
// only the identity labels.
func AlertmanagerFingerprint(labels map[string]string) string {
	ls := make(model.LabelSet, len(labels))
	for k, v := range AlertmanagerLabels(labels) {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls.Fingerprint().String()
}
