package ingest

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/chiso-vn/chiso"
)

// CSVWriter writes observations as a canonical long CSV file:
// indicator,area,period,value,qualifier,raw,source,reported_on,method, and
// revision,ingested_at when it writes every revision. Values are plain
// numbers in the shortest form that reads back to the same float64
// (1307.44, 183001, 0.125). Read recognises this exact header as chiso's
// own export and reads every value back unchanged, without checking it
// against the raw text (which may be printed in either locale).
type CSVWriter struct {
	w            *csv.Writer
	allRevisions bool
	header       bool // the header is written
	rec          []string
}

// NewCSVWriter returns a writer to w; with allRevisions it adds the
// revision and ingested_at columns.
func NewCSVWriter(w io.Writer, allRevisions bool) *CSVWriter {
	n := colMethod + 1
	if allRevisions {
		n = colIngestedAt + 1
	}
	return &CSVWriter{w: csv.NewWriter(w), allRevisions: allRevisions, rec: make([]string, n)}
}

// Write writes one observation (and the header before the first). A value
// that is not a finite number cannot be written.
func (cw *CSVWriter) Write(o chiso.Observation) error {
	if !cw.header {
		cw.header = true
		if err := cw.w.Write(longNames[:len(cw.rec)]); err != nil {
			return fmt.Errorf("write observations: %w", err)
		}
	}
	if math.IsNaN(o.Value) || math.IsInf(o.Value, 0) {
		return fmt.Errorf("write observation %s %s %s: value %v is not a finite number", o.Indicator, o.Area, o.Period, o.Value)
	}
	r := cw.rec
	r[colIndicator], r[colArea], r[colPeriod] = o.Indicator, o.Area, o.Period.String()
	r[colValue], r[colQualifier] = strconv.FormatFloat(o.Value, 'f', -1, 64), o.Qualifier.String()
	r[colRaw], r[colSource], r[colReportedOn], r[colMethod] = o.Raw, o.Source, formatDate(o.ReportedOn), o.Method
	if cw.allRevisions {
		r[colRevision], r[colIngestedAt] = strconv.Itoa(o.Revision), ""
		if !o.IngestedAt.IsZero() {
			r[colIngestedAt] = o.IngestedAt.Format(time.RFC3339Nano)
		}
	}
	if err := cw.w.Write(r); err != nil {
		return fmt.Errorf("write observations: %w", err)
	}
	return nil
}

// formatDate writes a publication date as YYYY-MM-DD, or in full when it
// holds more than a UTC calendar day, so that it reads back equal.
func formatDate(t time.Time) string {
	switch {
	case t.IsZero():
		return ""
	case t.Location() == time.UTC && t.Equal(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)):
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339Nano)
}

// Flush writes any buffered data (and the header, when nothing was
// written) to the underlying writer.
func (cw *CSVWriter) Flush() error {
	if !cw.header {
		cw.header = true
		if err := cw.w.Write(longNames[:len(cw.rec)]); err != nil {
			return fmt.Errorf("write observations: %w", err)
		}
	}
	cw.w.Flush()
	if err := cw.w.Error(); err != nil {
		return fmt.Errorf("write observations: %w", err)
	}
	return nil
}
