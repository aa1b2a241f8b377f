package rules

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/chiso-vn/chiso/checks"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// params decodes the rule's non-common keys into its check kind's
// parameters, key by key so that every bad key is reported, then runs the
// kind's validation.
func (p *fileParser) params(r *Rule, kvs, extra []*ast.MappingValueNode) {
	kv := findKey(kvs, "check")
	if kv == nil || r.Check == "" {
		return
	}
	kind, ok := checks.Lookup(r.Check)
	if !ok {
		p.errorf(kv.Value, "unknown check kind %q%s", r.Check, suggest(r.Check, kindNames()))
		return
	}
	params, err := newParams(kind)
	if err != nil {
		p.errorf(kv.Value, "%v", err)
		return
	}
	fields := paramFields(reflect.TypeOf(params).Elem())
	failed := map[string]bool{}
	for _, e := range extra {
		if !p.paramKey(params, fields, kind.Name, e) {
			failed[keyName(e.Key)] = true
		}
	}
	r.Params = params
	p.validate(r, kvs, params, failed)
}

// newParams makes a kind's parameters, refusing anything but a pointer to
// a struct.
func newParams(kind checks.Kind) (params checks.Params, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("check %s: cannot make its parameters: %v", kind.Name, r)
		}
	}()
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

// paramKey decodes one key into its field of params; false if it failed.
func (p *fileParser) paramKey(params checks.Params, fields map[string][]int, kind string, kv *ast.MappingValueNode) bool {
	key := keyName(kv.Key)
	index, ok := fields[key]
	if !ok {
		p.errorf(kv.Key, "unknown key %q for check %s%s (its keys: %s; common keys: %s)", key, kind,
			suggest(key, append(fieldNames(fields), commonKeys...)), strings.Join(fieldNames(fields), ", "), strings.Join(commonKeys, ", "))
		return false
	}
	dst := reflect.ValueOf(params).Elem().FieldByIndex(index)
	v, err := decodeInto(deref(kv.Value, p.anchors), dst.Type())
	if err != nil {
		p.yamlError(key, kv.Value, err)
		return false
	}
	dst.Set(v)
	return true
}

// wrongScalar is a string field given something else: the decoder would
// quietly turn 3 into "3".
type wrongScalar struct{ n ast.Node }

func (e wrongScalar) Error() string {
	return fmt.Sprintf("want a string, got %s (quote it)", kindName(e.n))
}

// decodeInto decodes a node into a new value of type t. It builds pointers
// itself, because the decoder leaves a pointer to a pointer nil without an
// error, and it refuses non-strings for plain string types.
func decodeInto(n ast.Node, t reflect.Type) (reflect.Value, error) {
	if t.Kind() == reflect.Pointer {
		if isNull(n) {
			return reflect.Zero(t), nil
		}
		v, err := decodeInto(n, t.Elem())
		if err != nil {
			return v, err
		}
		ptr := reflect.New(t.Elem())
		ptr.Elem().Set(v)
		return ptr, nil
	}
	if t == durationType {
		return decodeDuration(n)
	}
	if t.Kind() == reflect.String && !customDecoder(t) && !isNull(n) {
		if _, ok := scalarText(n); !ok {
			return reflect.Value{}, wrongScalar{n}
		}
	}
	tmp := reflect.New(t)
	err := decodeNode(n, tmp.Interface())
	return tmp.Elem(), err
}

// customDecoder reports whether *t decodes itself from YAML or text.
func customDecoder(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(reflect.TypeFor[yaml.BytesUnmarshaler]()) ||
		pt.Implements(reflect.TypeFor[yaml.InterfaceUnmarshaler]()) ||
		pt.Implements(reflect.TypeFor[yaml.NodeUnmarshaler]()) ||
		pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

// decodeNode decodes a node strictly, turning a decoder panic into an error.
func decodeNode(n ast.Node, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot decode: %v", r)
		}
	}()
	return yaml.NodeToValue(n, v, yaml.Strict())
}

// yamlError reports a decoding error at the place the decoder names, in the
// words of a rule-file author.
func (p *fileParser) yamlError(key string, n ast.Node, err error) {
	var ws wrongScalar
	if errors.As(err, &ws) {
		p.errorf(ws.n, "%s: %v", key, ws)
		return
	}
	var bd badDuration
	if errors.As(err, &bd) {
		p.errorf(bd.n, "%s: %v", key, bd)
		return
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && te.Token != nil && te.Token.Position != nil {
		p.errorAt(tokenPos(p.file, te), "%s: want %s, got %s", key, goTypeName(te.DstType), tokenName(te.Token))
		return
	}
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
		p.errorAt(tokenPos(p.file, ye), "%s: %s", key, ye.GetMessage())
		return
	}
	p.errorf(n, "%s: %v", key, err)
}

