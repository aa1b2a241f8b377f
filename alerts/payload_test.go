package alerts

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

func TestNotificationPayloadRoundTrip(t *testing.T) {
	a := chiso.Alert{Fingerprint: "f", Labels: map[string]string{"area": "PT"}, Annotations: map[string]string{"summary": "Phú Thọ"},
		State: chiso.Firing, ActiveAt: t0, FiredAt: t0.Add(time.Hour), Value: 91.5, Expected: math.NaN(),
		Finding: chiso.Finding{Rule: "R", Period: chiso.MustParsePeriod("2025-Q3"), Value: 91.5, Expected: math.NaN(),
			Message: "Độ phủ", DataID: 3},
		Ack: &chiso.Acknowledgement{Fingerprint: "f", Kind: chiso.AckCorrect, By: "lan", At: t0, DataID: 3}}
	for _, repeat := range []time.Duration{Never, 0, 90 * time.Minute} {
		n := &Notification{ID: 9, Receiver: "heads", Integration: "email", GroupKey: "0:{}", Reason: alerting.ReasonFiring,
			GroupLabels: map[string]string{"area": "PT"}, Alerts: []chiso.Alert{a}, Recipients: []string{"x@y.vn"},
			CreatedAt: t0, RepeatInterval: repeat,
			Digest: &Digest{From: t0, To: t0.Add(time.Hour), Fired: []chiso.Alert{a}}}
		b, err := EncodeNotification(n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeNotification(alerting.OutboxEntry{ID: 9, Integration: "email", Payload: b})
		if err != nil {
			t.Fatal(err)
		}
		if !math.IsNaN(got.Alerts[0].Expected) || !math.IsNaN(got.Alerts[0].Finding.Expected) || !math.IsNaN(got.Digest.Fired[0].Expected) {
			t.Fatalf("NaN lost: %+v", got.Alerts[0])
		}
		clean := func(n *Notification) {
			for _, as := range [][]chiso.Alert{n.Alerts, n.Digest.Fired} {
				as[0].Expected, as[0].Finding.Expected = 0, 0
			}
		}
		want := *n
		want.Alerts = []chiso.Alert{a}
		want.Digest = &Digest{From: t0, To: t0.Add(time.Hour), Fired: []chiso.Alert{a}}
		clean(&want)
		clean(got)
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("repeat %v: round trip\n%+v\nwant\n%+v", repeat, got, &want)
		}
	}
	if _, err := DecodeNotification(alerting.OutboxEntry{ID: 1, Payload: []byte("{")}); err == nil {
		t.Error("decoded a broken payload")
	}
}

func TestAPIJSONHasNoNaN(t *testing.T) {
	a := chiso.Alert{Fingerprint: "f", State: chiso.Firing, Value: math.NaN(), Expected: math.Inf(1),
		Finding: chiso.Finding{Value: math.NaN(), Expected: math.NaN()},
		Ack:     &chiso.Acknowledgement{Fingerprint: "f", Kind: chiso.AckCorrect, By: "lan", DataID: 2}}
	b, err := json.Marshal(AlertStatus{Alert: a, Acknowledged: true, SilencedBy: []int64{3}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"value":null`, `"expected":null`, `"acknowledged":true`, `"silenced_by":[3]`,
		`"acknowledgement":{"kind":"correct","by":"lan"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	back, err := UnmarshalAlert(b)
	if err != nil || back.Ack == nil || back.Ack.Fingerprint != "f" || back.Ack.DataID != 2 || !math.IsNaN(back.Value) {
		t.Errorf("read back %+v, %v", back, err)
	}
	if b, err := json.Marshal(alerting.Event{Fingerprint: "f", Value: math.NaN()}); err != nil || !strings.Contains(string(b), `"value":null`) {
		t.Errorf("event %s, %v", b, err)
	}
}
