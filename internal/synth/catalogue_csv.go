package synth

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/chiso-vn/chiso"
)

// WriteIndicatorsCSV writes cat's indicators with the header of the sample
// catalogue's indicators.csv.
func WriteIndicatorsCSV(w io.Writer, cat *chiso.Catalogue) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"code", "name_vi", "name_en", "unit", "kind", "additive", "min", "max"})
	for _, ind := range cat.Indicators {
		cw.Write([]string{ind.Code, ind.NameVI, ind.NameEN, ind.Unit, string(ind.Kind),
			strconv.FormatBool(ind.Additive), bound(ind.Min), bound(ind.Max)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write indicators csv: %w", err)
	}
	return nil
}

// WriteAreasCSV writes cat's areas with the header of the sample catalogue's
// areas.csv.
func WriteAreasCSV(w io.Writer, cat *chiso.Catalogue) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"code", "name_vi", "level", "parent", "gso_code", "valid_from", "valid_to"})
	for _, a := range cat.Areas {
		cw.Write([]string{a.Code, a.Name, string(a.Level), a.Parent, a.GSOCode, date(a.ValidFrom), date(a.ValidTo)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write areas csv: %w", err)
	}
	return nil
}

// bound formats a min or max; NaN (unbounded) is empty.
func bound(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