// tokenName says what a token starts: a list, a mapping, or a quoted value.
func tokenName(tk *token.Token) string {
	switch tk.Type {
	case token.SequenceStartType, token.SequenceEntryType:
		return "a list"
	case token.MappingStartType, token.MappingKeyType:
		return "a mapping"
	}
	return strconv.Quote(tk.Value)
}

// tokenPos is the position of a decoding error's token.
func tokenPos(file string, e yaml.Error) Position {
	tp := e.GetToken().Position
	return Position{File: file, Line: tp.Line, Column: tp.Column}
}

// goTypeName says what a Go type expects in YAML words.
func goTypeName(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return "a " + t.String()
}

// paramFields maps each YAML key of a parameter struct to its field index,
// following inline (embedded) structs.
func paramFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, inline := yamlName(f)
		switch {
		case inline && f.Anonymous && f.Type.Kind() == reflect.Struct:
			for k, idx := range paramFields(f.Type) {
				out[k] = append([]int{i}, idx...)
			}
		case f.IsExported() && name != "-":
			out[name] = []int{i}
		}
	}
	return out
}

// yamlName returns a field's YAML key and whether it is inline.
func yamlName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("yaml")
	name, opts, _ := strings.Cut(tag, ",")
	inline := strings.Contains(","+opts+",", ",inline,")
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name, inline
}

// fieldNames returns the keys of a field map, sorted.
func fieldNames(fields map[string][]int) []string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// validate runs the kind's own validation and reports each problem at the
// key it names, except problems with keys that failed to decode (already
// reported; their value is the default).
func (p *fileParser) validate(r *Rule, kvs []*ast.MappingValueNode, params checks.Params, failed map[string]bool) {
	ferrs, err := safeValidate(params, p, r)
	if err != nil {
		p.errorAt(r.Pos, "check %s: %v", r.Check, err)
		return
	}
	for _, fe := range ferrs {
		n, found := fieldNode(kvs, fe.Field, p.anchors)
		first, _, _ := strings.Cut(fe.Field, ".")
		switch {
		case failed[first]:
		case fe.Field == "":
			p.errorAt(r.Pos, "%s", fe.Msg)
		case !found:
			p.errorAt(r.Pos, "%s: %s", fe.Field, fe.Msg)
		default:
			p.errorAt(offsetPos(p.file, n, fe.Offset), "%s: %s", fe.Field, fe.Msg)
		}
	}
}

// safeValidate calls the kind's Validate, turning a panic into an error.
func safeValidate(params checks.Params, p *fileParser, r *Rule) (ferrs []checks.FieldError, err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("validation failed: %v", x)
		}
	}()
	return params.Validate(p.cat, checks.RuleContext{Indicators: r.Indicators}), nil
}

// fieldNode finds the value node a FieldError names: a key of the rule, or
// a dotted path into nested mappings ("bands.min"), or an index into a list
// ("expr.1"). found is false when not even the first key is in the rule.
func fieldNode(kvs []*ast.MappingValueNode, field string, anchors map[string]ast.Node) (ast.Node, bool) {
	parts := strings.Split(field, ".")
	kv := findKey(kvs, parts[0])
	if kv == nil {
		return nil, false
	}
	n := deref(kv.Value, anchors)
	for _, part := range parts[1:] {
		next := childNode(n, part)
		if next == nil {
			break
		}
		n = deref(next, anchors)
	}
	return n, true
}

// childNode returns a mapping's value for the key or a list's entry for the
// index, or nil.
func childNode(n ast.Node, part string) ast.Node {
	switch v := n.(type) {
	case *ast.MappingNode:
		if kv := findKey(v.Values, part); kv != nil {
			return kv.Value
		}
	case *ast.SequenceNode:
		var i int
		if _, err := fmt.Sscanf(part, "%d", &i); err == nil && i >= 0 && i < len(v.Values) {
			return v.Values[i]
		}
	}
	return nil
}

// badDuration is a duration parameter that ParseDuration refused.
type badDuration struct {
	n   ast.Node
	err error
}

func (e badDuration) Error() string { return e.err.Error() }

// decodeDuration reads a time.Duration parameter as rule files write
// durations (5m, 7d, 2w), which the decoder alone does not understand.
func decodeDuration(n ast.Node) (reflect.Value, error) {
	d, err := nodeDuration(n)
	if err != nil {
		return reflect.Value{}, badDuration{n, err}
	}
	return reflect.ValueOf(d), nil
}
