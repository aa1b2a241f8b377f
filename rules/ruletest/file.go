package ruletest

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/chiso-vn/chiso/internal/panics"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/rules"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// File is a parsed test file.
type File struct {
	Name      string   // the path it was read from
	RuleFiles []string // glob patterns, relative to the test file's folder
	Catalogue string   // "sample"
	Lang      string   // "vi" or "en"
	Location  *time.Location
	Tests     []Test
}

// Test is one scenario: observations, a time, and the findings expected.
type Test struct {
	Name string
	// Rules, when not empty, limits the comparison to the findings of the
	// rules with these alert names.
	Rules        []string
	Pos          rules.Position
	EvalTime     time.Time
	Observations []Observation
	Expected     []Expected
}

// Observation is an input figure with where it was written.
type Observation struct {
	chiso.Observation
	Pos rules.Position
}

// Expected is one expected finding.
type Expected struct {
	Rule      string
	Diagnosis chiso.Diagnosis
	Area      string
	Indicator string
	Period    chiso.Period // zero: a finding without a period
	Status    chiso.Status
	// Severity is the expected severity; empty means the rule's.
	Severity chiso.Severity
	// Message, when not empty, must be a substring of the finding's message.
	Message string
	Pos     rules.Position
}

// scalar is a YAML scalar with its position, as written.
type scalar struct {
	Text  string
	Line  int
	Col   int
	Quote int // 1 when the scalar is quoted: its text starts a column later
	Set   bool
}

// UnmarshalYAML keeps the scalar's text and position.
func (s *scalar) UnmarshalYAML(n ast.Node) error {
	switch v := n.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode:
		s.Text = n.GetToken().Value
	case *ast.LiteralNode:
		s.Text = v.Value.Value
	default:
		return fmt.Errorf("want a single value, got %s", n.Type())
	}
	if sn, ok := n.(*ast.StringNode); ok {
		s.Text = sn.Value
		if t := sn.GetToken().Type; t == token.DoubleQuoteType || t == token.SingleQuoteType {
			s.Quote = 1
		}
	}
	p := n.GetToken().Position
	s.Line, s.Col, s.Set = p.Line, p.Column, true
	return nil
}

type rawSeries struct {
	Series scalar `yaml:"series"`
	Values scalar `yaml:"values"`
	line   int
	col    int
}

// UnmarshalYAML decodes strictly and keeps the entry's position.
func (r *rawSeries) UnmarshalYAML(n ast.Node) error {
	type plain rawSeries
	if err := yaml.NodeToValue(n, (*plain)(r), yaml.Strict()); err != nil {
		return err
	}
	r.line, r.col = firstKeyPos(n)
	return nil
}

type rawExpected struct {
	Rule      string `yaml:"rule"`
	Diagnosis scalar `yaml:"diagnosis"`
	Area      string `yaml:"area"`
	Indicator string `yaml:"indicator"`
	Period    scalar `yaml:"period"`
	Status    scalar `yaml:"status"`
	Severity  scalar `yaml:"severity"`
	Message   string `yaml:"message"`
	line, col int
}

// UnmarshalYAML decodes strictly and keeps the entry's position.
func (r *rawExpected) UnmarshalYAML(n ast.Node) error {
	type plain rawExpected
	if err := yaml.NodeToValue(n, (*plain)(r), yaml.Strict()); err != nil {
		return err
	}
	r.line, r.col = firstKeyPos(n)
	return nil
}

// firstKeyPos is where a mapping's first key is, else where the node is.
func firstKeyPos(n ast.Node) (int, int) {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		n = m.Values[0].Key
	}
	p := n.GetToken().Position
	return p.Line, p.Column
}

type rawTest struct {
	Name     string        `yaml:"name"`
	Rules    []string      `yaml:"rules"`
	EvalTime scalar        `yaml:"evaluation_time"`
	Input    []rawSeries   `yaml:"input_observations"`
	Expected []rawExpected `yaml:"expected_findings"`
	line     int
	col      int
}

