package server

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/chiso-vn/chiso/internal/clip"
)

// page is what a list request asks for: at most limit items, after the
// item the cursor names (none: from the first).
type page struct {
	limit  int
	cursor string
}

// parsePage reads ?limit= and ?cursor=. A limit outside 1 to MaxPageSize is
// refused rather than clamped, so that a client that wanted everything
// learns at once that it must follow next.
func (s *Server) parsePage(v url.Values) (page, error) {
	p := page{limit: s.lim.PageSize, cursor: v.Get("cursor")}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > s.lim.MaxPageSize {
			return p, errorf("query parameter limit: %s is not a count from 1 to %d; follow next for the following pages",
				clip.Quote(l), s.lim.MaxPageSize)
		}
		p.limit = n
	}
	return p, nil
}

// maxCursor bounds the length of a cursor, in bytes: the ones the server
// writes are far shorter.
const maxCursor = 2048

// cursorJSON is what a cursor encodes: the list it belongs to and the key
// of the last item of its page. Clients treat it as opaque.
type cursorJSON struct {
	List string          `json:"l"`
	Key  json.RawMessage `json:"k"`
}

// encodeCursor returns the cursor of the page that ended at key in list.
func encodeCursor(list string, key any) string {
	k, _ := json.Marshal(key)
	b, _ := json.Marshal(cursorJSON{List: list, Key: k})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads into key a cursor that encodeCursor wrote for list.
func decodeCursor(s, list string, key any) error {
	var c cursorJSON
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(s) > maxCursor || json.Unmarshal(b, &c) != nil || c.List != list || json.Unmarshal(c.Key, key) != nil {
		return errorf("query parameter cursor: %s is not a cursor of %s; pass the next of the previous page", clip.Quote(s), list)
	}
	return nil
}

// listWriter streams a list answer: the envelope's head, each item as it
// is encoded, and next. Memory does not grow with the page, and the write
// deadline is renewed as each item goes out, so a large page to a client
// that keeps reading is never cut.
type listWriter struct {
	w    http.ResponseWriter
	out  *writeErr
	enc  *json.Encoder
	n    int
	tail string
}

// writeErr remembers the first error writing to the client.
type writeErr struct {
	w   io.Writer
	err error
}

func (e *writeErr) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

// startList writes the head of a success answer whose data is a list, or
// an object whose key holds the list when key is not empty.
func startList(w http.ResponseWriter, key string) *listWriter {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	l := &listWriter{w: w, out: &writeErr{w: w}, tail: "]"}
	l.enc = json.NewEncoder(l.out)
	l.enc.SetEscapeHTML(false)
	head := `{"status":"success","data":[`
	if key != "" {
		head, l.tail = `{"status":"success","data":{"`+key+`":[`, "]}"
	}
	io.WriteString(l.out, head)
	return l
}

// add writes one item; it returns false once the client is gone, and the
// handler should stop.
func (l *listWriter) add(v any) bool {
	if l.n > 0 {
		io.WriteString(l.out, ",")
	}
	if err := l.enc.Encode(v); err != nil && l.out.err == nil {
		// the item cannot be encoded, and the comma before it is sent:
		// cut the answer rather than send invalid JSON
		panic(http.ErrAbortHandler)
	}
	if l.out.err != nil {
		return false
	}
	l.n++
	// each item has WriteTimeout to go out: the deadline bounds a stalled
	// client, not the size of the page
	renewWriteDeadline(l.w)
	return true
}

// end writes the tail, with next when another page follows.
func (l *listWriter) end(next string) {
	tail := l.tail
	if next != "" {
		tail += `,"next":"` + next + `"`
	}
	io.WriteString(l.out, tail+"}\n")
}
