package console

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	"github.com/chiso-vn/chiso/server"
)

type rulesView struct {
	Groups []ruleGroupView
}

type ruleGroupView struct {
	server.GroupStatus
	Labels []string
	Rules  []ruleView
}

type ruleView struct {
	server.RuleStatus
	SevClass     string
	NotEvaluated []reasonCount
	Where        string // file:line
	YAML         string
}

type reasonCount struct {
	Reason string
	N      int
}

func (c *Console) rulesPage(w http.ResponseWriter, r *http.Request) {
	var v rulesView
	for _, g := range c.deps.Status.Rules() {
		gv := ruleGroupView{GroupStatus: g}
		for _, k := range sortedLabelNames(g.Labels) {
			gv.Labels = append(gv.Labels, k+"="+strconv.Quote(g.Labels[k]))
		}
		for _, rs := range g.Rules {
			rv := ruleView{RuleStatus: rs, SevClass: severityClass(severityRank(rs.Severity))}
			for reason, n := range rs.NotEvaluated {
				rv.NotEvaluated = append(rv.NotEvaluated, reasonCount{reason, n})
			}
			slices.SortFunc(rv.NotEvaluated, func(a, b reasonCount) int { return cmp.Compare(a.Reason, b.Reason) })
			if c.deps.Rule != nil {
				if src, ok := c.deps.Rule(g.Name, rs.Name); ok {
					rv.Where = src.File
					if src.Line > 0 {
						rv.Where += ":" + strconv.Itoa(src.Line)
					}
					rv.YAML = src.Text
				}
			}
			gv.Rules = append(gv.Rules, rv)
		}
		v.Groups = append(v.Groups, gv)
	}
	c.render(w, r, http.StatusOK, "rules", tr(langOf(r), "Quy tắc", "Rules"), "rules", v)
}

func severityRank(s string) int {
	switch s {
	case "critical":
		return 3
	case "warning":
		return 2
	case "info":
		return 1
	}
	return 0
}