// UnmarshalYAML decodes strictly and keeps the entry's position.
func (r *rawTest) UnmarshalYAML(n ast.Node) error {
	type plain rawTest
	if err := yaml.NodeToValue(n, (*plain)(r), yaml.Strict()); err != nil {
		return err
	}
	r.line, r.col = firstKeyPos(n)
	return nil
}

type rawFile struct {
	RuleFiles []string      `yaml:"rule_files"`
	Catalogue scalar        `yaml:"catalogue"`
	Lang      scalar        `yaml:"lang"`
	TimeZone  scalar        `yaml:"time_zone"`
	EvalTime  scalar        `yaml:"evaluation_time"`
	Input     []rawSeries   `yaml:"input_observations"`
	Expected  []rawExpected `yaml:"expected_findings"`
	Tests     []rawTest     `yaml:"tests"`
}

// Parse reads a test file. Every problem is reported at once as a
// rules.ErrorList, except that a YAML structure problem (an unknown key, a
// wrong type) stops the reading.
func Parse(name string, src []byte) (*File, error) {
	var raw rawFile
	// Windows editors save UTF-8 with a byte-order mark.
	if err := decode(bytes.TrimPrefix(src, []byte("\xef\xbb\xbf")), &raw); err != nil {
		return nil, rules.ErrorList{yamlError(name, err)}
	}
	p := &fileParser{name: name}
	f := p.file(&raw)
	if err := p.errs.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

// decode decodes strictly, turning a decoder panic (some malformed input
// causes one) into an error.
func decode(src []byte, raw *rawFile) (err error) {
	defer panics.Into(&err, "YAML: cannot decode")
	return yaml.UnmarshalWithOptions(src, raw, yaml.Strict())
}

// yamlError turns a decoding error into a rules.Error with its position.
func yamlError(name string, err error) rules.Error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
		tp := ye.GetToken().Position
		return rules.Error{Pos: rules.Position{File: name, Line: tp.Line, Column: tp.Column}, Msg: ye.GetMessage()}
	}
	return rules.Error{Pos: rules.Position{File: name}, Msg: err.Error()}
}

// rulesError is the error type of test files: the rule files' own.
type rulesError = rules.Error

// fileParser checks a decoded file, collecting every problem.
type fileParser struct {
	name string
	errs rules.ErrorList
	id   int64 // the last observation ID given
}

func (p *fileParser) errorAt(line, col int, format string, args ...any) {
	p.errs = append(p.errs, rules.Error{Pos: p.pos(line, col), Msg: fmt.Sprintf(format, args...)})
}

func (p *fileParser) pos(line, col int) rules.Position {
	return rules.Position{File: p.name, Line: line, Column: col}
}

// file checks the top level and each test.
func (p *fileParser) file(raw *rawFile) *File {
	f := &File{Name: p.name, RuleFiles: raw.RuleFiles, Catalogue: "sample", Lang: "vi"}
	if len(f.RuleFiles) == 0 {
		p.errorAt(1, 1, "rule_files: name at least one rule file")
	}
	if c := raw.Catalogue; c.Set && c.Text != "sample" {
		p.errorAt(c.Line, c.Col, "catalogue %q: only sample is known", c.Text)
	}
	if l := raw.Lang; l.Set {
		f.Lang = l.Text
		if l.Text != "vi" && l.Text != "en" {
			p.errorAt(l.Line, l.Col, "lang %q: want vi or en", l.Text)
		}
	}
	f.Location = p.location(raw.TimeZone)
	f.Tests = p.tests(raw)
	return f
}

// location loads the time zone; unset means Asia/Ho_Chi_Minh.
func (p *fileParser) location(tz scalar) *time.Location {
	if !tz.Set {
		tz.Text = "Asia/Ho_Chi_Minh"
	}
	loc, err := time.LoadLocation(tz.Text)
	if err != nil || tz.Text == "" {
		p.errorAt(tz.Line, tz.Col, "time_zone %q: unknown time zone", tz.Text)
		return time.UTC
	}
	return loc
}

