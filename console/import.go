package console

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"

	"github.com/chiso-vn/chiso/server"
)

type importView struct {
	Imports []ImportRecord
	Result  *importResult
	Errors  []string // problems with the request itself
}

// importResult is a dry run's or a commit's outcome.
type importResult struct {
	Name        string
	DryRun      bool
	UploadID    string // to commit the dry-run file; empty after a commit
	Summary     server.ImportSummary
	ByIndicator []indicatorCounts
	Problems    []server.InputError
	More        int
	MoreSummary string
	Refusal     string      // why the API refused the file; empty when it read it
	Status      int         // the API's status when it refused
	Rows        []importRow // the file's first rows, with what each would do
	RowsMore    int         // rows beyond those listed
}

// importRow is one figure of a dry run and what it would do to its cell.
type importRow struct {
	Indicator, Area, Period string
	Figure, Raw             string
	Change                  string // added, revised or unchanged
	Before                  string // the current figure a revision replaces
}

// maxDryRunRows is how many rows a dry run lists.
const maxDryRunRows = 200

type indicatorCounts struct {
	Code, Name string
	server.ImportCounts
}

func (c *Console) importPage(w http.ResponseWriter, r *http.Request) {
	c.renderImport(w, r, http.StatusOK, importView{})
}

func (c *Console) renderImport(w http.ResponseWriter, r *http.Request, code int, v importView) {
	if c.deps.Imports != nil {
		v.Imports, _ = c.deps.Imports(r.Context(), 10)
	}
	c.render(w, r, code, "import", tr(langOf(r), "Nhập dữ liệu", "Import"), "import", v)
}

// upload reads an uploaded file and dry-runs it: the form's first part
// must be the CSRF value, checked with the token before the file is read.
func (c *Console) upload(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	mr, err := r.MultipartReader()
	if err != nil {
		c.problem(w, r, http.StatusBadRequest, tr(lang, "Biểu mẫu tải lên không đọc được: ", "The upload form cannot be read: ")+err.Error())
		return
	}
	part, err := mr.NextPart()
	var csrfValue []byte
	if err == nil && part.FormName() == csrfField {
		csrfValue, _ = io.ReadAll(io.LimitReader(part, 128))
	}
	if !c.authorized(w, r, string(csrfValue)) {
		return
	}
	// Anyone can set a token cookie: the token is checked (and a wrong
	// one counted against the address) before the file is read.
	if _, err := c.deps.SignIn(r.RemoteAddr, token(r)); err != nil {
		a := apiAnswer{Status: http.StatusUnauthorized, Body: envelope{Error: err.Error()}}
		var ae *server.AccessError
		if errors.As(err, &ae) {
			a.Status = ae.Status
		}
		c.refused(w, r, a, tr(lang, "Không kiểm tra được tệp", "Cannot dry-run the file"))
		return
	}
	// The file is held in memory until its dry run is done: a few at once.
	select {
	case c.reading <- struct{}{}:
		defer func() { <-c.reading }()
	default:
		w.Header().Set("Retry-After", "30")
		c.renderImport(w, r, http.StatusServiceUnavailable, importView{Errors: []string{tr(lang,
			"Đang kiểm tra các tệp khác; hãy thử lại sau ít phút. Không có gì được lưu.",
			"Other files are being checked; try again in a minute. Nothing was stored.")}})
		return
	}
	// signed in: the file may take as long to arrive as an API import
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(c.deps.UploadReadTimeout))
	name, data, err := readFilePart(mr, c.deps.MaxUploadBytes, lang)
	if err != nil {
		c.renderImport(w, r, http.StatusBadRequest, importView{Errors: []string{err.Error()}})
		return
	}
	res := c.runImport(r, name, data, true)
	if res.Status == 0 {
		c.listRows(r, res, name, data)
	}
	code := cmp.Or(res.Status, http.StatusOK)
	if res.Status == 0 {
		if res.UploadID, err = c.uploads.put(owner(r), name, data); err != nil {
			res.UploadID = ""
			c.renderImport(w, r, http.StatusServiceUnavailable, importView{Result: res, Errors: []string{err.Error()}})
			return
		}
	}
	c.renderImport(w, r, code, importView{Result: res})
}

