package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"
)

// readJSON reads an array of objects with the long layout's keys, one
// object at a time. A value is a JSON number, or a string: as printed (read
// in the locale), or a plain number when the object has a qualifier key.
func (rd *reader) readJSON(r io.Reader) error {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\ufeff")) {
		br.Discard(3) // a byte-order mark, as some editors save
	}
	r = br
	lt := &lineTracker{r: r, line: 1}
	dec := json.NewDecoder(lt)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		rd.add(&Error{File: rd.name, Line: lt.lineAt(dec.InputOffset()), Err: problem("bad_json", "want an array of objects", "phải là một mảng các đối tượng JSON")})
		return nil
	}
	fields := make([]string, nLong)
	var idx [nLong]int
	isNumber := false
	rw := &row{fields: fields, idx: &idx, json: true, number: func(int) bool { return isNumber }}
	for dec.More() {
		rw.line = lt.lineAt(dec.InputOffset())
		obj, err := rd.jsonObject(dec, rw)
		if err != nil {
			rd.add(&Error{File: rd.name, Line: rw.line, Err: err})
			return nil
		}
		if obj == nil || !rd.jsonFields(obj, rw, &isNumber) {
			continue
		}
		if err := rd.longRow(rw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		rd.add(&Error{File: rd.name, Line: lt.lineAt(dec.InputOffset()), Err: jsonSyntax(err)})
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		rd.add(&Error{File: rd.name, Line: lt.lineAt(dec.InputOffset()), Err: problem("bad_json",
			"unexpected data after the array: a file holds one array of objects",
			"có dữ liệu thừa sau mảng: mỗi tệp chỉ chứa một mảng các đối tượng")})
	}
	return nil
}

// jsonObject reads one object of the array, key by key so that a key given
// twice is an error (recorded against the row; the object is then nil)
// rather than silently the last.
func (rd *reader) jsonObject(dec *json.Decoder, rw *row) (map[string]json.RawMessage, error) {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		if err != nil {
			return nil, jsonSyntax(err)
		}
		return nil, errWantObject
	}
	obj := map[string]json.RawMessage{}
	dup := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonSyntax(err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonSyntax(err)
		}
		if _, seen := obj[key]; seen {
			rd.fail(rw, -1, key, string(raw), problem("duplicate_key", "key given twice in one object",
				"khóa xuất hiện hai lần trong cùng một đối tượng"))
			dup = true
		}
		obj[key] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, jsonSyntax(err)
	}
	if dup {
		return nil, nil
	}
	return obj, nil
}

var errWantObject = problem("bad_json", "want an object", "phải là một đối tượng JSON")

func jsonSyntax(err error) error {
	if errors.Is(err, errObjectTooLong) {
		return err
	}
	return problem("bad_json", "want an array of objects: %s", "phải là một mảng các đối tượng JSON: %s", err.Error())
}

// jsonFields lays an object's keys out as a long row.
func (rd *reader) jsonFields(obj map[string]json.RawMessage, rw *row, isNumber *bool) bool {
	ok := true
	for i := range rw.idx {
		rw.idx[i], rw.fields[i] = -1, ""
	}
	for _, key := range sortedKeys(obj) {
		col := indexOf(longNames[:], key)
		if col < 0 {
			rd.fail(rw, -1, key, string(obj[key]), problem("unknown_column", "unknown key (want %s)", "khóa không hợp lệ (cần một trong %s)", strings.Join(longNames[:], ", ")))
			ok = false
			continue
		}
		s, num, err := jsonText(obj[key])
		if err != nil || (num && col != colValue && col != colRevision) {
			rd.fail(rw, -1, key, string(obj[key]), errWantString(col))
			ok = false
			continue
		}
		rw.idx[col], rw.fields[col] = col, s
		if col == colValue {
			*isNumber = num
		}
	}
	return ok
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsonText returns a JSON string's text or a number's literal; null is
// the empty string.
func jsonText(raw json.RawMessage) (s string, number bool, err error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", false, nil
	case raw[0] == '"':
		err = json.Unmarshal(raw, &s)
		return s, false, err
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		return string(raw), true, nil
	}
	return "", false, errors.New("not a string or number")
}

// lineTracker counts the lines of what a JSON decoder consumed, keeping
// only the bytes read ahead of the last position asked for.
type lineTracker struct {
	r    io.Reader
	buf  []byte // bytes from offset base on
	base int64
	line int // line at base
}

func (t *lineTracker) Read(p []byte) (int, error) {
	if len(t.buf) > maxObject {
		return 0, errObjectTooLong
	}
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// maxObject bounds what the decoder may read past the start of the object
// being read (lineTracker keeps exactly that): an observation is a few
// hundred bytes, so a longer one is refused before it is held whole.
const maxObject = 1 << 20

var errObjectTooLong = problem("object_too_long",
	"an object longer than 1 MiB: not an observation chiso reads",
	"đối tượng JSON dài hơn 1 MiB: không phải số liệu chiso đọc được")

// lineAt returns the line of the first byte at or after off that is not
// space or a comma; off never decreases between calls.
func (t *lineTracker) lineAt(off int64) int {
	i := int(off - t.base)
	if i > len(t.buf) {
		i = len(t.buf)
	}
	t.line += bytes.Count(t.buf[:i], []byte{'\n'})
	t.buf = append(t.buf[:0], t.buf[i:]...)
	t.base = off
	line := t.line
	for _, c := range t.buf {
		if c == '\n' {
			line++
		} else if c != ' ' && c != '\t' && c != '\r' && c != ',' {
			break
		}
	}
	return line
}

func errWantString(col int) error {
	if col == colValue {
		return problem("bad_json", "want a string or a number", "phải là chuỗi hoặc số")
	}
	return problem("bad_json", "want a string", "phải là chuỗi")
}
