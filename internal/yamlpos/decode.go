package yamlpos

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Problem is one thing wrong with a file, at a key path such as
// groups[0].rules[1].labels.team.
type Problem struct {
	Path string
	Pos  Pos
	Err  error // an *UnknownKeyError, *KindError, or another decoding error
}

// UnknownKeyError is a key that the struct has no field for.
type UnknownKeyError struct {
	Key   string
	Known []string // the struct's keys, in field order
}

func (e *UnknownKeyError) Error() string { return fmt.Sprintf("unknown key %q", e.Key) }

// KindError is a value of the wrong kind: a list where a string belongs.
type KindError struct {
	Want string // "a string", "a list", "a number" …
	Node ast.Node
}

// Error says what was wanted and what was found: a scalar that should
// have been a number or a boolean is quoted, anything else is named.
func (e *KindError) Error() string {
	switch e.Want {
	case "true or false", "a number", "an integer":
		return fmt.Sprintf("want %s, got %s", e.Want, Describe(e.Node))
	}
	return fmt.Sprintf("want %s, got %s", e.Want, KindName(e.Node))
}

// Rest holds the entries of a mapping that its struct has no field for,
// in a field tagged `yaml:",rest"`, for the caller to decode elsewhere.
type Rest []*ast.MappingValueNode

// Decoder decodes the nodes of one Doc into Go values by their yaml tags,
// collecting every problem and recording where each value and key is.
type Decoder struct {
	doc *Doc
	// Hooks decode the types they name themselves, null included.
	Hooks map[reflect.Type]func(n ast.Node) (any, error)
	// NullIsZero makes a null scalar its zero value; otherwise a null where
	// a string, number or boolean belongs is a problem. A null list,
	// mapping or pointer is always empty.
	NullIsZero bool
	Problems   []Problem
	values     map[string]ast.Node
	written    map[string]Pos // where a value starts as written: at its anchor, if any
	keys       map[string]ast.Node
}

// NewDecoder returns a decoder of the document's nodes.
func (d *Doc) NewDecoder() *Decoder {
	return &Decoder{doc: d, values: map[string]ast.Node{}, written: map[string]Pos{}, keys: map[string]ast.Node{}}
}

// Value returns the node decoded at path, anchors and aliases followed.
func (d *Decoder) Value(path string) (ast.Node, bool) {
	n, ok := d.values[path]
	return n, ok
}

// Key returns the key node of the mapping entry at path.
func (d *Decoder) Key(path string) (ast.Node, bool) {
	n, ok := d.keys[path]
	return n, ok
}

// Join appends a key to a path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index appends a list index to a path.
func Index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func (d *Decoder) fail(path string, n ast.Node, err error) {
	d.Problems = append(d.Problems, Problem{Path: path, Pos: NodePos(n), Err: err})
}

var (
	nodeType = reflect.TypeFor[ast.Node]()
	restType = reflect.TypeFor[Rest]()
)

// Decode decodes n into v, which must be settable, at path.
func (d *Decoder) Decode(n ast.Node, v reflect.Value, path string) {
	d.written[path] = NodePos(n)
	n = d.doc.deref(n)
	d.values[path] = n
	if hook, ok := d.Hooks[v.Type()]; ok {
		x, err := hook(n)
		if err != nil {
			d.fail(path, n, err)
			return
		}
		v.Set(reflect.ValueOf(x))
		return
	}
	switch {
	case v.Type() == nodeType:
		v.Set(reflect.ValueOf(&n).Elem())
	case v.Kind() == reflect.Pointer:
		if isNull(n) {
			return
		}
		elem := reflect.New(v.Type().Elem())
		d.Decode(n, elem.Elem(), path)
		v.Set(elem)
	case CustomDecoder(v.Type()):
		d.custom(n, v, path)
	case v.Kind() == reflect.Struct:
		d.DecodeEntries(d.mapping(n, path), v, path)
	case v.Kind() == reflect.Slice:
		d.slice(n, v, path)
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
		d.mapOf(n, v, path)
	case isNull(n) && d.NullIsZero:
	default:
		if err := scalar(n, v); err != nil {
			d.fail(path, n, err)
		}
	}
}

// mapping returns a mapping's entries, merge keys expanded, or reports
// what the node is instead; null is an empty mapping.
func (d *Decoder) mapping(n ast.Node, path string) []*ast.MappingValueNode {
	switch v := d.doc.deref(n).(type) {
	case *ast.MappingNode:
		return d.merge(v.Values, path, 0)
	case *ast.MappingValueNode:
		return d.merge([]*ast.MappingValueNode{v}, path, 0)
	case *ast.NullNode:
		return nil
	}
	d.fail(path, n, &KindError{Want: "a mapping", Node: d.doc.deref(n)})
	return nil
}