// maxNameBytes bounds an uploaded file's name, which becomes the import's
// source: what a file system holds.
const maxNameBytes = 255

// readFilePart reads the form's file, refusing other kinds of file and
// files over max bytes.
func readFilePart(mr *multipart.Reader, max int64, lang string) (string, []byte, error) {
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return "", nil, errors.New(tr(lang, "Chưa chọn tệp nào.", "No file was chosen."))
		}
		if err != nil {
			return "", nil, errors.New(tr(lang, "Biểu mẫu tải lên không đọc được: ", "The upload form cannot be read: ") + err.Error())
		}
		if part.FormName() != "file" {
			continue
		}
		name := filepath.Base(part.FileName())
		if len(name) > maxNameBytes {
			return "", nil, errors.New(tr(lang, "Tên tệp ", "The file name ") + quote(name) +
				tr(lang, " dài hơn 255 byte; hãy đặt tên ngắn hơn.", " is longer than 255 bytes; give the file a shorter name."))
		}
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".csv" && ext != ".xlsx" && ext != ".json" {
			return "", nil, errors.New(tr(lang, "Tệp ", "File ") + quote(name) + tr(lang, " không phải CSV, XLSX hay JSON.", " is not CSV, XLSX or JSON."))
		}
		data, err := io.ReadAll(io.LimitReader(part, max+1))
		if err != nil {
			return "", nil, errors.New(tr(lang, "Tệp ", "File ") + quote(name) + tr(lang, " không đọc hết được: ", " could not be read: ") + err.Error())
		}
		if int64(len(data)) > max {
			return "", nil, errors.New(tr(lang, "Tệp ", "File ") + quote(name) + tr(lang, " quá lớn: tối đa ", " is too large: at most ") +
				byteText(max) + tr(lang, ". Không có gì được lưu.", ". Nothing was stored."))
		}
		if len(data) == 0 {
			return "", nil, errors.New(tr(lang, "Tệp ", "File ") + quote(name) + tr(lang, " rỗng.", " is empty."))
		}
		return name, data, nil
	}
}

func byteText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// runImport imports the file, or dry-runs it, through the API: problems
// with its rows, or rows outside the token's areas, are the result's.
func (c *Console) runImport(r *http.Request, name string, data []byte, dryRun bool) *importResult {
	res := &importResult{Name: name, DryRun: dryRun}
	q := url.Values{"name": {name}}
	if dryRun {
		q.Set("dry_run", "1")
	}
	a := c.api(r, http.MethodPost, "/api/v1/observations?"+q.Encode(), "application/octet-stream", bytes.NewReader(data))
	if a.Status != http.StatusOK {
		res.Problems, res.More, res.MoreSummary = a.Body.Errors, a.Body.More, a.Body.MoreSummary
		res.Refusal = a.Body.Error
		res.Status = a.Status
		return res
	}
	var sum server.ImportSummary
	if err := json.Unmarshal(a.Body.Data, &sum); err != nil {
		res.Refusal, res.Status = "the API's answer cannot be read: "+err.Error(), http.StatusBadGateway
		return res
	}
	res.Summary = sum
	cat, cerr := c.deps.Querier.Catalogue(r.Context())
	var names *namer
	if cerr == nil {
		names = c.names(cat, langOf(r))
	}
	for code, n := range sum.ByIndicator {
		ic := indicatorCounts{Code: code, Name: code, ImportCounts: n}
		if names != nil {
			ic.Name = names.indicator(code)
		}
		res.ByIndicator = append(res.ByIndicator, ic)
	}
	slices.SortFunc(res.ByIndicator, func(a, b indicatorCounts) int { return cmp.Compare(a.Name, b.Name) })
	return res
}

// commit imports the file a dry run kept.
func (c *Console) commit(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	up, ok := c.uploads.take(r.PostForm.Get("upload"), owner(r))
	if !ok {
		c.renderImport(w, r, http.StatusNotFound, importView{Errors: []string{tr(lang,
			"Không còn tệp đã kiểm tra này (đã lưu, đã quá 30 phút, hoặc daemon đã khởi động lại). Hãy tải lên lại; không có gì được lưu.",
			"The dry-run file is gone (already committed, older than 30 minutes, or the daemon restarted). Upload it again; nothing was stored.")}})
		return
	}
	res := c.runImport(r, up.name, up.data, false)
	c.renderImport(w, r, cmp.Or(res.Status, http.StatusOK), importView{Result: res})
}

