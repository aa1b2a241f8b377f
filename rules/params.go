package rules

import (
	"fmt"
	"github.com/chiso-vn/chiso/internal/panics"
	"reflect"
	"strconv"
	"strings"

	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/internal/yamlpos"
	"github.com/goccy/go-yaml/ast"
)

// params decodes the rule's own keys (those no rule has in common) into
// its check kind's parameters, then runs the kind's validation.
func (p *fileParser) params(r *Rule, rest yamlpos.Rest, path string, indicatorsFailed bool) {
	if _, ok := p.d.Key(path + ".check"); !ok || r.Check == "" {
		return
	}
	kind, ok := checks.Lookup(r.Check)
	if !ok {
		p.errorf(path+".check", "unknown check kind %q%s", r.Check, suggest(r.Check, kindNames()))
		return
	}
	params, err := newParams(kind)
	if err != nil {
		p.errorf(path+".check", "%v", err)
		return
	}
	// A rule whose indicators_matching was refused has no indicators; the
	// kind would only add that it needs some.
	failed := map[string]bool{"indicator": indicatorsFailed, "indicators": indicatorsFailed}
	p.d.NullIsZero = true
	for _, kv := range rest {
		before := len(p.d.Problems)
		p.d.DecodeEntries([]*ast.MappingValueNode{kv}, reflect.ValueOf(params).Elem(), path)
		if len(p.d.Problems) > before {
			failed[yamlpos.KeyName(kv.Key)] = true
		}
	}
	p.d.NullIsZero = false
	p.flush()
	r.Params = params
	if p.validate(r, path, failed) {
		p.prepare(r, path)
	}
}

// prepare readies the parameters of a rule that validated for evaluation:
// a kind whose parameters cannot be prepared refuses the rule here, at
// load, rather than finding nothing when it runs.
func (p *fileParser) prepare(r *Rule, path string) {
	ev, ok := r.Params.(checks.Evaluator)
	if !ok {
		return // the engine refuses a kind it cannot evaluate
	}
	if err := safePrepare(ev); err != nil {
		p.errorAt(path, p.d.WrittenPos(path), "check %s: %v", r.Check, err)
	}
}

// safePrepare calls the kind's Prepare, turning a panic into an error.
func safePrepare(ev checks.Evaluator) (err error) {
	defer panics.Into(&err, "preparation failed")
	return ev.Prepare()
}

// newParams makes a kind's parameters, refusing anything but a pointer to
// a struct.
func newParams(kind checks.Kind) (params checks.Params, err error) {
	defer panics.Into(&err, "check %s: cannot make its parameters", kind.Name)
	params = kind.NewParams()
	if t := reflect.TypeOf(params); t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("check %s: parameters are %T, not a pointer to a struct", kind.Name, params)
	}
	return params, nil
}

// kindNames lists the registered check kinds.
func kindNames() []string {
	var names []string
	for _, k := range checks.Kinds() {
		names = append(names, k.Name)
	}
	return names
}

// validate runs the kind's own validation and reports each problem at the
// key it names, except problems with keys that failed to decode (already
// reported; their value is the default). ok is true when the parameters
// decoded and validated without a problem.
func (p *fileParser) validate(r *Rule, path string, failed map[string]bool) (ok bool) {
	ferrs, err := safeValidate(r.Params, p, r)
	if err != nil {
		p.errorAt(path, p.d.WrittenPos(path), "check %s: %v", r.Check, err)
		return false
	}
	ok = len(ferrs) == 0
	for _, f := range failed {
		ok = ok && !f
	}
	for _, fe := range ferrs {
		n, found := p.fieldNode(path, fe.Field)
		first, _, _ := strings.Cut(fe.Field, ".")
		switch {
		case failed[first]:
		case fe.Msg == checks.NeedIndicators && failed["indicators"]:
			// indicators_matching was refused and said why
		case fe.Field == "":
			p.errorAt(path, p.d.WrittenPos(path), "%s", fe.Msg)
		case !found:
			p.errorAt(path, p.d.WrittenPos(path), "%s: %s", fe.Field, fe.Msg)
		default:
			p.errorAt(path, yamlpos.OffsetPos(n, fe.Offset), "%s: %s", fe.Field, fe.Msg)
		}
	}
	return ok
}

// safeValidate calls the kind's Validate, turning a panic into an error.
func safeValidate(params checks.Params, p *fileParser, r *Rule) (ferrs []checks.FieldError, err error) {
	defer panics.Into(&err, "validation failed")
	return params.Validate(p.cat, checks.RuleContext{Indicators: r.Indicators}), nil
}

// fieldNode finds the value a FieldError names: a key of the rule, or a
// dotted path into nested mappings ("bands.min"), or an index into a list
// ("expr.1"), as deep as the file goes. found is false when not even the
// first key is in the rule.
func (p *fileParser) fieldNode(path, field string) (ast.Node, bool) {
	parts := strings.Split(field, ".")
	path = yamlpos.Join(path, parts[0])
	n, found := p.d.Value(path)
	for _, part := range parts[1:] {
		next := yamlpos.Join(path, part)
		if i, err := strconv.Atoi(part); err == nil {
			next = yamlpos.Index(path, i)
		}
		m, ok := p.d.Value(next)
		if !ok {
			break
		}
		n, path = m, next
	}
	return n, found
}
