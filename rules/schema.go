package rules

import (
	"encoding"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/internal/yamlpos"
)

//go:generate go test -run ^TestSchemaFile$ . -args -update

// obj is a JSON Schema object.
type obj = map[string]any

// durationPattern matches what timespec.ParseDuration reads.
const durationPattern = `^(0|([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$`

// Schema returns a JSON Schema (draft-07) of the rule-file format, for
// editors: the common keys of every rule and, for each registered check
// kind, its own keys. Fields of a kind's parameter struct may carry a
// `doc:"…"` tag, which becomes their description.
func Schema() ([]byte, error) {
	return schemaFor(checks.Kinds())
}

// schemaFor builds the schema for the given kinds.
func schemaFor(kinds []checks.Kind) ([]byte, error) {
	s := obj{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"title":                "chiso rule file",
		"description":          "Groups of rules, each running a check kind on a cron schedule.",
		"type":                 "object",
		"additionalProperties": false,
		"properties":           obj{"groups": obj{"type": "array", "items": ref("group")}},
		"definitions":          definitions(kinds),
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ref refers to a definition.
func ref(name string) obj { return obj{"$ref": "#/definitions/" + name} }

// definitions returns the named parts of the schema.
func definitions(kinds []checks.Kind) obj {
	names := make([]any, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name
	}
	return obj{
		"group": obj{"type": "object", "additionalProperties": false, "required": []string{"name", "schedule"},
			"properties": obj{
				"name":     obj{"type": "string", "minLength": 1, "description": "Unique across all rule files."},
				"schedule": obj{"type": "string", "minLength": 1, "not": obj{"pattern": `^\s*(CRON_)?TZ=`}, "description": "Cron expression (robfig syntax: five fields, or @daily, @hourly, @every 6h …) in the configured time zone; TZ= prefixes are not allowed."},
				"labels":   ref("labels"),
				"limit":    obj{"type": "integer", "minimum": 0, "maximum": math.MaxInt32, "description": "The most findings each rule of the group may have; a rule with more fails its evaluation and keeps its last findings. 0 (the default): no limit."},
				"rules":    obj{"type": "array", "items": ref("rule")},
			}},
		"labels":      obj{"type": "object", "propertyNames": obj{"pattern": nameRE.String()}, "additionalProperties": obj{"type": "string"}},
		"annotations": obj{"type": "object", "propertyNames": obj{"pattern": nameRE.String()}, "additionalProperties": obj{"type": "string", "description": "A Go text/template over the finding."}},
		"duration":    obj{"anyOf": []any{obj{"type": "string", "pattern": durationPattern}, obj{"const": 0}}, "description": "e.g. 0, 5m, 1h30m, 7d, 2w"},
		"indicators_matching": obj{"type": "object", "additionalProperties": false, "description": "Chooses the indicators by what they are, resolved against the catalogue when the rules load.", "properties": obj{
			"kind":     obj{"type": "string"},
			"additive": obj{"type": "boolean"},
			"unit":     obj{"type": "string"},
			"except":   obj{"type": "array", "items": obj{"type": "string"}, "uniqueItems": true},
		}},
		"areas": obj{"type": "object", "additionalProperties": false, "properties": obj{
			"codes":  obj{"type": "array", "items": obj{"type": "string"}, "uniqueItems": true},
			"level":  obj{"enum": []string{"country", "province", "district", "commune"}},
			"parent": obj{"type": "string"},
		}},
		"rule": ruleSchema(kinds, names),
	}
}

// commonProperties are the schemas of the keys every rule may have.
func commonProperties(kindNames []any) obj {
	return obj{
		"alert":               obj{"type": "string", "pattern": nameRE.String(), "description": "The rule's name, unique in its group."},
		"check":               obj{"enum": kindNames, "description": "The check kind."},
		"indicator":           obj{"type": "string", "description": "An indicator code of the catalogue."},
		"indicators":          obj{"type": "array", "items": obj{"type": "string"}, "uniqueItems": true},
		"indicators_matching": ref("indicators_matching"),
		"areas":               ref("areas"),
		"severity":            obj{"enum": []string{"info", "warning", "critical"}, "default": "warning"},
		"for":                 ref("duration"),
		"keep_firing_for":     ref("duration"),
		"alert_indeterminate": obj{"type": "boolean", "default": false},
		"labels":              ref("labels"),
		"annotations":         ref("annotations"),
	}
}

// ruleSchema allows, for each check kind, the common keys and the kind's.
func ruleSchema(kinds []checks.Kind, names []any) obj {
	common := commonProperties(names)
	var branches []any
	for _, k := range kinds {
		props := obj{}
		for key, v := range common {
			props[key] = v
		}
		params, err := newParams(k)
		if err != nil {
			continue
		}
		for key, v := range structProperties(reflect.TypeOf(params).Elem(), 0) {
			props[key] = v
		}
		branches = append(branches, obj{
			"if":   obj{"properties": obj{"check": obj{"const": k.Name}}, "required": []string{"check"}},
			"then": obj{"description": k.Doc, "properties": props, "additionalProperties": false},
		})
	}
	s := obj{"type": "object", "required": []string{"alert", "check"}, "properties": common,
		"not": obj{"anyOf": []any{
			obj{"required": []string{"indicator", "indicators"}},
			obj{"required": []string{"indicator", "indicators_matching"}},
			obj{"required": []string{"indicators", "indicators_matching"}},
		}}}
	if len(branches) > 0 {
		s["allOf"] = branches
	}
	return s
}

// structProperties returns the schema of each YAML key of a struct,
// following inline structs.
func structProperties(t reflect.Type, depth int) obj {
	props := obj{}
	for _, f := range yamlpos.Fields(t) {
		s := typeSchema(f.Type, depth+1)
		if doc := f.Tag.Get("doc"); doc != "" {
			s["description"] = doc
		}
		applyTag(s, f.Tag.Get("jsonschema"))
		props[f.Key] = s
	}
	return props
}

// applyTag adds what a `jsonschema:"enum=a,enum=b,minimum=0"` tag says:
// enum, description, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
// pattern and default, with numbers kept as numbers.
func applyTag(s obj, tag string) {
	if tag == "" {
		return
	}
	var enum []any
	for _, part := range strings.Split(tag, ",") {
		k, v, ok := strings.Cut(part, "=")
		switch {
		case !ok:
		case k == "enum":
			enum = append(enum, tagValue(v))
		case k == "description" || k == "pattern":
			s[k] = v
		case k == "minimum" || k == "maximum" || k == "exclusiveMinimum" || k == "exclusiveMaximum" || k == "default":
			s[k] = tagValue(v)
		}
	}
	if enum != nil {
		s["enum"] = enum
	}
}

// tagValue reads a tag's value as a number when it is one.
func tagValue(v string) any {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f
	}
	return v
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	textType     = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// typeSchema returns the schema of a Go type as YAML writes it.
func typeSchema(t reflect.Type, depth int) obj {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		return ref("duration")
	case yamlpos.CustomDecoder(t) && reflect.PointerTo(t).Implements(textType):
		return obj{"type": "string"}
	case yamlpos.CustomDecoder(t) || depth > 8:
		return obj{}
	}
	return kindSchema(t, depth)
}

// kindSchema returns the schema of a plain Go type by its kind.
func kindSchema(t reflect.Type, depth int) obj {
	switch t.Kind() {
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return obj{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	case reflect.Slice, reflect.Array:
		return obj{"type": "array", "items": typeSchema(t.Elem(), depth+1)}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": typeSchema(t.Elem(), depth+1)}
	case reflect.Struct:
		return obj{"type": "object", "additionalProperties": false, "properties": structProperties(t, depth)}
	}
	return obj{}
}
