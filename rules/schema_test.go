package rules

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso/internal/timespec"

	"github.com/chiso-vn/chiso/checks"
)

var update = flag.Bool("update", false, "rewrite schema.json")

// realKinds drops the kinds these tests register (named t_…).
func realKinds(kinds []checks.Kind) []checks.Kind {
	var out []checks.Kind
	for _, k := range kinds {
		if !strings.HasPrefix(k.Name, "t_") {
			out = append(out, k)
		}
	}
	return out
}

// TestSchemaFile checks that schema.json is what Schema returns for the
// registered kinds; run `go generate ./rules` after adding a kind.
func TestSchemaFile(t *testing.T) {
	got, err := schemaFor(realKinds(checks.Kinds()))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("schema.json is out of date: run go generate ./rules")
	}
}

// TestSchemaKinds checks a kind's keys, types and docs in the schema.
func TestSchemaKinds(t *testing.T) {
	b, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Definitions struct {
			Rule struct {
				Properties struct {
					Check struct{ Enum []string }
				}
				AllOf []struct {
					If struct {
						Properties struct{ Check struct{ Const string } }
					}
					Then struct {
						Description string
						Properties  map[string]map[string]any
					}
				}
			}
			Duration map[string]any
		}
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	rule := s.Definitions.Rule
	if !strings.Contains(strings.Join(rule.Properties.Check.Enum, " "), "t_bounds t_expr t_panic") {
		t.Errorf("check enum = %v", rule.Properties.Check.Enum)
	}
	var found bool
	for _, br := range rule.AllOf {
		if br.If.Properties.Check.Const != "t_bounds" {
			continue
		}
		found = true
		p := br.Then.Properties
		want := map[string]string{"min": "number", "max": "number", "min_base": "integer", "bands": "object", "alert": "string"}
		for key, typ := range want {
			if p[key]["type"] != typ {
				t.Errorf("t_bounds %s: %v, want type %s", key, p[key], typ)
			}
		}
		if p["window"]["$ref"] != "#/definitions/duration" || p["window"]["description"] != "How far back to look." {
			t.Errorf("window = %v", p["window"])
		}
		if fmt.Sprint(p["min_base"]["minimum"], p["min_base"]["enum"]) != "0 [1 10 x]" {
			t.Errorf("min_base = %v", p["min_base"])
		}
		if br.Then.Description != "Test kind with bounds." || len(p) != 17 {
			t.Errorf("t_bounds: %q, %d keys", br.Then.Description, len(p))
		}
	}
	if !found {
		t.Error("no branch for t_bounds")
	}
}

// TestDurationPattern checks that the schema's pattern agrees with
// ParseDuration.
func TestDurationPattern(t *testing.T) {
	re := regexp.MustCompile(durationPattern)
	for _, s := range []string{"0", "5m", "1h30m", "2w", "1y2w3d4h5m6s7ms", "5", "1.5h", "30m1h", "3x", ""} {
		_, err := timespec.ParseDuration(s)
		if re.MatchString(s) != (err == nil) && s != "" {
			t.Errorf("%q: pattern %v, ParseDuration %v", s, re.MatchString(s), err)
		}
	}
}
