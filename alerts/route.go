package alerts

import (
	"cmp"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/internal/timespec"

	"github.com/robfig/cron/v3"

	"github.com/chiso-vn/chiso/alerting"
)

// route is a node of the compiled routing tree, with everything inherited
// resolved.
type route struct {
	id             string // position in the tree: "0", "0.1", "0.1.0"
	receiver       string
	matchers       alerting.Matchers
	groupBy        []string // sorted; nil with groupByAll
	groupByAll     bool     // group_by: [...]
	groupWait      time.Duration
	groupInterval  time.Duration
	repeatInterval time.Duration // Never for none
	cont           bool
	children       []*route
}

// match returns the routes that handle labels below (and including) r, in
// tree order, as Alertmanager does: the first matching child, further
// matching children while they say continue, or r itself if none match.
func (r *route) match(labels map[string]string) []*route {
	var out []*route
	for _, c := range r.children {
		if !c.matchers.Matches(labels) {
			continue
		}
		out = append(out, c.match(labels)...)
		if !c.cont {
			break
		}
	}
	if len(out) == 0 {
		return []*route{r}
	}
	return out
}

// groupLabels returns the labels of an alert that its group is keyed by.
func (r *route) groupLabels(labels map[string]string) map[string]string {
	if r.groupByAll {
		return labels
	}
	out := make(map[string]string, len(r.groupBy))
	for _, k := range r.groupBy {
		if v, ok := labels[k]; ok {
			out[k] = v
		}
	}
	return out
}

// groupKey names an aggregation group: the route and its group labels.
func groupKey(r *route, groupLabels map[string]string) string {
	var b strings.Builder
	b.WriteString(r.id)
	b.WriteString(":{")
	for i, k := range sortedKeys(groupLabels) {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", k, groupLabels[k])
	}
	b.WriteByte('}')
	return b.String()
}

// routing is a validated Config ready for use.
type routing struct {
	root        *route // nil: nothing is routed
	inhibit     []inhibitRule
	receivers   map[string]*Receiver
	digests     map[string]cron.Schedule // receiver name → schedule
	departments map[string]Department
	retention   time.Duration
	externalURL string
	maxSilences int // active and pending at once
}

// compile validates c and builds its routing, reporting every problem.
func compile(c *Config) (*routing, []error) {
	var p problems
	rt := &routing{receivers: map[string]*Receiver{}, digests: map[string]cron.Schedule{},
		departments: c.Departments, externalURL: c.ExternalURL}
	rt.retention = p.duration("resolved_retention", c.ResolvedRetention, DefaultResolvedRetention, false)
	rt.maxSilences = cmp.Or(c.Silences.MaxActive, DefaultMaxSilences)
	if c.Silences.MaxActive < 0 {
		p.add("silences.max_active", fmt.Sprint(c.Silences.MaxActive), "must not be negative")
	}
	rt.compileReceivers(c, &p)
	rt.compileDepartments(&p)
	if c.Route != nil {
		rt.root = rt.compileRoute(c.Route, nil, "route", "0", &p)
	} else if len(c.Receivers) > 0 {
		p.add("route", "", "receivers are configured but no route sends to them")
	}
	for i, ir := range c.InhibitRules {
		rt.inhibit = append(rt.inhibit, compileInhibit(ir, fmt.Sprintf("inhibit_rules[%d]", i), &p))
	}
	return rt, p
}

// compileReceivers checks names, recipients and digest schedules.
func (rt *routing) compileReceivers(c *Config, p *problems) {
	for i := range c.Receivers {
		r := &c.Receivers[i]
		field := fmt.Sprintf("receivers[%d]", i)
		switch {
		case r.Name == "":
			p.add(field+".name", "", "a receiver needs a name")
		case rt.receivers[r.Name] != nil:
			p.add(field+".name", r.Name, "duplicate receiver name")
		}
		rt.receivers[r.Name] = r
		for j, a := range r.To {
			p.address(fmt.Sprintf("%s.to[%d]", field, j), a)
		}
		if r.ToFromLabel != "" && !alerting.ValidLabelName(r.ToFromLabel) {
			p.add(field+".to_from_label", r.ToFromLabel, "not a label name")
		}
		if r.Digest != nil {
			s, err := timespec.ParseSchedule(r.Digest.Schedule)
			if err != nil {
				p.add(field+".digest.schedule", r.Digest.Schedule, "%v", err)
			} else {
				rt.digests[r.Name] = s
			}
		}
	}
}

// compileDepartments checks the departments' addresses.
func (rt *routing) compileDepartments(p *problems) {
	for _, code := range sortedKeys(rt.departments) {
		d := rt.departments[code]
		if d.Head != "" {
			p.address("departments."+code+".head", d.Head)
		}
		for j, a := range d.CC {
			p.address(fmt.Sprintf("departments.%s.cc[%d]", code, j), a)
		}
	}
}

// compileRoute builds a route node, inheriting what it leaves unset.
func (rt *routing) compileRoute(c *Route, parent *route, field, id string, p *problems) *route {
	r := &route{id: id, receiver: c.Receiver, cont: c.Continue}
	if parent == nil {
		parent = &route{groupWait: DefaultGroupWait, groupInterval: DefaultGroupInterval,
			repeatInterval: DefaultRepeatInterval, groupBy: []string{}}
		if c.Receiver == "" {
			p.add(field+".receiver", "", "the root route needs a receiver")
		}
		if len(c.Matchers) > 0 {
			p.add(field+".matchers", "", "the root route matches every alert: it takes no matchers")
		}
	} else {
		r.matchers = p.matchers(field+".matchers", c.Matchers)
	}
	if r.receiver == "" {
		r.receiver = parent.receiver
	} else if rt.receivers[r.receiver] == nil {
		p.add(field+".receiver", r.receiver, "no receiver has this name")
	}
	r.groupBy, r.groupByAll = compileGroupBy(c.GroupBy, parent, field, p)
	r.groupWait = p.duration(field+".group_wait", c.GroupWait, parent.groupWait, false)
	r.groupInterval = p.duration(field+".group_interval", c.GroupInterval, parent.groupInterval, false)
	r.repeatInterval = p.duration(field+".repeat_interval", c.RepeatInterval, parent.repeatInterval, true)
	if r.groupInterval <= 0 {
		p.add(field+".group_interval", c.GroupInterval, "must be positive")
	}
	for i, child := range c.Routes {
		r.children = append(r.children, rt.compileRoute(child, r,
			fmt.Sprintf("%s.routes[%d]", field, i), fmt.Sprintf("%s.%d", id, i), p))
	}
	return r
}

// compileGroupBy reads group_by, inheriting nil from the parent.
func compileGroupBy(list []string, parent *route, field string, p *problems) ([]string, bool) {
	if list == nil {
		return parent.groupBy, parent.groupByAll
	}
	out := []string{}
	for i, l := range list {
		if l == "..." {
			if len(list) > 1 {
				p.add(field+".group_by", "", "`...` groups by every label and stands alone")
			}
			return nil, true
		}
		if !alerting.ValidLabelName(l) {
			p.add(fmt.Sprintf("%s.group_by[%d]", field, i), l, "not a label name")
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return out, false
}
