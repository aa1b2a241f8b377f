package alerts

import (
	"fmt"
	"strings"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
)

// inhibitRule is a validated InhibitRule.
type inhibitRule struct {
	source, target alerting.Matchers
	equal          []string
}

// compileInhibit validates an inhibition rule.
func compileInhibit(ir InhibitRule, field string, p *problems) inhibitRule {
	r := inhibitRule{source: p.matchers(field+".source_matchers", ir.SourceMatchers),
		target: p.matchers(field+".target_matchers", ir.TargetMatchers), equal: ir.Equal}
	if len(ir.SourceMatchers) == 0 {
		p.add(field+".source_matchers", "", "an inhibition rule needs source matchers")
	}
	if len(ir.TargetMatchers) == 0 {
		p.add(field+".target_matchers", "", "an inhibition rule needs target matchers")
	}
	for i, l := range ir.Equal {
		if !alerting.ValidLabelName(l) {
			p.add(fmt.Sprintf("%s.equal[%d]", field, i), l, "not a label name")
		}
	}
	return r
}

// equalKey joins the values of the equal labels.
func (r inhibitRule) equalKey(labels map[string]string) string {
	var b strings.Builder
	for _, l := range r.equal {
		b.WriteString(labels[l])
		b.WriteByte(0xff)
	}
	return b.String()
}

// inhibitor answers "is this alert inhibited?" for one moment: it indexes
// the firing source alerts of every rule by their equal labels.
type inhibitor struct {
	rules   []inhibitRule
	sources []map[string][]string // per rule: equal key → source fingerprints (at most two kept)
}

// newInhibitor indexes the firing alerts. An alert that is itself muted
// (silenced or acknowledged) still inhibits, as in Alertmanager.
func newInhibitor(rs []inhibitRule, alerts map[string]*chiso.Alert) *inhibitor {
	in := &inhibitor{rules: rs, sources: make([]map[string][]string, len(rs))}
	for i, r := range rs {
		idx := map[string][]string{}
		for fp, a := range alerts {
			if a.State != chiso.Firing || !r.source.Matches(a.Labels) {
				continue
			}
			k := r.equalKey(a.Labels)
			if len(idx[k]) < 2 {
				idx[k] = append(idx[k], fp)
			}
		}
		in.sources[i] = idx
	}
	return in
}

// inhibited reports whether a firing source other than a itself mutes a.
func (in *inhibitor) inhibited(a *chiso.Alert) bool {
	for i, r := range in.rules {
		if !r.target.Matches(a.Labels) {
			continue
		}
		for _, fp := range in.sources[i][r.equalKey(a.Labels)] {
			if fp != a.Fingerprint {
				return true
			}
		}
	}
	return false
}
