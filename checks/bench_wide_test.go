package checks

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/synth"
)

// wideEnv is synth's data for 700 areas, 6 indicators (two of each kind)
// and 36 months: the shape of the engine's 1M benchmark, one indicator in
// seven.
func wideEnv(b *testing.B) (Env, Scope) {
	b.Helper()
	const areas, indicators, months = 700, 6, 36
	var buf bytes.Buffer
	if err := synth.WriteCSV(&buf, areas, indicators, months, 1); err != nil {
		b.Fatal(err)
	}
	cat := synth.Catalogue(areas, indicators)
	var obs []chiso.Observation
	sc := bufio.NewScanner(&buf)
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		v, err := strconv.ParseFloat(f[3], 64)
		if err != nil {
			b.Fatal(err)
		}
		q, err := chiso.ParseQualifier(f[4])
		if err != nil {
			b.Fatal(err)
		}
		obs = append(obs, chiso.Observation{Indicator: f[0], Area: f[1], Period: chiso.MustParsePeriod(f[2]), Value: v,
			Qualifier: q, Source: f[0] + ".csv"})
	}
	scope := Scope{}
	for _, ind := range cat.Indicators {
		scope.Indicators = append(scope.Indicators, ind.Code)
	}
	for _, a := range cat.Areas {
		scope.Areas = append(scope.Areas, a.Code)
	}
	return Env{Data: newFake(*cat, obs), Now: evalTime, Location: ict, Lang: "en", Skips: &Skips{}}, scope
}

func benchWide(b *testing.B, p Evaluator) {
	env, scope := wideEnv(b)
	if err := p.Prepare(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := p.Evaluate(env, scope); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms")
}

// cpuTime returns the user and system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkWideOutlier(b *testing.B) { benchWide(b, &OutlierParams{}) }
func BenchmarkWideChange(b *testing.B) {
	benchWide(b, &ChangeParams{MaxIncrease: ptr(2), MaxDecrease: ptr(0.5), MinBase: ptr(1)})
}
func BenchmarkWideScale(b *testing.B) { benchWide(b, &ScaleParams{}) }
func BenchmarkWideRange(b *testing.B) { benchWide(b, &RangeParams{}) }
