// Command synth writes a synthetic chiso data set into a folder:
// indicators.csv, areas.csv and observations.csv with areas × indicators ×
// periods rows, for benchmarks. With -plain, observations.csv has no
// qualifier column, so chiso import reads its values as printed figures
// (pass --locale en: they have a dot as the decimal mark).
//
//	go run ./internal/synth/cmd/synth -areas 700 -indicators 40 -periods 36 -out /tmp/synth
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/chiso-vn/chiso/internal/synth"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	areas := fs.Int("areas", 700, "number of areas")
	indicators := fs.Int("indicators", 40, "number of indicators")
	periods := fs.Int("periods", 36, "number of monthly periods")
	seed := fs.Int64("seed", 1, "random seed; the same flags give the same files")
	out := fs.String("out", ".", "folder to write the files into")
	plain := fs.Bool("plain", false, "write observations.csv without the qualifier column (values read as printed figures; import with --locale en)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *areas <= 0 || *indicators <= 0 || *periods <= 0 {
		return fmt.Errorf("-areas, -indicators and -periods must be positive")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	cat := synth.Catalogue(*areas, *indicators)
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"indicators.csv", func(w io.Writer) error { return synth.WriteIndicatorsCSV(w, cat) }},
		{"areas.csv", func(w io.Writer) error { return synth.WriteAreasCSV(w, cat) }},
		{"observations.csv", func(w io.Writer) error {
			if *plain {
				return synth.WritePlainCSV(w, *areas, *indicators, *periods, *seed)
			}
			return synth.WriteCSV(w, *areas, *indicators, *periods, *seed)
		}},
		{"planted.csv", func(w io.Writer) error {
			return synth.WritePlantedCSV(w, synth.Planted(*areas, *indicators, *periods, *seed))
		}},
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(*out, f.name), f.write); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "synth: wrote %d observations to %s\n", *areas**indicators**periods, *out)
	return nil
}

// writeFile creates path and fills it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
