package ingest

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"path"
	"strconv"
	"strings"
)

// maxColumns is the widest row a worksheet can have (column XFD).
const maxColumns = 16384

// maxStored is the most characters of a cell's stored value kept: a
// number, TRUE/FALSE, an error such as #DIV/0! or an ISO date is far
// shorter, and text is read through excelize.
const maxStored = 256

// cellMeta is what a worksheet's XML says about a cell beside its text:
// its type, its style and the value it stores.
type cellMeta struct {
	col   int    // 1-based column
	typ   string // the t attribute: "" or n (number), s, str, inlineStr (text), b, e, d
	style int    // index into the workbook's cell formats; 0 is the default
	v     string // the stored value of a number, boolean, error or date cell; at most maxStored bytes
}

// sheetScanner reads a worksheet's XML as a stream for the cells' types,
// styles and stored values, which excelize's row iterator does not give. It
// keeps one row of cells in memory, and counts every cell against a budget
// shared by the workbook's sheets, so that a workbook that unpacks to
// millions of cells is refused before it is read.
type sheetScanner struct {
	r      *bufio.Reader
	src    *rowBytes
	closer io.Closer
	budget *int // cells the workbook may still have; below 0 is over the limit
	cells  []cellMeta
	row    int  // number of the last row started
	inRow  bool // a row's start tag was read but not its cells
	done   bool // the end of sheetData, or of the file, was reached
	tag    tag
	val    []byte
}

// errTooManyCells and errTooWide stop a scan; the caller names the limit.
var (
	errTooManyCells = errors.New("too many cells")
	errTooWide      = errors.New("too many columns")
	errRowTooLarge  = errors.New("a row too large")
	errTextTooLong  = errors.New("a text too long")
)

// maxTextXML is the longest text between two tags of a part of texts: a
// cell's longest text (32,767 characters) is under 200 KB of XML.
const maxTextXML = 1 << 20

// maxRowXML is the most XML the scan reads for one row: the row and what
// follows it up to the next row (as far as excelize reads for it), and for
// the first row what comes before it. A row of 16,384 cells of numbers is
// under 1 MB, a cell's longest text (32,767 characters) under 200 KB.
// excelize holds a row's texts, and any text it meets, several times over
// in memory; the scan refuses a larger row before excelize reads it.
const maxRowXML = 16 << 20

// rowBytes counts the bytes of a worksheet read since a mark, and fails
// once they are more than max (0: no limit).
type rowBytes struct {
	r            io.Reader
	n, mark, max int64
}

func (c *rowBytes) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.max > 0 && c.n-c.mark > c.max {
		return n, errRowTooLarge
	}
	return n, err
}

// tag is the last tag read: its local name, whether it is an end tag or
// closes itself, and the attributes a scan needs.
type tag struct {
	name        []byte
	end, closed bool
	r, s, t     []byte
}

func newSheetScanner(rc io.ReadCloser, budget *int) *sheetScanner {
	src := &rowBytes{r: rc, max: maxRowXML}
	return &sheetScanner{r: bufio.NewReaderSize(src, 64<<10), src: src, closer: rc, budget: budget}
}

// Close releases the worksheet's stream.
func (sc *sheetScanner) Close() error { return sc.closer.Close() }

// rowCells returns the cells of row n, in column order, or none when the
// sheet has no row n; rows are asked for in increasing order. The slice is
// reused by the next call.
func (sc *sheetScanner) rowCells(n int) ([]cellMeta, error) {
	sc.cells = sc.cells[:0]
	sc.src.mark = sc.src.n - int64(sc.r.Buffered()) // what the scan has read
	for !sc.done {
		if !sc.inRow {
			if err := sc.nextRow(); err != nil {
				return nil, err
			}
			continue
		}
		if sc.row > n {
			return sc.cells, nil
		}
		err := sc.readCells()
		if err == nil && sc.row == n && !sc.done {
			// excelize reads past a row's end to the next row's start:
			// so does the scan, within the row's bytes
			err = sc.nextRow()
		}
		if err != nil || sc.row >= n {
			return sc.cells, err
		}
		sc.cells = sc.cells[:0] // a row out of order, as excelize skips it
	}
	return sc.cells, nil
}

