// Package wordlang finds words of the other language in text that chiso
// writes for people: Vietnamese words in an English message, English words
// in a Vietnamese one. Its vocabularies come from chiso's own source code —
// the Vietnamese and English string literals of the importer's word lists
// and the checks' messages — so that a word the code learns to write is
// looked for without anyone listing it. Tests use it; it reads source files.
package wordlang

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Sources are the folders, relative to the module's root, whose non-test Go
// files hold the vocabulary: the importer's unit, qualifier and period words
// and the checks' messages.
var Sources = []string{"ingest", "checks"}

// Vocabulary is what chiso's code writes in each language.
type Vocabulary struct {
	// VI holds Vietnamese words as people also type them without
	// diacritics ("tren", "khoang", "ty", "dong", "tram", "xa"), minus
	// those that are English words too ("the", "to", "so").
	VI map[string]bool
	// EN holds the English words of the messages ("over", "stations",
	// "target"), minus those the Vietnamese text also uses (BTS, USD).
	EN map[string]bool
}

// Load reads the vocabulary from the Go files of Sources under the module
// that holds the working directory.
func Load() (Vocabulary, error) {
	root, err := moduleRoot()
	if err != nil {
		return Vocabulary{}, err
	}
	var vi, en, viASCII, ascii []string
	for _, dir := range Sources {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			return Vocabulary{}, err
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			v, e, va, a, err := literals(name)
			if err != nil {
				return Vocabulary{}, err
			}
			vi, en, viASCII, ascii = append(vi, v...), append(en, e...), append(viASCII, va...), append(ascii, a...)
			if dir == "checks" { // messages: every word without diacritics is English or a code
				en = append(en, a...)
			}
		}
	}
	return build(vi, en, viASCII, ascii), nil
}

// build makes the vocabulary from the words of Vietnamese literals that
// carry diacritics (vi), of the English side of translations (en), of
// Vietnamese literals without diacritics (viASCII: "theo", "cho", codes as
// BTS) and of every literal without diacritics (ascii). A folded
// Vietnamese word that a translation writes in English ("the", "so") or
// that the importer knows to be an English word too (ambiguousFolds: "do",
// "ban") is not taken for Vietnamese; a word Vietnamese text writes too ("BTS",
// "tinh") is not taken for English.
func build(vi, en, viASCII, ascii []string) Vocabulary {
	v := Vocabulary{VI: map[string]bool{}, EN: map[string]bool{}}
	english := map[string]bool{}
	for _, w := range en {
		english[strings.ToLower(w)] = true
	}
	for _, w := range vi {
		if f := Fold(w); len(f) > 1 && !english[f] {
			v.VI[f] = true
		}
	}
	viWords := map[string]bool{}
	for _, w := range vi {
		viWords[Fold(w)] = true
	}
	for _, w := range viASCII {
		if w = strings.ToLower(w); !english[w] { // not a code in Vietnamese text: "over" in "exact, over, nearly"
			viWords[w] = true
		}
	}
	for _, w := range append(en, ascii...) {
		if w = strings.ToLower(w); len(w) > 1 && !viWords[w] {
			v.EN[w] = true
		}
	}
	return v
}

// literals returns the words of one file's string literals: those of
// Vietnamese text with diacritics; those of the English side of a
// translation (the English argument of tr and trs, the English half of a
// {"vị trí", "sites"} pair or of vi, en = "trên ", "over "); the words
// without diacritics of Vietnamese text; and those of every literal without
// diacritics (English messages, codes).
func literals(name string) (vi, en, viASCII, ascii []string, err error) {
	f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("parse %s: %w", name, err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if id := funcName(n.Fun); (id == "tr" || id == "trs") && len(n.Args) >= 2 {
				en = append(en, Words(str(n.Args[1]))...)
			}
		case *ast.CompositeLit:
			if len(n.Elts) == 2 {
				en = append(en, pair(n.Elts[0], n.Elts[1])...)
			}
		case *ast.ValueSpec:
			if len(n.Names) == 1 && n.Names[0].Name == "ambiguousFolds" && len(n.Values) == 1 {
				if lit, ok := n.Values[0].(*ast.CompositeLit); ok {
					for _, e := range lit.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok {
							en = append(en, str(kv.Key))
						}
					}
				}
			}
		case *ast.AssignStmt:
			if len(n.Rhs) == 2 {
				en = append(en, pair(n.Rhs[0], n.Rhs[1])...)
			}
		case *ast.BasicLit:
			if s := str(n); s != "" && !hasDiacritic(s) {
				ascii = append(ascii, Words(s)...)
			} else if hasDiacritic(s) {
				for _, w := range Words(s) {
					if hasDiacritic(w) {
						vi = append(vi, w)
					} else {
						viASCII = append(viASCII, w)
					}
				}
			}
		}
		return true
	})
	return vi, en, viASCII, ascii, nil
}

// pair returns the words of the English one of two string literals when
// the other is Vietnamese: {"vị trí", "sites"}, vi, en = "trên ", "over ".
func pair(x, y ast.Expr) []string {
	a, b := str(x), str(y)
	switch {
	case hasDiacritic(a) && b != "" && !hasDiacritic(b):
		return Words(b)
	case hasDiacritic(b) && a != "" && !hasDiacritic(a):
		return Words(a)
	}
	return nil
}

func funcName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}

// str returns the value of a string literal, or "".
func str(e ast.Expr) string {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return ""
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		return ""
	}
	return s
}

// verbs matches the formatting verbs of a format string.
var verbs = regexp.MustCompile(`%[-+# 0]*[0-9.*]*[a-zA-Z%]`)

// Words splits text into runs of letters, dropping format verbs and words
// that join codes (ict_revenue, 000_fda3.txt).
func Words(s string) []string {
	s = verbs.ReplaceAllString(s, " ")
	var out []string
	for _, field := range strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '_' || r == '.' || r == '-')
	}) {
		if strings.ContainsAny(field, "_0123456789") {
			continue // a code, a file name, a figure
		}
		out = append(out, strings.FieldsFunc(field, func(r rune) bool { return r == '.' || r == '-' })...)
	}
	return out
}

// Fold returns w in lower case without Vietnamese diacritics (đ is d).
func Fold(w string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(w) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ' || r == 'Đ':
			b.WriteByte('d')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// hasDiacritic reports whether s has a letter that only Vietnamese (among
// the two languages) writes: a letter with a tone or vowel mark, or đ.
func hasDiacritic(s string) bool {
	for _, r := range s {
		if r == 'đ' || r == 'Đ' {
			return true
		}
		if r > unicode.MaxASCII && unicode.IsLetter(r) && norm.NFD.String(string(r)) != string(r) {
			return true
		}
	}
	return false
}

// Foreign returns the words of text that belong to the other language than
// lang ("vi" or "en"), after removing every allowed string (names of areas
// and indicators, source titles, codes) from it. In English, a word with a
// Vietnamese diacritic or a Vietnamese word typed without them is foreign;
// in Vietnamese, an English word of the messages is.
func (v Vocabulary) Foreign(text, lang string, allowed []string) []string {
	for _, a := range allowed {
		if a != "" {
			text = strings.ReplaceAll(text, a, " ")
		}
	}
	var out []string
	for _, w := range Words(text) {
		lower := strings.ToLower(w)
		switch {
		case lang == "en" && (hasDiacritic(w) || v.VI[lower]):
			out = append(out, w)
		case lang != "en" && v.EN[lower] && !hasDiacritic(w):
			out = append(out, w)
		}
	}
	return out
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
