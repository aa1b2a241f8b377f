// Package synth generates deterministic synthetic indicator data at any
// scale: a catalogue of areas and indicators, and long canonical CSV with
// realistic series (shares trending up, counts and money growing) and a few
// injected anomalies (out-of-range values, ×1,000 unit slips, sudden drops,
// and ×1,000 slips in a series' first year) so that benchmarks of the
// checks have something to find; Planted lists them, for measuring recall.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/chiso-vn/chiso"
)

// FirstPeriod is the first month of every generated series.
var FirstPeriod = chiso.Period{Kind: chiso.Month, Year: 2020, N: 1}

// kinds cycles the generated indicators through the three shapes of series.
var kinds = [...]struct {
	kind     chiso.IndicatorKind
	unit     string
	additive bool
	min, max float64
}{
	{chiso.KindPercent, "percent", false, 0, 100},
	{chiso.KindCount, "station", true, 0, math.NaN()},
	{chiso.KindMoney, "billion_vnd", true, 0, math.NaN()},
}

// IndicatorCode returns the code of the i-th generated indicator (from 0).
func IndicatorCode(i int) string {
	return fmt.Sprintf("synth_%s_%03d", kinds[i%len(kinds)].kind, i)
}

// AreaCode returns the code of the i-th generated area (from 0).
func AreaCode(i int) string { return fmt.Sprintf("S%04d", i) }

// Catalogue returns a catalogue of the given numbers of areas (provinces)
// and indicators, cycling through percent, count and money indicators.
func Catalogue(areas, indicators int) *chiso.Catalogue {
	cat := &chiso.Catalogue{}
	for i := range indicators {
		k := kinds[i%len(kinds)]
		cat.Indicators = append(cat.Indicators, chiso.Indicator{
			Code: IndicatorCode(i), NameVI: fmt.Sprintf("Chỉ tiêu tổng hợp %d", i),
			NameEN: fmt.Sprintf("Synthetic indicator %d", i), Unit: k.unit, Kind: k.kind,
			Additive: k.additive, Min: k.min, Max: k.max,
		})
	}
	for i := range areas {
		cat.Areas = append(cat.Areas, chiso.Area{
			Code: AreaCode(i), Name: fmt.Sprintf("Tỉnh %d", i), Level: chiso.LevelProvince,
		})
	}
	return cat
}

// Anomaly rates, per generated value.
const (
	rangeRate = 0.0005 // outside the indicator's bounds
	slipRate  = 0.0005 // ×1,000 unit slip
	dropRate  = 0.0005 // sudden drop to a third
)

// firstYearSlipEvery is how many series share one planted ×1,000 slip in
// their first year, where no like period a year earlier exists: one in
// firstYearSlipEvery, at a month of the first twelve drawn at random.
const firstYearSlipEvery = 40

// Version names the generator's output: it changes whenever the same
// arguments give other bytes, so that caches of generated data can be
// keyed by it.
const Version = 2

// AnomalyKind is the kind of a planted anomaly.
type AnomalyKind string

// The planted anomalies.
const (
	OutOfRange AnomalyKind = "range" // a share over 100 or a negative count
	UnitSlip   AnomalyKind = "slip"  // ×1,000 the true value
	Drop       AnomalyKind = "drop"  // a third of the true value
)

// Anomaly is one planted anomaly: which figure, and what was done to it.
type Anomaly struct {
	Kind      AnomalyKind
	Indicator string
	Area      string
	Period    chiso.Period
}

// FirstYear reports whether the anomaly is in its series' first year, where
// no like period a year earlier exists.
func (a Anomaly) FirstYear() bool { return a.Period.Year == FirstPeriod.Year }

// Planted returns the anomalies that WriteCSV and WritePlainCSV plant with
// the same arguments, in the order they write them.
func Planted(areas, indicators, periods int, seed int64) []Anomaly {
	var out []Anomaly
	labels := periodLabels(periods)
	generate(areas, indicators, periods, seed, func(i, a, p int, _ float64, _ string, k AnomalyKind) error {
		if k != "" {
			out = append(out, Anomaly{Kind: k, Indicator: IndicatorCode(i), Area: AreaCode(a), Period: chiso.MustParsePeriod(labels[p])})
		}
		return nil
	})
	return out
}

// WritePlantedCSV writes the anomalies as CSV (kind,indicator,area,period),
// for measuring what a rule set finds of them.
func WritePlantedCSV(w io.Writer, planted []Anomaly) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("kind,indicator,area,period\n")
	for _, a := range planted {
		fmt.Fprintf(bw, "%s,%s,%s,%s\n", a.Kind, a.Indicator, a.Area, a.Period)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write planted anomalies: %w", err)
	}
	return nil
}

// WriteCSV writes areas × indicators × periods observations as canonical CSV
// (indicator,area,period,value,qualifier; dot-decimal values), grouped by
// indicator, then area, with monthly periods from FirstPeriod. The same
// arguments always give the same bytes.
func WriteCSV(w io.Writer, areas, indicators, periods int, seed int64) error {
	return writeCSV(w, areas, indicators, periods, seed, true)
}

// WritePlainCSV writes the values WriteCSV writes without the qualifier
// column (indicator,area,period,value): a plain table as a spreadsheet
// exports it, whose values an importer reads as printed figures, in English
// (chiso import --locale en).
func WritePlainCSV(w io.Writer, areas, indicators, periods int, seed int64) error {
	return writeCSV(w, areas, indicators, periods, seed, false)
}

