package alerts_test

import (
	"fmt"
	"testing"
)

func TestGroupsAsTheRouteGroups(t *testing.T) {
	e := newEnv(t, `
route:
  receiver: heads
  group_by: [alertname, area]
  group_wait: 30s
  routes:
    - {receiver: ops, matchers: ['area="PT"'], continue: true}
    - {receiver: heads}
receivers:
  - name: heads
    webhook: {url: "http://127.0.0.1:1/hook"}
  - name: ops
    webhook: {url: "http://127.0.0.1:1/ops"}
`)
	e.process(t0, finding("BelowTarget", "PT"), finding("BelowTarget", "HN"), finding("Maybe", "HN"))
	var got []string
	for _, g := range e.m.Groups(t0) {
		s := fmt.Sprintf("%s %s/%s:", g.Receiver, g.Labels["alertname"], g.Labels["area"])
		for _, a := range g.Alerts {
			s += " " + a.Labels["alertname"] + "@" + a.Labels["area"]
		}
		got = append(got, s)
	}
	want := []string{
		"heads BelowTarget/HN: BelowTarget@HN",
		"heads BelowTarget/PT: BelowTarget@PT",
		"heads Maybe/HN: Maybe@HN",
		"ops BelowTarget/PT: BelowTarget@PT",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("groups\n%q\nwant\n%q", got, want)
	}
}
