package rules

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/yamlpos"
	"github.com/goccy/go-yaml/ast"
)

// fileYAML, groupYAML and ruleYAML are a rule file as written; what the
// decoder cannot check (names, the catalogue, the check kind's own keys)
// is checked on the decoded values, finding positions by key path.
type fileYAML struct {
	Groups []groupYAML `yaml:"groups"`
}

type groupYAML struct {
	Name     string            `yaml:"name"`
	Schedule string            `yaml:"schedule"`
	Labels   map[string]string `yaml:"labels"`
	Limit    ast.Node          `yaml:"limit"` // read by limit, for its own message
	Rules    []ruleYAML        `yaml:"rules"`
}

type ruleYAML struct {
	Alert              string            `yaml:"alert"`
	Check              string            `yaml:"check"`
	Indicator          string            `yaml:"indicator"`
	Indicators         []string          `yaml:"indicators"`
	IndicatorsMatching IndicatorSelector `yaml:"indicators_matching"`
	Areas              AreaSelector      `yaml:"areas"`
	Severity           string            `yaml:"severity"`
	For                time.Duration     `yaml:"for"`
	KeepFiringFor      time.Duration     `yaml:"keep_firing_for"`
	AlertIndeterminate bool              `yaml:"alert_indeterminate"`
	Labels             map[string]string `yaml:"labels"`
	Annotations        map[string]string `yaml:"annotations"`
	Params             yamlpos.Rest      `yaml:",rest"` // the check kind's own keys
}

// commonKeys are the keys every rule may have, whatever its check kind; the
// rule's other keys belong to the kind's parameters.
var commonKeys = func() []string {
	var keys []string
	t := reflect.TypeFor[ruleYAML]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" {
			keys = append(keys, name)
		}
	}
	return keys
}()

// fileParser reads one rule file: decoding, then the checks that need the
// decoded values, collecting every problem.
type fileParser struct {
	file string
	cat  *chiso.Catalogue
	d    *yamlpos.Decoder
	raw  fileYAML
	errs ErrorList

	flushed int // how many of the decoder's problems are in errs
}

// parseFile decodes the one document, then checks each group.
func (p *fileParser) parseFile(doc *yamlpos.Doc) []Group {
	if len(doc.Bodies) == 0 {
		return nil
	}
	if len(doc.Bodies) > 1 {
		p.errorAt("", yamlpos.NodePos(doc.Bodies[1]), "a rule file holds one YAML document, found %d", len(doc.Bodies))
	}
	p.d.Hooks = map[reflect.Type]func(ast.Node) (any, error){
		reflect.TypeFor[time.Duration](): func(n ast.Node) (any, error) { return nodeDuration(n) },
	}
	p.d.Decode(doc.Bodies[0], reflect.ValueOf(&p.raw).Elem(), "")
	p.flush()
	return p.groups()
}

// flush records the decoder's problems not yet recorded.
func (p *fileParser) flush() {
	for _, pr := range p.d.Problems[p.flushed:] {
		p.errorAt(pr.Path, pr.Pos, "%s", p.message(pr))
	}
	p.flushed = len(p.d.Problems)
}

// errorAt records a problem at a position, in the group and rule that
// path is in.
func (p *fileParser) errorAt(path string, pos yamlpos.Pos, format string, args ...any) {
	g, r := p.context(path)
	p.errs = append(p.errs, Error{Pos: Position{File: p.file, Line: pos.Line, Column: pos.Column},
		Group: g, Rule: r, Msg: fmt.Sprintf(format, args...)})
}

// errorf records a problem at the value of path.
func (p *fileParser) errorf(path string, format string, args ...any) {
	n, _ := p.d.Value(path)
	p.errorAt(path, yamlpos.NodePos(n), format, args...)
}

// keyError records a problem at the key of path.
func (p *fileParser) keyError(path string, format string, args ...any) {
	n, _ := p.d.Key(path)
	p.errorAt(path, yamlpos.NodePos(n), format, args...)
}

var pathRE = regexp.MustCompile(`^groups\[(\d+)\](?:\.rules\[(\d+)\])?(?:\.(.*))?$`)

// split splits a key path into its group and rule indexes (-1 when
// outside one) and the rest.
func split(path string) (group, rule int, rest string) {
	m := pathRE.FindStringSubmatch(path)
	if m == nil {
		return -1, -1, path
	}
	group, _ = strconv.Atoi(m[1])
	rule = -1
	if m[2] != "" {
		rule, _ = strconv.Atoi(m[2])
	}
	return group, rule, m[3]
}

// context names the group and rule that path is in.
func (p *fileParser) context(path string) (group, rule string) {
	g, r, _ := split(path)
	if g < 0 || g >= len(p.raw.Groups) {
		return "", ""
	}
	if r >= 0 && r < len(p.raw.Groups[g].Rules) {
		rule = p.raw.Groups[g].Rules[r].Alert
	}
	return p.raw.Groups[g].Name, rule
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// what names the value at path for a message: "group", "rule",
// "areas.codes", "labels.team".
func what(path string) string {
	g, r, rest := split(path)
	switch {
	case path == "":
		return "the rule file"
	case g >= 0 && r < 0 && rest == "":
		return "group"
	case r >= 0 && rest == "":
		return "rule"
	case g >= 0 && r < 0 && rest == "name":
		return "group name"
	case r >= 0 && rest == "alert":
		return "alert name"
	}
	return indexRE.ReplaceAllString(rest, "")
}

// message words a decoding problem for a rule-file author.
func (p *fileParser) message(pr yamlpos.Problem) string {
	var uk *yamlpos.UnknownKeyError
	var ke *yamlpos.KindError
	switch {
	case errors.As(pr.Err, &ke) && ke.Want == "a string" && freeText(pr.Path):
		return fmt.Sprintf("%s: %v (quote it)", what(pr.Path), pr.Err)
	case !errors.As(pr.Err, &uk):
		return fmt.Sprintf("%s: %v", what(pr.Path), pr.Err)
	}
	parent := strings.TrimSuffix(strings.TrimSuffix(pr.Path, uk.Key), ".")
	_, r, rest := split(parent)
	switch {
	case r >= 0 && rest == "":
		kind := p.raw.Groups[pathGroup(parent)].Rules[r].Check
		known := slices.Sorted(slices.Values(uk.Known))
		return fmt.Sprintf("unknown key %q for check %s%s (its keys: %s; common keys: %s)", uk.Key, kind,
			suggest(uk.Key, append(known, commonKeys...)), strings.Join(known, ", "), strings.Join(commonKeys, ", "))
	case parent == "":
		return fmt.Sprintf("unknown key %q (want %s)", uk.Key, orList(uk.Known))
	}
	return fmt.Sprintf("unknown %s key %q (want %s)", what(parent), uk.Key, orList(uk.Known))
}

// freeText reports whether the value at path is text of the author's
// choosing (a label, an annotation, a check kind's key), where a number
// given for a string most likely wants quotes.
func freeText(path string) bool {
	_, r, rest := split(path)
	first, _, _ := strings.Cut(indexRE.ReplaceAllString(rest, ""), ".")
	return first == "labels" || first == "annotations" || r >= 0 && !slices.Contains(commonKeys, first)
}

func pathGroup(path string) int { g, _, _ := split(path); return g }

// orList writes a, b or c.
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
