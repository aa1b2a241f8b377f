package server

import (
	"html/template"
	"net/http"

	"github.com/chiso-vn/chiso"
)

// landingPage is what GET / shows: what this is, whether it is ready, how
// many findings it holds, and where to read them — the page an exporter
// serves at its root, so that someone who opens the address in a browser
// knows where to go.
var landingPage = template.Must(template.New("landing").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>chiso</title></head>
<body>
<h1>chiso</h1>
<p>Watches the ICT and digital-transformation indicators of Vietnam's provinces and says when the
numbers are wrong or off target.</p>
<p>{{if .Ready}}Ready: {{.Total}} current finding{{if ne .Total 1}}s{{end}}{{range .BySeverity}}, {{.N}} {{.Severity}}{{end}}.{{else}}Not ready: the first evaluation has not finished.{{end}}</p>
<ul>
<li><a href="/metrics">/metrics</a> — Prometheus metrics</li>
<li><a href="/api/v1/findings">/api/v1/findings</a> — current findings</li>
<li><a href="/api/v1/rules">/api/v1/rules</a> — rule groups, health, last and next evaluation</li>
<li><a href="/api/v1/alerts">/api/v1/alerts</a> — alerts; <a href="/api/v1/silences">/api/v1/silences</a></li>
<li><a href="/api/v1/indicators">/api/v1/indicators</a>, <a href="/api/v1/areas">/api/v1/areas</a> — the catalogue</li>
<li><a href="/api/v1/status/reload">/api/v1/status/reload</a> — the last configuration reload</li>
<li><a href="/-/healthy">/-/healthy</a>, <a href="/-/ready">/-/ready</a></li>
</ul>
</body>
</html>
`))

type severityCount struct {
	Severity chiso.Severity
	N        int
}

func (s *Server) landing(w http.ResponseWriter, _ *http.Request) {
	data := struct {
		Ready      bool
		Total      int
		BySeverity []severityCount
	}{Ready: s.deps.Status.Ready()}
	if data.Ready {
		counts := map[chiso.Severity]int{}
		for f := range s.deps.Status.Findings() {
			counts[f.Severity]++
			data.Total++
		}
		for _, sev := range []chiso.Severity{chiso.Critical, chiso.Warning, chiso.Info} {
			if counts[sev] > 0 {
				data.BySeverity = append(data.BySeverity, severityCount{sev, counts[sev]})
			}
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := landingPage.Execute(w, data); err != nil {
		s.deps.Logger.Warn("write the landing page", "err", err)
	}
}
