package yamlpos

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml/ast"
)

type inner struct {
	Low  float64 `yaml:"low"`
	High float64 `yaml:"high"`
}

type embedded struct {
	Base int `yaml:"base"`
}

type sample struct {
	Name     string            `yaml:"name"`
	On       *bool             `yaml:"on"`
	Every    time.Duration     `yaml:"every"`
	Tags     []string          `yaml:"tags"`
	Labels   map[string]string `yaml:"labels"`
	Bands    inner             `yaml:"bands"`
	Raw      ast.Node          `yaml:"raw"`
	embedded `yaml:",inline"`
	Rest     Rest `yaml:",rest"`
}

func decode(t *testing.T, src string, null bool) (*sample, *Decoder) {
	t.Helper()
	doc, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d := doc.NewDecoder()
	d.NullIsZero = null
	d.Hooks = map[reflect.Type]func(ast.Node) (any, error){
		reflect.TypeFor[time.Duration](): func(n ast.Node) (any, error) {
			s, _ := Text(n)
			return time.ParseDuration(s)
		},
	}
	var s sample
	d.Decode(doc.Bodies[0], reflect.ValueOf(&s).Elem(), "")
	return &s, d
}

func problems(d *Decoder) string {
	var b strings.Builder
	for _, p := range d.Problems {
		fmt.Fprintf(&b, "%d:%d %s: %v\n", p.Pos.Line, p.Pos.Column, p.Path, p.Err)
	}
	return b.String()
}

// TestDecodeFollowsAnchorsAliasesAndMerges decodes by tags, inline
// structs included, and keeps unknown keys for the caller.
func TestDecodeFollowsAnchorsAliasesAndMerges(t *testing.T) {
	src := `defaults: &b {low: 1, high: 2}
bands:
  <<: *b
  high: 3
name: &n x
labels: {who: *n}
on: false
every: 90s
tags: [a, *n]
raw: [1]
extra: 4
`
	s, d := decode(t, src, false)
	if got := problems(d); got != "" {
		t.Fatalf("problems:\n%s", got)
	}
	if s.Bands != (inner{1, 3}) || s.Name != "x" || s.Labels["who"] != "x" || s.On == nil || *s.On ||
		s.Every != 90*time.Second || strings.Join(s.Tags, ",") != "a,x" || s.Base != 0 {
		t.Errorf("decoded %+v", s)
	}
	if _, ok := s.Raw.(*ast.SequenceNode); !ok {
		t.Errorf("raw = %T", s.Raw)
	}
	var rest []string
	for _, kv := range s.Rest {
		rest = append(rest, KeyName(kv.Key))
	}
	if strings.Join(rest, ",") != "defaults,extra" {
		t.Errorf("rest = %v", rest)
	}
	if p := d.NodePos("tags[1]"); p != (Pos{5, 10}) {
		t.Errorf("tags[1] at %v, want the anchored value at 5:10", p)
	}
	if p := d.NodePos("bands"); p != (Pos{3, 3}) {
		t.Errorf("bands at %v, want its first key at 3:3", p)
	}
	if k, _ := d.Key("labels.who"); NodePos(k) != (Pos{6, 10}) {
		t.Errorf("labels.who key at %v", NodePos(k))
	}
}

// TestDecodeReportsEveryProblem: one bad key does not hide the next.
func TestDecodeReportsEveryProblem(t *testing.T) {
	src := `name: 3
on: "yes"
tags: a
labels: {a: [1]}
bands: {low: x, high: [1], mid: 1}
base: 1.5
every: soon
`
	doc, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d := doc.NewDecoder()
	var s struct {
		Name   string            `yaml:"name"`
		On     bool              `yaml:"on"`
		Tags   []string          `yaml:"tags"`
		Labels map[string]string `yaml:"labels"`
		Bands  inner             `yaml:"bands"`
		Base   int               `yaml:"base"`
	}
	d.Decode(doc.Bodies[0], reflect.ValueOf(&s).Elem(), "")
	want := `1:7 name: want a string, got an integer
2:5 on: want true or false, got "yes"
3:7 tags: want a list, got a string
4:13 labels.a: want a string, got a list
5:14 bands.low: want a number, got "x"
5:23 bands.high: want a number, got a list
5:28 bands.mid: unknown key "mid"
6:7 base: want an integer, got "1.5"
7:1 every: unknown key "every"
`
	if got := problems(d); got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
}

// TestDecodeNull: a null scalar is a problem unless NullIsZero; a null
// pointer, list or mapping is empty either way.
func TestDecodeNull(t *testing.T) {
	src := "name:\non:\ntags:\nbands:\n"
	if _, d := decode(t, src, true); len(d.Problems) != 0 {
		t.Errorf("NullIsZero: %s", problems(d))
	}
	if _, d := decode(t, src, false); problems(d) != "1:6 name: want a string, got null\n" {
		t.Errorf("strict: %s", problems(d))
	}
}

// TestBadMergeKey names what a merge key was given.
func TestBadMergeKey(t *testing.T) {
	_, d := decode(t, "bands: {<<: 3, low: 1}\n", false)
	if got := problems(d); got != "1:13 bands.<<: want a mapping or a list of mappings to merge, got an integer\n" {
		t.Errorf("got %s", got)
	}
}