// tests checks the tests, or the top-level test when there is no tests key.
func (p *fileParser) tests(raw *rawFile) []Test {
	top := rawTest{Name: "main", Input: raw.Input, Expected: raw.Expected, line: 1, col: 1}
	switch {
	case len(raw.Tests) > 0 && (len(raw.Input) > 0 || len(raw.Expected) > 0):
		p.errorAt(1, 1, "put input_observations and expected_findings inside tests, or use no tests key")
		return nil
	case len(raw.Tests) == 0:
		raw.Tests = []rawTest{top}
	}
	var out []Test
	for i, rt := range raw.Tests {
		if rt.Name == "" {
			rt.Name = fmt.Sprintf("#%d", i+1)
		}
		out = append(out, p.test(rt, raw.EvalTime))
	}
	return out
}

// test checks one test.
func (p *fileParser) test(rt rawTest, defTime scalar) Test {
	t := Test{Name: rt.Name, Rules: rt.Rules, Pos: p.pos(rt.line, rt.col)}
	et := rt.EvalTime
	if !et.Set {
		et = defTime
	}
	var err error
	switch {
	case !et.Set:
		p.errorAt(rt.line, rt.col, "test %s: no evaluation_time", rt.Name)
	default:
		if t.EvalTime, err = time.Parse(time.RFC3339, et.Text); err != nil {
			p.errorAt(et.Line, et.Col, "evaluation_time %q: want RFC 3339, e.g. 2026-11-23T07:00:00+07:00", et.Text)
		}
	}
	for _, rs := range rt.Input {
		t.Observations = append(t.Observations, p.series(rs)...)
	}
	for _, re := range rt.Expected {
		t.Expected = append(t.Expected, p.expected(re))
	}
	return t
}

// diagnoses are the known diagnoses.
var diagnoses = []chiso.Diagnosis{chiso.OutOfRange, chiso.BelowTarget, chiso.OffTrack, chiso.ImplausibleChange,
	chiso.UnitSlip, chiso.DefinitionChange, chiso.Inconsistent, chiso.Decrease, chiso.Missing, chiso.Outlier}

// expected checks one expected finding.
func (p *fileParser) expected(re rawExpected) Expected {
	e := Expected{Rule: re.Rule, Diagnosis: chiso.Diagnosis(re.Diagnosis.Text), Area: re.Area, Indicator: re.Indicator,
		Status: chiso.Fail, Severity: chiso.Severity(re.Severity.Text), Message: re.Message, Pos: p.pos(re.line, re.col)}
	if e.Rule == "" {
		p.errorAt(re.line, re.col, "expected finding: no rule")
	}
	if d := re.Diagnosis; !knownDiagnosis(e.Diagnosis) {
		p.errorAt(or(d.Line, re.line), or(d.Col, re.col), "expected finding: diagnosis %q: want one of %s", d.Text, diagnosisList())
	}
	if st := re.Status; st.Set {
		e.Status = chiso.Status(st.Text)
		if e.Status != chiso.Fail && e.Status != chiso.Indeterminate {
			p.errorAt(st.Line, st.Col, "expected finding: status %q: want fail or indeterminate", st.Text)
		}
	}
	if sv := re.Severity; sv.Set && e.Severity.Rank() == 0 {
		p.errorAt(sv.Line, sv.Col, "expected finding: severity %q: want info, warning or critical", sv.Text)
	}
	if re.Period.Text != "" {
		var err error
		if e.Period, err = chiso.ParsePeriod(re.Period.Text); err != nil {
			p.errorAt(re.Period.Line, re.Period.Col, "expected finding: period: %v", err)
		}
	}
	return e
}

// or returns a, or b when a is zero.
func or(a, b int) int {
	if a == 0 {
		return b
	}
	return a
}

func knownDiagnosis(d chiso.Diagnosis) bool {
	for _, k := range diagnoses {
		if k == d {
			return true
		}
	}
	return false
}

func diagnosisList() string {
	s := make([]string, len(diagnoses))
	for i, d := range diagnoses {
		s[i] = string(d)
	}
	return strings.Join(s, ", ")
}