func writeCSV(w io.Writer, areas, indicators, periods int, seed int64, qualifiers bool) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if qualifiers {
		bw.WriteString("indicator,area,period,value,qualifier\n")
	} else {
		bw.WriteString("indicator,area,period,value\n")
	}
	labels := periodLabels(periods)
	var line []byte
	err := generate(areas, indicators, periods, seed, func(i, a, p int, v float64, q string, _ AnomalyKind) error {
		line = append(line[:0], IndicatorCode(i)...)
		line = append(line, ',')
		line = append(line, AreaCode(a)...)
		line = append(line, ',')
		line = append(line, labels[p]...)
		line = append(line, ',')
		line = strconv.AppendFloat(line, v, 'f', -1, 64)
		if qualifiers {
			line = append(line, ',')
			line = append(line, q...)
		}
		line = append(line, '\n')
		_, err := bw.Write(line)
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("write synthetic csv: %w", err)
	}
	return nil
}

// generate calls emit with every value of the data set, its qualifier and
// the anomaly planted in it ("" for none), series by series: indicator i,
// area a, period p from 0. The random anomalies and the values come from
// one stream, the first-year slips from another, so that planting these
// changes no other value.
func generate(areas, indicators, periods int, seed int64, emit func(i, a, p int, v float64, q string, k AnomalyKind) error) error {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x636869736f))
	first := rand.New(rand.NewPCG(uint64(seed), 0x6669727374))
	for i := range indicators {
		for a := range areas {
			s := newSeries(rng, kinds[i%len(kinds)].kind)
			slipAt := -1
			if first.IntN(firstYearSlipEvery) == 0 {
				slipAt = first.IntN(min(12, max(periods, 1)))
			}
			for p := range periods {
				v, q, k := s.next(rng)
				if p == slipAt && k == "" {
					v, k = s.round(v*1000), UnitSlip
				}
				if err := emit(i, a, p, v, q, k); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// periodLabels returns the text of n consecutive months from FirstPeriod.
func periodLabels(n int) []string {
	out := make([]string, n)
	p := FirstPeriod
	for i := range out {
		out[i] = p.String()
		p = p.Next()
	}
	return out
}

// series is the state of one generated series.
type series struct {
	kind  chiso.IndicatorKind
	level float64 // the current true value
	trend float64 // per month: added for shares, multiplied for the others
}

func newSeries(rng *rand.Rand, kind chiso.IndicatorKind) *series {
	switch kind {
	case chiso.KindPercent:
		return &series{kind: kind, level: 20 + 60*rng.Float64(), trend: 0.05 + 0.4*rng.Float64()}
	case chiso.KindCount:
		return &series{kind: kind, level: math.Round(100 + 9900*rng.Float64()), trend: 1.001 + 0.01*rng.Float64()}
	}
	return &series{kind: kind, level: 100 + 4900*rng.Float64(), trend: 1.002 + 0.015*rng.Float64()}
}

// next advances the series one month and returns the published value and
// qualifier, with an anomaly now and then, and which.
func (s *series) next(rng *rand.Rand) (float64, string, AnomalyKind) {
	v := s.step(rng)
	var k AnomalyKind
	switch r := rng.Float64(); {
	case r < rangeRate:
		v, k = s.outOfRange(rng), OutOfRange
	case r < rangeRate+slipRate:
		v, k = v*1000, UnitSlip
	case r < rangeRate+slipRate+dropRate:
		v, k = v/3, Drop
	}
	return s.round(v), qualifier(rng), k
}

// step moves the true value along its trend with a little noise.
func (s *series) step(rng *rand.Rand) float64 {
	if s.kind == chiso.KindPercent {
		s.level = min(100, s.level+s.trend+rng.NormFloat64()*0.3)
		s.level = max(0, s.level)
		return s.level
	}
	s.level *= s.trend * (1 + rng.NormFloat64()*0.002)
	return s.level
}

// outOfRange returns an impossible value: a share over 100 or a negative count.
func (s *series) outOfRange(rng *rand.Rand) float64 {
	if s.kind == chiso.KindPercent {
		return 100 + 1 + 20*rng.Float64()
	}
	return -1 - math.Floor(100*rng.Float64())
}

// round keeps one decimal for shares, none for counts, two for money.
func (s *series) round(v float64) float64 {
	switch s.kind {
	case chiso.KindPercent:
		return math.Round(v*10) / 10
	case chiso.KindCount:
		return math.Round(v)
	}
	return math.Round(v*100) / 100
}

// qualifier returns the qualifier column: mostly empty (exact), sometimes an
// estimate, over or about.
func qualifier(rng *rand.Rand) string {
	switch r := rng.IntN(100); {
	case r < 3:
		return "estimate"
	case r < 5:
		return "over"
	case r < 6:
		return "about"
	}
	return ""
}

// Grid returns one observation per (indicator, area, month) of
// Catalogue(areas, indicators), grouped by indicator and area, from
// FirstPeriod, with a value that depends on all three and on shift: a data
// set for tests of storage, where what matters is that each cell's value is
// known and a second import with another shift revises every cell.
func Grid(areas, indicators, periods int, shift float64) []chiso.Observation {
	var out []chiso.Observation
	for i := range indicators {
		for a := range areas {
			p := FirstPeriod
			for n := range periods {
				out = append(out, chiso.Observation{Indicator: IndicatorCode(i), Area: AreaCode(a),
					Period: p, Value: float64(i*1000+a) + float64(n)/10 + shift, Source: "grid.csv"})
				p = p.Next()
			}
		}
	}
	return out
}