// merge expands YAML merge keys (<<: *base, or a list of them): the
// merged entries come after the mapping's own, and only for keys it lacks.
func (d *Decoder) merge(kvs []*ast.MappingValueNode, path string, depth int) []*ast.MappingValueNode {
	var own, merged []*ast.MappingValueNode
	for _, kv := range kvs {
		if _, ok := kv.Key.(*ast.MergeKeyNode); !ok {
			own = append(own, kv)
			continue
		}
		if depth > 8 {
			d.fail(Join(path, "<<"), kv.Key, errors.New("merge keys nested too deep"))
			continue
		}
		merged = append(merged, d.mergeSource(kv.Value, path, depth)...)
	}
	for _, kv := range merged {
		if findKey(own, KeyName(kv.Key)) == nil {
			own = append(own, kv)
		}
	}
	return own
}

// mergeSource returns the entries a merge key's value brings: a mapping's,
// or those of each mapping of a list.
func (d *Decoder) mergeSource(n ast.Node, path string, depth int) []*ast.MappingValueNode {
	switch v := d.doc.deref(n).(type) {
	case *ast.MappingNode:
		return d.merge(v.Values, path, depth+1)
	case *ast.SequenceNode:
		var out []*ast.MappingValueNode
		for _, item := range v.Values {
			out = append(out, d.mergeSource(item, path, depth+1)...)
		}
		return out
	}
	d.fail(Join(path, "<<"), n, &KindError{Want: "a mapping or a list of mappings to merge", Node: d.doc.deref(n)})
	return nil
}

func findKey(kvs []*ast.MappingValueNode, key string) *ast.MappingValueNode {
	for _, kv := range kvs {
		if KeyName(kv.Key) == key {
			return kv
		}
	}
	return nil
}

// DecodeEntries decodes mapping entries into the struct v, key by key, so
// that every bad key is reported. Keys without a field go to the struct's
// Rest field if it has one, else are problems.
func (d *Decoder) DecodeEntries(kvs []*ast.MappingValueNode, v reflect.Value, path string) {
	fields := map[string][]int{}
	var known []string
	for _, f := range Fields(v.Type()) {
		fields[f.Key], known = f.Index, append(known, f.Key)
	}
	rest := v.FieldByName(restField(v.Type()))
	seen := map[string]bool{}
	for _, kv := range kvs {
		key := KeyName(kv.Key)
		sub := Join(path, key)
		index, ok := fields[key]
		switch {
		case seen[key]:
			d.fail(sub, kv.Key, errors.New("key given twice"))
			continue
		case !ok && rest.IsValid():
			rest.Set(reflect.Append(rest, reflect.ValueOf(kv)))
		case !ok:
			d.fail(sub, kv.Key, &UnknownKeyError{Key: key, Known: known})
		default:
			d.keys[sub] = kv.Key
			d.Decode(kv.Value, v.FieldByIndex(index), sub)
		}
		seen[key] = true
	}
}

// restField names the struct's field tagged `yaml:",rest"`, if any.
func restField(t reflect.Type) string {
	for i := range t.NumField() {
		if f := t.Field(i); f.Tag.Get("yaml") == ",rest" && f.Type == restType {
			return f.Name
		}
	}
	return ""
}

// Field is a struct field that a YAML key decodes into.
type Field struct {
	Key   string
	Index []int // for reflect.Value.FieldByIndex
	reflect.StructField
}

// Fields lists the YAML keys of a struct in field order, following inline
// (embedded) structs; a field tagged `yaml:",rest"` is not among them.
func Fields(t reflect.Type) []Field {
	var out []Field
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		inline := strings.Contains(","+opts+",", ",inline,")
		switch {
		case opts == "rest":
		case inline && f.Anonymous && f.Type.Kind() == reflect.Struct:
			for _, sub := range Fields(f.Type) {
				sub.Index = append([]int{i}, sub.Index...)
				out = append(out, sub)
			}
		case f.IsExported() && name != "-":
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			out = append(out, Field{Key: name, Index: []int{i}, StructField: f})
		}
	}
	return out
}

func (d *Decoder) slice(n ast.Node, v reflect.Value, path string) {
	if isNull(n) {
		return
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.fail(path, n, &KindError{Want: "a list", Node: n})
		return
	}
	out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		d.Decode(item, out.Index(i), Index(path, i))
	}
	v.Set(out)
}

