package pack

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/rules"
)

// ruleTestFile is a file of tests/: rule files of the pack, and cases that
// each evaluate them over a few observations (against the sample
// catalogue) at a time and list every finding expected.
type ruleTestFile struct {
	RuleFiles []string   `yaml:"rule_files"`
	Tests     []ruleCase `yaml:"tests"`
}

type ruleCase struct {
	Name         string            `yaml:"name"`
	At           time.Time         `yaml:"at"`
	Lang         string            `yaml:"lang"`
	Observations []testObs         `yaml:"observations"`
	Findings     []expectedFinding `yaml:"findings"`
}

type testObs struct {
	Indicator string  `yaml:"indicator"`
	Area      string  `yaml:"area"`
	Period    string  `yaml:"period"`
	Value     float64 `yaml:"value"`
	Qualifier string  `yaml:"qualifier"`
	Method    string  `yaml:"method"`
	Source    string  `yaml:"source"`
}

type expectedFinding struct {
	Rule            string   `yaml:"rule"`
	Area            string   `yaml:"area"`
	Indicator       string   `yaml:"indicator"`
	Period          string   `yaml:"period"`
	Diagnosis       string   `yaml:"diagnosis"`
	Status          string   `yaml:"status"`
	MessageContains []string `yaml:"message_contains"`
}

// TestRuleFiles runs every tests/*.yaml: each case's findings must be
// exactly those listed.
func TestRuleFiles(t *testing.T) {
	names, err := filepath.Glob("tests/*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no rule tests: %v", err)
	}
	cat, err := ingest.SampleCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var file ruleTestFile
		if err := yaml.UnmarshalWithOptions(src, &file, yaml.Strict()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		groups, err := rules.Load(FS(), file.RuleFiles, cat)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, c := range file.Tests {
			t.Run(filepath.Base(name)+"/"+c.Name, func(t *testing.T) { runRuleCase(t, cat, groups, c) })
		}
	}
}

func runRuleCase(t *testing.T, cat *chiso.Catalogue, groups []rules.Group, c ruleCase) {
	eng, err := engine.New(cat, groups, engine.Options{Lang: c.Lang, Location: c.At.Location()})
	if err != nil {
		t.Fatal(err)
	}
	obs, err := c.observations()
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Load(context.Background(), obs); err != nil {
		t.Fatal(err)
	}
	res, err := eng.Evaluate(context.Background(), "", c.At)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Findings
	for _, want := range c.Findings {
		i := matchFinding(got, want)
		if i < 0 {
			t.Errorf("missing finding %+v", want)
			continue
		}
		for _, s := range want.MessageContains {
			if !strings.Contains(got[i].Message, s) {
				t.Errorf("%s %s %s: message %q lacks %q", want.Rule, want.Area, want.Indicator, got[i].Message, s)
			}
		}
		got = append(got[:i], got[i+1:]...)
	}
	for _, f := range got {
		t.Errorf("unexpected finding: %s %s %s %s %s %s: %s", f.Rule, f.Area, f.Indicator, f.Period, f.Diagnosis, f.Status, f.Message)
	}
}

func matchFinding(fs []chiso.Finding, w expectedFinding) int {
	for i, f := range fs {
		if f.Rule == w.Rule && f.Area == w.Area && f.Indicator == w.Indicator && f.Period.String() == w.Period &&
			string(f.Diagnosis) == w.Diagnosis && string(f.Status) == w.Status {
			return i
		}
	}
	return -1
}

// sliceSource is an engine.Source over observations held in memory.
type sliceSource []chiso.Observation

func (s sliceSource) Scan(_ context.Context, after int64, _ bool, fn func(chiso.Observation) error) (int64, error) {
	last := after
	for _, o := range s {
		if o.ID > after {
			if err := fn(o); err != nil {
				return last, err
			}
			last = max(last, o.ID)
		}
	}
	return last, nil
}

func (c ruleCase) observations() (sliceSource, error) {
	var out sliceSource
	for i, o := range c.Observations {
		p, err := chiso.ParsePeriod(o.Period)
		if err != nil {
			return nil, fmt.Errorf("observation %d: %w", i+1, err)
		}
		q, err := chiso.ParseQualifier(o.Qualifier)
		if err != nil {
			return nil, fmt.Errorf("observation %d: %w", i+1, err)
		}
		if math.IsNaN(o.Value) {
			return nil, fmt.Errorf("observation %d: no value", i+1)
		}
		out = append(out, chiso.Observation{Indicator: o.Indicator, Area: o.Area, Period: p, Value: o.Value, Qualifier: q,
			Method: o.Method, Source: o.Source, Revision: 1, ID: int64(i + 1), IngestedAt: c.At})
	}
	return out, nil
}

