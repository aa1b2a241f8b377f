package alerts

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

func routingConfig() *Config {
	return &Config{
		Route: &Route{Receiver: "ops", GroupBy: []string{"alertname"}, GroupWait: "1m", RepeatInterval: "1d",
			Routes: []*Route{
				{Matchers: []string{`severity="critical"`}, Receiver: "pager", Continue: true, GroupWait: "0s"},
				{Matchers: []string{`area=~"PT|VP"`}, Receiver: "heads", GroupBy: []string{"area", "alertname"},
					Routes: []*Route{{Matchers: []string{`diagnosis="unit_slip"`}, Receiver: "stewards", RepeatInterval: "never"}}},
				{Matchers: []string{`area=~"PT|HN"`}, Receiver: "pt-hn"},
				{Matchers: []string{`team="infra"`}, GroupBy: []string{"..."}},
			}},
		Receivers: []Receiver{{Name: "ops"}, {Name: "pager"}, {Name: "heads"}, {Name: "stewards"}, {Name: "pt-hn"}},
	}
}

func TestRouteMatching(t *testing.T) {
	rt, errs := compile(routingConfig())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   []string // receivers, in order
	}{
		{"no child matches: the root", map[string]string{"area": "DN"}, []string{"ops"}},
		{"first match wins", map[string]string{"area": "PT"}, []string{"heads"}},
		{"continue tries the next siblings", map[string]string{"area": "VP", "severity": "critical"}, []string{"pager", "heads"}},
		{"continue with no later match", map[string]string{"area": "DN", "severity": "critical"}, []string{"pager"}},
		{"a later sibling only after a continue", map[string]string{"area": "HN"}, []string{"pt-hn"}},
		{"deepest route handles", map[string]string{"area": "PT", "diagnosis": "unit_slip"}, []string{"stewards"}},
		{"receiver inherited", map[string]string{"team": "infra"}, []string{"ops"}},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range rt.root.match(tt.labels) {
			got = append(got, r.receiver)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: receivers %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRouteInheritance(t *testing.T) {
	rt, errs := compile(routingConfig())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	pager, heads := rt.root.children[0], rt.root.children[1]
	stewards, infra := heads.children[0], rt.root.children[3]
	tests := []struct {
		name       string
		r          *route
		wait       time.Duration
		interval   time.Duration
		repeat     time.Duration
		groupBy    []string
		groupByAll bool
	}{
		{"root", rt.root, time.Minute, DefaultGroupInterval, 24 * time.Hour, []string{"alertname"}, false},
		{"pager", pager, 0, DefaultGroupInterval, 24 * time.Hour, []string{"alertname"}, false},
		{"heads", heads, time.Minute, DefaultGroupInterval, 24 * time.Hour, []string{"alertname", "area"}, false},
		{"stewards", stewards, time.Minute, DefaultGroupInterval, Never, []string{"alertname", "area"}, false},
		{"infra", infra, time.Minute, DefaultGroupInterval, 24 * time.Hour, nil, true},
	}
	for _, tt := range tests {
		r := tt.r
		if r.groupWait != tt.wait || r.groupInterval != tt.interval || r.repeatInterval != tt.repeat ||
			!slices.Equal(r.groupBy, tt.groupBy) || r.groupByAll != tt.groupByAll {
			t.Errorf("%s: wait %v interval %v repeat %v group_by %v all %v", tt.name, r.groupWait,
				r.groupInterval, r.repeatInterval, r.groupBy, r.groupByAll)
		}
	}
}

func TestGroupKeys(t *testing.T) {
	rt, _ := compile(routingConfig())
	labels := map[string]string{"alertname": "R", "area": "PT", "indicator": "i"}
	heads := rt.root.children[1]
	if got := groupKey(heads, heads.groupLabels(labels)); got != `0.1:{alertname="R",area="PT"}` {
		t.Errorf("heads key %s", got)
	}
	infra := rt.root.children[3]
	if got := infra.groupLabels(labels); len(got) != 3 {
		t.Errorf("group_by ... gives %v, want every label", got)
	}
	other := map[string]string{"alertname": "R", "area": "VP"}
	if groupKey(heads, heads.groupLabels(labels)) == groupKey(heads, heads.groupLabels(other)) {
		t.Error("two areas share a group under group_by area")
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	c := &Config{
		Route: &Route{Matchers: []string{`a="b"`}, GroupWait: "5 minutes",
			Routes: []*Route{{Receiver: "nobody", Matchers: []string{`area=~"("`}, RepeatInterval: "sometimes",
				GroupBy: []string{"...", "area"}, GroupInterval: "0s"}}},
		Receivers: []Receiver{{Name: "x", To: []string{"not an address"}, Digest: &DigestConfig{Schedule: "61 * * * *"}},
			{Name: "x", ToFromLabel: "bad-label"}, {}},
		InhibitRules:      []InhibitRule{{Equal: []string{"a-b"}}},
		Departments:       map[string]Department{"PT": {Head: "nope"}},
		ResolvedRetention: "forever",
	}
	errs := c.Validate()
	var text []string
	for _, e := range errs {
		text = append(text, e.Error())
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{
		`resolved_retention: `, `"forever"`,
		`receivers[0].to[0]: not an e-mail address (got "not an address")`,
		`receivers[0].digest.schedule:`,
		`receivers[1].name: duplicate receiver name (got "x")`,
		`receivers[1].to_from_label: not a label name (got "bad-label")`,
		`receivers[2].name: a receiver needs a name`,
		`departments.PT.head: not an e-mail address (got "nope")`,
		`route.receiver: the root route needs a receiver`,
		`route.matchers: the root route matches every alert`,
		`route.group_wait:`, `"5 minutes"`,
		`route.routes[0].matchers[0]:`, `invalid regular expression`,
		`route.routes[0].receiver: no receiver has this name (got "nobody")`,
		`route.routes[0].group_by: `,
		`route.routes[0].repeat_interval:`, `"sometimes"`,
		`route.routes[0].group_interval: must be positive`,
		`inhibit_rules[0].source_matchers: an inhibition rule needs source matchers`,
		`inhibit_rules[0].target_matchers:`,
		`inhibit_rules[0].equal[0]: not a label name (got "a-b")`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
}

func TestInhibition(t *testing.T) {
	var p problems
	rule := compileInhibit(InhibitRule{SourceMatchers: []string{`diagnosis="missing"`},
		TargetMatchers: []string{`diagnosis=~"below_target|off_track"`}, Equal: []string{"area", "indicator"}}, "r", &p)
	if len(p) > 0 {
		t.Fatal(p)
	}
	alert := func(fp, diag, area string, st chiso.AlertState) *chiso.Alert {
		return &chiso.Alert{Fingerprint: fp, State: st,
			Labels: map[string]string{"diagnosis": diag, "area": area, "indicator": "i"}}
	}
	as := map[string]*chiso.Alert{
		"src": alert("src", "missing", "PT", chiso.Firing),
		"old": alert("old", "missing", "HN", chiso.Resolved), // resolved: inhibits nothing
	}
	in := newInhibitor([]inhibitRule{rule}, as)
	tests := []struct {
		a    *chiso.Alert
		want bool
	}{
		{alert("t1", "below_target", "PT", chiso.Firing), true},
		{alert("t2", "off_track", "PT", chiso.Firing), true},
		{alert("t3", "below_target", "VP", chiso.Firing), false}, // equal labels differ
		{alert("t4", "out_of_range", "PT", chiso.Firing), false}, // not a target
		{alert("t5", "below_target", "HN", chiso.Firing), false}, // source resolved
		{as["src"], false}, // a source does not inhibit itself
	}
	for _, tt := range tests {
		if got := in.inhibited(tt.a); got != tt.want {
			t.Errorf("%s (%v) inhibited = %v, want %v", tt.a.Fingerprint, tt.a.Labels, got, tt.want)
		}
	}
}

func TestSilenceStatesAndValidation(t *testing.T) {
	ms, _ := alerting.ParseMatchers(`area="PT"`)
	s := alerting.Silence{Matchers: ms, StartsAt: at(1), EndsAt: at(3), CreatedBy: "lan", Comment: "import fix"}
	for _, c := range []struct {
		hour int
		want alerting.SilenceState
	}{{0, alerting.SilencePending}, {1, alerting.SilenceActive}, {2, alerting.SilenceActive}, {3, alerting.SilenceExpired}} {
		if got := s.State(at(c.hour)); got != c.want {
			t.Errorf("hour %d: %s, want %s", c.hour, got, c.want)
		}
	}
	if err := s.Validate(at(0)); err != nil {
		t.Errorf("valid silence: %v", err)
	}
	all, _ := alerting.ParseMatchers(`area=~".*"`)
	bad := alerting.Silence{Matchers: all, StartsAt: at(3), EndsAt: at(1)}
	err := bad.Validate(at(0))
	for _, want := range []string{"at least one must need a value", "is not after starts_at", "created_by is required", "comment is required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
}

// FuzzConfig feeds alerting sections to the strict decoder and Validate:
// neither may panic, and a section Validate accepts compiles into a tree
// whose every route names a configured receiver.
func FuzzConfig(f *testing.F) {
	f.Add("route: {receiver: a, group_by: ['...'], repeat_interval: never}\nreceivers: [{name: a}]\n")
	f.Add("route: {receiver: a, routes: [{matchers: ['area=~\"P.*\"'], continue: true, group_wait: 1w}]}\nreceivers: [{name: a, digest: {schedule: '0 8 * * 1'}}]\n")
	f.Add("inhibit_rules: [{source_matchers: ['a=\"b\"'], target_matchers: ['c!~\"d\"'], equal: [area]}]\n")
	f.Add("departments: {PT: {head: a@b.vn, cc: [c@d.vn]}}\nreceivers: [{name: x, to_from_label: area, email: {to: [a]}}]\n")
	f.Fuzz(func(t *testing.T, src string) {
		c, ok := decodeFuzzed(src)
		if !ok {
			return
		}
		rt, errs := compile(&c)
		if len(errs) > 0 || rt.root == nil {
			return
		}
		var walk func(r *route)
		walk = func(r *route) {
			if rt.receivers[r.receiver] == nil {
				t.Fatalf("route %s sends to unknown receiver %q", r.id, r.receiver)
			}
			for _, c := range r.children {
				walk(c)
			}
		}
		walk(rt.root)
	})
}

// decodeFuzzed decodes a section strictly. go-yaml v1.19.2 itself panics on
// some malformed flow mappings (testdata/fuzz/FuzzConfig holds one); that
// is the decoder's bug, not this package's, so it counts as a refusal.
func decodeFuzzed(src string) (c Config, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return c, yaml.UnmarshalWithOptions([]byte(src), &c, yaml.Strict()) == nil
}