func (d *Decoder) mapOf(n ast.Node, v reflect.Value, path string) {
	kvs := d.mapping(n, path)
	if kvs == nil && isNull(n) {
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(kvs))
	for _, kv := range kvs {
		key := KeyName(kv.Key)
		sub := Join(path, key)
		d.keys[sub] = kv.Key
		elem := reflect.New(v.Type().Elem()).Elem()
		d.Decode(kv.Value, elem, sub)
		m.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), elem)
	}
	v.Set(m)
}

// scalar decodes a string, boolean or number strictly: the decoder alone
// would quietly turn 3 into "3".
func scalar(n ast.Node, v reflect.Value) error {
	switch v.Kind() {
	case reflect.String:
		if s, ok := Text(n); ok {
			v.SetString(s)
			return nil
		}
		return &KindError{Want: "a string", Node: n}
	case reflect.Bool:
		if b, ok := n.(*ast.BoolNode); ok {
			v.SetBool(b.Value)
			return nil
		}
		return &KindError{Want: "true or false", Node: n}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if i, ok := integer(n); ok && !v.OverflowInt(i) {
			v.SetInt(i)
			return nil
		}
		return &KindError{Want: "an integer", Node: n}
	case reflect.Float32, reflect.Float64:
		if f, ok := number(n); ok {
			v.SetFloat(f)
			return nil
		}
		return &KindError{Want: "a number", Node: n}
	}
	return NodeToValue(n, v.Addr().Interface())
}

func integer(n ast.Node) (int64, bool) {
	i, ok := n.(*ast.IntegerNode)
	if !ok {
		return 0, false
	}
	switch x := i.Value.(type) {
	case int64:
		return x, true
	case uint64:
		return int64(x), x <= math.MaxInt64
	}
	return 0, false
}

func number(n ast.Node) (float64, bool) {
	switch v := n.(type) {
	case *ast.FloatNode:
		return v.Value, true
	case *ast.InfinityNode:
		return v.Value, true
	case *ast.NanNode:
		return math.NaN(), true
	}
	if i, ok := n.(*ast.IntegerNode); ok {
		switch x := i.Value.(type) {
		case int64:
			return float64(x), true
		case uint64:
			return float64(x), true
		}
	}
	return 0, false
}

// CustomDecoder reports whether *t decodes itself from YAML or text.
func CustomDecoder(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(reflect.TypeFor[yaml.BytesUnmarshaler]()) ||
		pt.Implements(reflect.TypeFor[yaml.InterfaceUnmarshaler]()) ||
		pt.Implements(reflect.TypeFor[yaml.NodeUnmarshaler]()) ||
		pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

// custom leaves a type that decodes itself to go-yaml, placing its error
// at the token go-yaml names, or at the value.
func (d *Decoder) custom(n ast.Node, v reflect.Value, path string) {
	err := NodeToValue(n, v.Addr().Interface())
	if err == nil {
		return
	}
	p := Problem{Path: path, Pos: NodePos(n), Err: err}
	var ye yaml.Error
	if errors.As(err, &ye) {
		p.Err = errors.New(ye.GetMessage())
		if tp := tokenPos(ye); tp.Line > 0 {
			p.Pos = tp
		}
	}
	d.Problems = append(d.Problems, p)
}

// NodeToValue decodes a node with go-yaml, strictly, for a type that
// decodes itself or a part of a file that another package decodes. go-yaml
// can panic on odd input (an alias where a list is expected); that becomes
// an error, never a crash.
func NodeToValue(n ast.Node, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot decode %s here", KindName(n))
		}
	}()
	return yaml.NodeToValue(n, v, yaml.Strict())
}

// WrittenPos returns where the value decoded at path starts as written:
// at its anchor or alias, if it has one.
func (d *Decoder) WrittenPos(path string) Pos { return d.written[path] }

// NodePos returns where the value decoded at path is.
func (d *Decoder) NodePos(path string) Pos { return NodePos(d.values[path]) }

// TokenPos returns where the first token of the value decoded at path is:
// for a block mapping, the colon of its first key.
func (d *Decoder) TokenPos(path string) (Pos, bool) {
	n, ok := d.values[path]
	if !ok || n.GetToken() == nil || n.GetToken().Position == nil {
		return Pos{}, false
	}
	return Pos{n.GetToken().Position.Line, n.GetToken().Position.Column}, true
}
