package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// metricsHandler serves /metrics in the text format. The daemon's own
// metrics are gathered and encoded on every scrape; the indicator values,
// which change only when data arrives and may be 100,000 series or more,
// are encoded (and gzipped) once per snapshot and the bytes reused. A gzip
// response is the concatenation of two gzip members, which every gzip
// reader, Prometheus's included, reads as one stream.
type metricsHandler struct {
	own    prometheus.Gatherer
	values *ValueCollector // nil: no indicator values
	log    func(msg string, args ...any)
	zpool  sync.Pool
}

func (h *metricsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	format, om := negotiate(r)
	var own bytes.Buffer
	if err := encodeFamilies(&own, h.own, format); err != nil {
		h.log("gather metrics", "err", err)
	}
	gz := acceptsGzip(r)
	w.Header().Set("Content-Type", string(format))
	var values []byte
	if h.values != nil {
		values = h.values.encoded(gz)
	}
	if !gz {
		w.Write(own.Bytes())
		w.Write(values)
		if om {
			io.WriteString(w, openMetricsEOF)
		}
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	h.gzipMember(w, own.Bytes())
	w.Write(values)
	if om {
		h.gzipMember(w, []byte(openMetricsEOF))
	}
}

// gzipMember writes b to w as one gzip member.
func (h *metricsHandler) gzipMember(w io.Writer, b []byte) {
	zw := h.gzipWriter(w)
	zw.Write(b)
	zw.Close()
	h.zpool.Put(zw)
}

func (h *metricsHandler) gzipWriter(w io.Writer) *gzip.Writer {
	if zw, ok := h.zpool.Get().(*gzip.Writer); ok {
		zw.Reset(w)
		return zw
	}
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed) // the level is valid
	return zw
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && !strings.Contains(strings.ReplaceAll(q, " ", ""), "q=0") {
			return true
		}
	}
	return false
}

// encodeFamilies writes what g gathers in format (text or OpenMetrics,
// without its closing # EOF); on a gathering error it writes what it got
// and returns the error.
func encodeFamilies(w io.Writer, g prometheus.Gatherer, format expfmt.Format) error {
	fams, gerr := g.Gather()
	enc := expfmt.NewEncoder(w, format)
	for _, f := range fams {
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	return gerr
}

// encoded returns the current snapshot in the text format, gzipped when gz,
// encoding it on first use.
func (c *ValueCollector) encoded(gz bool) []byte {
	b := c.cur.Load()
	b.textOnce.Do(func() {
		var buf bytes.Buffer
		c.writeText(&buf, b.snap)
		b.text = buf.Bytes()
	})
	if !gz {
		return b.text
	}
	b.gzipOnce.Do(func() {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed) // the level is valid
		zw.Write(b.text)
		zw.Close()
		b.gzip = z.Bytes()
	})
	return b.gzip
}

// writeText writes the snapshot as the text exposition format, byte for
// byte what the registry and expfmt write for Collect's metrics (a test
// holds the two together), without building 100,000 metric objects.
func (c *ValueCollector) writeText(w *bytes.Buffer, s *Snapshot) {
	if len(s.Values) > 0 {
		writeHeader(w, periodEndName, periodEndHelp)
		for _, v := range s.Values {
			writeSample(w, periodEndName, v.PeriodEnd, "area", v.Area, "indicator", v.Indicator)
		}
	}
	if len(s.Targets) > 0 {
		writeHeader(w, targetName, targetHelp)
		for _, t := range s.Targets {
			writeSample(w, targetName, t.Value, "area", t.Area, "deadline", t.Deadline, "indicator", t.Indicator, "op", t.Op)
		}
	}
	if len(s.Values) > 0 {
		writeHeader(w, valueName, valueHelp)
		for _, v := range s.Values {
			writeSample(w, valueName, v.Value, "area", v.Area, "indicator", v.Indicator)
		}
	}
}

var (
	helpEscaper  = strings.NewReplacer("\\", `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer("\\", `\\`, "\n", `\n`, `"`, `\"`)
)

func writeHeader(w *bytes.Buffer, name, help string) {
	w.WriteString("# HELP " + name + " ")
	helpEscaper.WriteString(w, help)
	w.WriteString("\n# TYPE " + name + " gauge\n")
}

// writeSample writes name{k="v",...} value; labels come as name, value
// pairs in name order.
func writeSample(w *bytes.Buffer, name string, v float64, labels ...string) {
	w.WriteString(name)
	for i := 0; i < len(labels); i += 2 {
		if i == 0 {
			w.WriteByte('{')
		} else {
			w.WriteByte(',')
		}
		w.WriteString(labels[i] + `="`)
		labelEscaper.WriteString(w, labels[i+1])
		w.WriteByte('"')
	}
	if len(labels) > 0 {
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	writeFloat(w, v)
	w.WriteByte('\n')
}

func writeFloat(w *bytes.Buffer, f float64) {
	switch {
	case f == 1:
		w.WriteByte('1')
	case f == 0:
		w.WriteByte('0')
	case f == -1:
		w.WriteString("-1")
	case math.IsNaN(f):
		w.WriteString("NaN")
	case math.IsInf(f, 1):
		w.WriteString("+Inf")
	case math.IsInf(f, -1):
		w.WriteString("-Inf")
	default:
		var buf [32]byte
		w.Write(strconv.AppendFloat(buf[:0], f, 'g', -1, 64))
	}
}