// nextRow reads up to the next row's start tag, or the end of sheetData.
func (sc *sheetScanner) nextRow() error {
	for {
		ok, err := sc.nextTag()
		if err != nil || !ok {
			sc.done = true
			return err
		}
		switch name := string(sc.tag.name); {
		case name == "sheetData" && sc.tag.end:
			sc.done = true
			return nil
		case name == "row" && !sc.tag.end:
			sc.row++
			if n, err := strconv.Atoi(string(sc.tag.r)); err == nil && n > 0 {
				sc.row = n
			}
			if sc.inRow = !sc.tag.closed; sc.inRow {
				return nil
			}
		}
	}
}

// readCells reads the cells of the row just started, up to its end tag.
func (sc *sheetScanner) readCells() error {
	sc.inRow = false
	col := 0
	for {
		ok, err := sc.nextTag()
		if err != nil || !ok {
			sc.done = true
			return err
		}
		t := &sc.tag
		switch string(t.name) {
		case "row":
			if t.end {
				return nil
			}
		case "c":
			if t.end {
				continue
			}
			if col, err = sc.startCell(col); err != nil {
				return err
			}
		case "v":
			if !t.end && !t.closed && len(sc.cells) > 0 {
				if err := sc.readValue(&sc.cells[len(sc.cells)-1]); err != nil {
					return err
				}
			}
		}
	}
}

// startCell records the cell whose start tag was just read, after the
// cell in column col.
func (sc *sheetScanner) startCell(col int) (int, error) {
	*sc.budget--
	if *sc.budget < 0 {
		return col, errTooManyCells
	}
	col++
	if c, ok := columnOf(sc.tag.r); ok {
		col = c
	}
	if col > maxColumns {
		return col, errTooWide
	}
	m := cellMeta{col: col, typ: string(sc.tag.t)}
	if s, err := strconv.Atoi(string(sc.tag.s)); err == nil && s > 0 {
		m.style = s
	}
	sc.cells = append(sc.cells, m)
	return col, nil
}

// readValue reads a <v> element's text into the cell, cut at maxStored.
func (sc *sheetScanner) readValue(m *cellMeta) error {
	sc.val = sc.val[:0]
	for {
		b, err := sc.r.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		if b == '<' {
			if err := sc.r.UnreadByte(); err != nil {
				return err
			}
			break
		}
		if len(sc.val) < maxStored {
			sc.val = append(sc.val, b)
		}
	}
	m.v = string(sc.val)
	if strings.IndexByte(m.v, '&') >= 0 {
		m.v = html.UnescapeString(m.v)
	}
	return nil
}

// columnOf reads the column of a cell reference such as D7.
func columnOf(ref []byte) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > maxColumns {
			return maxColumns + 1, true
		}
	}
	return col, i > 0
}

// nextTag reads the next start or end tag into sc.tag, skipping text,
// comments, CDATA sections, processing instructions and declarations; it
// returns false at the end of the stream.
func (sc *sheetScanner) nextTag() (bool, error) {
	for {
		if _, err := sc.r.ReadSlice('<'); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err == io.EOF {
				return false, nil
			}
			return false, err
		}
		b, err := sc.r.ReadByte()
		if err != nil {
			return false, unexpected(err)
		}
		switch b {
		case '!':
			err = sc.skipMarkup()
		case '?':
			err = sc.skipTo("?>")
		default:
			if err = sc.r.UnreadByte(); err == nil {
				return true, sc.readTag()
			}
		}
		if err != nil {
			return false, err
		}
	}
}

// skipMarkup skips a comment, a CDATA section or a declaration, whose "<!"
// was read.
func (sc *sheetScanner) skipMarkup() error {
	head, err := sc.r.Peek(2)
	if err == nil && string(head) == "--" {
		return sc.skipTo("-->")
	}
	if head, err = sc.r.Peek(7); err == nil && string(head) == "[CDATA[" {
		return sc.skipTo("]]>")
	}
	return sc.skipTo(">")
}

// skipTo reads past the next occurrence of end (at most 3 bytes).
func (sc *sheetScanner) skipTo(end string) error {
	var last [3]byte // the bytes read last, the newest at the end
	for {
		b, err := sc.r.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		last[0], last[1], last[2] = last[1], last[2], b
		if string(last[3-len(end):]) == end {
			return nil
		}
	}
}

