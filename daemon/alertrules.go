package daemon

import (
	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/rules"
)

// AlertGroups describes rule groups to alerting, each as AlertGroup does.
func AlertGroups(gs []rules.Group) []alerts.Group {
	out := make([]alerts.Group, len(gs))
	for i, g := range gs {
		out[i] = AlertGroup(g)
	}
	return out
}

// AlertGroup describes a rule group to alerting: its name and labels, and
// for each rule its name, timing, labels, what it finds, and its
// annotation templates rendered over rules.TemplateData.
func AlertGroup(g rules.Group) alerts.Group {
	out := alerts.Group{Name: g.Name, Labels: g.Labels, Rules: make([]alerts.Rule, len(g.Rules))}
	for i, r := range g.Rules {
		out.Rules[i] = alerts.Rule{Name: r.Alert, For: r.For, KeepFiringFor: r.KeepFiringFor,
			AlertIndeterminate: r.AlertIndeterminate, Labels: r.Labels, Annotate: annotator(r),
			Finds: finds{r.Check, r.Severity, r.AlertIndeterminate, r.Indicators, r.Areas, r.Params}}
	}
	return out
}

// finds is what a rule finds: a change to any of it resolves the alerts
// the rule then stops finding as "rule changed".
type finds struct {
	check         string
	severity      chiso.Severity
	indeterminate bool
	indicators    []string
	areas         rules.AreaSelector
	params        any
}

// annotator renders the rule's annotation templates; nil when it has none.
func annotator(r rules.Rule) alerts.Annotator {
	if len(r.Annotations) == 0 {
		return nil
	}
	return func(f chiso.Finding, cat *chiso.Catalogue, labels map[string]string, lang string) (map[string]string, error) {
		return r.RenderAnnotations(rules.NewTemplateData(f, cat, labels, lang))
	}
}
