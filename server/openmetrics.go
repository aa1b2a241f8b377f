package server

import (
	"net/http"

	"github.com/prometheus/common/expfmt"
)

// openMetricsEOF ends an OpenMetrics exposition.
const openMetricsEOF = "# EOF\n"

// negotiate chooses the exposition format from the request's Accept
// header: OpenMetrics when the scraper asks for it (Prometheus does by
// default), else the text format. The indicator values' cached bytes serve
// both: they are gauges whose help texts need no escaping, which the two
// formats write alike; only the closing # EOF differs.
func negotiate(r *http.Request) (format expfmt.Format, openMetrics bool) {
	f := expfmt.NegotiateAccept(r.Header, expfmt.FmtOpenMetrics_1_0_0, expfmt.FmtOpenMetrics_0_0_1, expfmt.FmtText)
	if f.FormatType() == expfmt.TypeOpenMetrics {
		return f, true
	}
	return expfmt.NewFormat(expfmt.TypeTextPlain), false
}