// readTag reads a tag after its "<": its name without a namespace prefix
// and the r, s and t attributes.
func (sc *sheetScanner) readTag() error {
	t := &sc.tag
	t.name, t.r, t.s, t.t = t.name[:0], t.r[:0], t.s[:0], t.t[:0]
	t.end, t.closed = false, false
	b, err := sc.r.ReadByte()
	if err != nil {
		return unexpected(err)
	}
	if b == '/' {
		t.end = true
	} else if err = sc.r.UnreadByte(); err != nil {
		return err
	}
	if b, err = sc.readName(&t.name); err != nil {
		return err
	}
	var attr []byte
	for {
		switch {
		case b == '>':
			return nil
		case b == '/':
			t.closed = true
		case isSpace(b):
		default:
			attr = append(attr[:0], b)
			if err := sc.readAttr(attr); err != nil {
				return err
			}
		}
		if b, err = sc.r.ReadByte(); err != nil {
			return unexpected(err)
		}
	}
}

// readName reads a tag's name, keeping the part after a namespace prefix,
// and returns the byte after it.
func (sc *sheetScanner) readName(dst *[]byte) (byte, error) {
	for {
		b, err := sc.r.ReadByte()
		if err != nil {
			return 0, unexpected(err)
		}
		switch {
		case b == '>' || b == '/' || isSpace(b):
			return b, nil
		case b == ':':
			*dst = (*dst)[:0]
		case len(*dst) < 64:
			*dst = append(*dst, b)
		}
	}
}

// readAttr reads an attribute whose name starts with the byte in name,
// keeping the value of r, s and t.
func (sc *sheetScanner) readAttr(name []byte) error {
	for {
		b, err := sc.r.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		if b == '=' {
			break
		}
		if !isSpace(b) && len(name) < 64 {
			name = append(name, b)
		}
	}
	var quote byte
	for quote != '"' && quote != '\'' {
		b, err := sc.r.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		quote = b
	}
	var dst *[]byte
	switch string(name) {
	case "r":
		dst = &sc.tag.r
	case "s":
		dst = &sc.tag.s
	case "t":
		dst = &sc.tag.t
	}
	for {
		b, err := sc.r.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		if b == quote {
			return nil
		}
		if dst != nil && len(*dst) < 64 {
			*dst = append(*dst, b)
		}
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// sheetParts maps each worksheet's name to its part in the package, from
// the workbook's relationships, as excelize finds them.
func sheetParts(files map[string]*zip.File) (map[string]string, error) {
	var rels relationships
	if err := decodePart(files, "_rels/.rels", &rels); err != nil {
		return nil, err
	}
	wbPath := "xl/workbook.xml"
	for _, r := range rels.Rels {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			wbPath = strings.TrimPrefix(r.Target, "/")
		}
	}
	var wb struct {
		Sheets []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(files, wbPath, &wb); err != nil {
		return nil, err
	}
	dir := path.Dir(wbPath)
	rels = relationships{}
	if err := decodePart(files, path.Join(dir, "_rels", path.Base(wbPath)+".rels"), &rels); err != nil {
		return nil, err
	}
	parts := map[string]string{}
	for _, s := range wb.Sheets {
		var name, id string
		for _, a := range s.Attrs {
			switch {
			case a.Name.Local == "name":
				name = a.Value
			case a.Name.Local == "id" && a.Name.Space != "":
				id = a.Value
			}
		}
		for _, r := range rels.Rels {
			if r.ID == id {
				parts[name] = partPath(dir, r.Target)
			}
		}
	}
	return parts, nil
}

type relationships struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

// partPath resolves a relationship's target against the folder of the
// part that holds it.
func partPath(dir, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean(dir+"/"+target), "/")
}

// zipFiles indexes a package's parts by lower-case name, with forward
// slashes, as excelize reads them.
func zipFiles(zr *zip.Reader) map[string]*zip.File {
	files := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		files[strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))] = f
	}
	return files
}

// decodePart decodes a small XML part of the package; a part that is
// absent leaves v as it is.
func decodePart(files map[string]*zip.File, name string, v any) error {
	f, ok := files[strings.ToLower(name)]
	if !ok {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(v); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// countTags counts the start tags of a part named name (without a
// namespace prefix), stopping once there are more than max.
func countTags(rc io.ReadCloser, name string, max int) (int, error) {
	budget := 0
	sc := newSheetScanner(rc, &budget)
	sc.src.max = maxTextXML // from one tag to the next
	defer sc.Close()
	n := 0
	for n <= max {
		ok, err := sc.nextTag()
		if errors.Is(err, errRowTooLarge) {
			return n, errTextTooLong
		}
		if err != nil || !ok {
			return n, err
		}
		sc.src.mark = sc.src.n - int64(sc.r.Buffered())
		if !sc.tag.end && string(sc.tag.name) == name {
			n++
		}
	}
	return n, nil
}