// uploads keeps the files of dry runs until they are committed, within a
// count and a size, each for a while.
type uploads struct {
	mu       sync.Mutex
	max      int
	maxBytes int64
	ttl      time.Duration
	files    map[string]upload
}

type upload struct {
	owner string // the digest of the token that dry-ran it
	name  string
	data  []byte
	at    time.Time
}

// owner names the signed-in token by its digest, so that a dry run is
// committed by the token that made it; the token itself is not kept.
func owner(r *http.Request) string {
	sum := sha256.Sum256([]byte(token(r)))
	return hex.EncodeToString(sum[:])
}

func newUploads(max int, maxBytes int64, ttl time.Duration) *uploads {
	return &uploads{max: max, maxBytes: maxBytes, ttl: ttl, files: map[string]upload{}}
}

// put keeps a file of owner and returns its id; the oldest files make
// room.
func (u *uploads) put(owner, name string, data []byte) (string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	now := time.Now()
	var total int64
	for id, f := range u.files {
		if now.Sub(f.at) > u.ttl {
			delete(u.files, id)
			continue
		}
		total += int64(len(f.data))
	}
	for len(u.files) >= u.max || total+int64(len(data)) > u.maxBytes && len(u.files) > 0 {
		oldest := ""
		for id, f := range u.files {
			if oldest == "" || f.at.Before(u.files[oldest].at) {
				oldest = id
			}
		}
		total -= int64(len(u.files[oldest].data))
		delete(u.files, oldest)
	}
	if int64(len(data)) > u.maxBytes {
		return "", errors.New("the file is larger than what the console keeps between a dry run and its commit")
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	u.files[id] = upload{owner: owner, name: name, data: data, at: now}
	return id, nil
}

// take returns and forgets a kept file of owner; another's file stays.
func (u *uploads) take(id, owner string) (upload, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f, ok := u.files[id]
	if ok && subtle.ConstantTimeCompare([]byte(f.owner), []byte(owner)) != 1 {
		return upload{}, false
	}
	if !ok || time.Since(f.at) > u.ttl {
		delete(u.files, id)
		return upload{}, false
	}
	delete(u.files, id)
	return f, true
}

// listRows reads the dry run's first rows again and says of each whether
// it adds a figure, revises the current one (and which) or changes nothing.
func (c *Console) listRows(r *http.Request, res *importResult, name string, data []byte) {
	if c.deps.Read == nil {
		return
	}
	lang := langOf(r)
	var obs []chiso.Observation
	err := c.deps.Read(bytes.NewReader(data), name, func(o chiso.Observation) error {
		if len(obs) == maxDryRunRows {
			res.RowsMore++
			return nil
		}
		obs = append(obs, o)
		return nil
	})
	if err != nil {
		return // the dry run read it: a second read that fails lists nothing
	}
	cat, err := c.deps.Querier.Catalogue(r.Context())
	if err != nil {
		return
	}
	names := c.names(cat, lang)
	current := map[chiso.SeriesKey]map[chiso.Period]chiso.Observation{}
	for _, o := range obs {
		cur, ok := current[o.Key()]
		if !ok {
			cur = map[chiso.Period]chiso.Observation{}
			hist, err := c.deps.History(r.Context(), o.Indicator, o.Area)
			if err != nil {
				return
			}
			for _, pf := range byPeriod(hist) {
				cur[pf.Period] = pf.Current
			}
			current[o.Key()] = cur
		}
		ind, _ := cat.Indicator(o.Indicator)
		row := importRow{Indicator: names.indicator(o.Indicator), Area: names.area(o.Area), Period: periodText(o.Period, lang),
			Figure: checks.FormatFigure(o.Value, o.Qualifier, ind.Unit, lang), Raw: o.Raw, Change: "added"}
		if old, ok := cur[o.Period]; ok {
			row.Change = "unchanged"
			if !old.SameFigure(o) {
				row.Change, row.Before = "revised", checks.FormatFigure(old.Value, old.Qualifier, ind.Unit, lang)
			}
		}
		cur[o.Period] = o // a later row of the file for the same cell revises this one
		res.Rows = append(res.Rows, row)
	}
}
