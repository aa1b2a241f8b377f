// Package console is chiso's web interface for people: the health of the
// daemon and a grid of what is wrong at /, the findings, a series with its
// chart and every figure behind it, the alerts and silences, the rules and
// an import page. Pages are rendered on the server from embedded templates
// and read without JavaScript; writes need a signed-in token and carry a
// CSRF token.
package console

import (
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/server"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Alerting is what the console shows of alerting: the API's view, and the
// alerts grouped as the routing tree groups them. Its writes go through
// the API (Deps.API).
type Alerting interface {
	server.Alerting
	Groups(now time.Time) []alerts.AlertGroup
}

// ImportRecord is one past import.
type ImportRecord struct {
	ID                        int64
	Source                    string
	FinishedAt                time.Time
	Added, Revised, Unchanged int
}

// RuleSource is where a rule is written and its text.
type RuleSource struct {
	File string
	Line int    // 1-based line of the rule's first key
	Text string // the rule's lines as written; empty if the file cannot be read
}

// Deps is what the console shows and where its writes go.
type Deps struct {
	Status  server.Status
	Querier server.Querier // the catalogue
	// History returns every revision of the series, ordered by period and
	// then revision.
	History func(ctx context.Context, indicator, area string) ([]chiso.Observation, error)
	// Series returns the latest value of each series the daemon exports;
	// the grid at / has a cell for each.
	Series func() []server.SeriesValue
	// Alerting is what the alerts page shows; nil when the daemon runs no
	// alert manager.
	Alerting Alerting
	// API is the server's handler: every write of the console goes through
	// it as an API request with the signed-in token, so that the server
	// checks, scopes and audits it.
	API http.Handler
	// SignIn checks a token presented from the address remote and returns
	// the name of its holder; sign-in accepts a token the server knows.
	SignIn func(remote, token string) (name string, err error)
	// Read reads the observations of an uploaded file as an import would;
	// the dry run lists them row by row. Nil lists counts only.
	Read func(r io.Reader, name string, emit func(chiso.Observation) error) error
	// Imports returns the latest imports, newest first.
	Imports func(ctx context.Context, limit int) ([]ImportRecord, error)
	// Rule returns where a rule of a group is written.
	Rule    func(group, rule string) (RuleSource, bool)
	Version string
	Started time.Time
	// Now is the request's clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Location is the daemon's time zone, in which pages write times; nil
	// means UTC.
	Location *time.Location
	// Lang is the language the findings' messages are written in (the
	// daemon's language); pages in the other language write what a finding
	// found from its figures instead. "" means "vi".
	Lang string
	// MaxUploadBytes bounds an uploaded file; zero means 64 MiB.
	MaxUploadBytes int64
	// UploadReadTimeout is how long a signed-in upload may take to arrive,
	// as an import through the API; zero means 10 minutes. Before its token
	// is checked an upload has the server's ordinary read timeout.
	UploadReadTimeout time.Duration
}

// Console serves the pages.
type Console struct {
	deps    Deps
	mux     *http.ServeMux
	pages   map[string]*template.Template // by language
	uploads *uploads
	reading chan struct{} // a place for each upload read at once
}

// maxReading is how many uploads are read at once: each is held in
// memory, up to MaxUploadBytes, until its dry run is done.
const maxReading = 2

// New returns the console for deps.
func New(deps Deps) *Console {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Location == nil {
		deps.Location = time.UTC
	}
	if deps.UploadReadTimeout == 0 {
		deps.UploadReadTimeout = 10 * time.Minute
	}
	if deps.MaxUploadBytes == 0 {
		deps.MaxUploadBytes = 64 << 20
	}
	c := &Console{deps: deps, mux: http.NewServeMux(), pages: map[string]*template.Template{},
		uploads: newUploads(4, 2*deps.MaxUploadBytes, 30*time.Minute), reading: make(chan struct{}, maxReading)}
	for _, lang := range []string{"vi", "en"} {
		c.pages[lang] = template.Must(template.New("").Funcs(funcs(lang, deps.Location)).ParseFS(templateFS, "templates/*.html"))
	}
	c.routes()
	return c
}

func (c *Console) routes() {
	assets, _ := fs.Sub(assetFS, "assets")
	c.mux.Handle("GET /assets/", http.StripPrefix("/assets/", cacheAssets(http.FileServerFS(assets))))
	c.mux.HandleFunc("GET /{$}", c.home)
	c.mux.HandleFunc("GET /findings", c.findings)
	c.mux.HandleFunc("GET /series/{indicator}/{area}", c.series)
	c.mux.HandleFunc("GET /alerts", c.alertsPage)
	c.mux.HandleFunc("POST /alerts/{fingerprint}/ack", c.write(c.ack))
	c.mux.HandleFunc("POST /silences", c.write(c.addSilence))
	c.mux.HandleFunc("POST /silences/{id}/expire", c.write(c.expireSilence))
	c.mux.HandleFunc("GET /rules", c.rulesPage)
	c.mux.HandleFunc("GET /import", c.importPage)
	c.mux.HandleFunc("POST /import", c.upload)
	c.mux.HandleFunc("POST /import/commit", c.write(c.commit))
	c.mux.HandleFunc("GET /signin", c.signinPage)
	c.mux.HandleFunc("POST /signin", c.signin)
	c.mux.HandleFunc("POST /signout", c.signout)
	c.mux.HandleFunc("GET /lang/{lang}", c.setLang)
	c.mux.HandleFunc("/", c.notFound)
}

// ServeHTTP serves the pages.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'none'; form-action 'self'; frame-ancestors 'none'")
	c.mux.ServeHTTP(w, r)
}

func cacheAssets(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// files only: the folder's listing is nobody's business
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// view is what every page's layout reads.
type view struct {
	Lang     string
	Title    string
	Nav      string // the menu entry to mark
	Path     string // the request's path and query, for the language switch
	CSRF     string
	SignedIn bool
	Version  string
	Body     any
}

// render writes the page name with body in the request's language.
func (c *Console) render(w http.ResponseWriter, r *http.Request, code int, name, title, nav string, body any) {
	lang := langOf(r)
	path := r.URL.RequestURI()
	if r.Method != http.MethodGet { // a form's answer: switching language goes to the page, not the form
		path = "/"
		if nav != "home" && nav != "" {
			path += nav
		}
	}
	v := view{Lang: lang, Title: title, Nav: nav, Path: path, CSRF: c.csrf(w, r),
		SignedIn: c.signedIn(r), Version: c.deps.Version, Body: body}
	var buf bytes.Buffer
	if err := c.pages[lang].ExecuteTemplate(&buf, name, v); err != nil {
		c.deps.Logger.Error("render a console page", "page", name, "err", err)
		http.Error(w, "the page could not be rendered: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Add("Vary", "Accept-Encoding")
	if buf.Len() < gzipMin || !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.WriteHeader(code)
		_, _ = w.Write(buf.Bytes())
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	w.WriteHeader(code)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(w)
	_, _ = zw.Write(buf.Bytes())
	_ = zw.Close()
	gzipWriters.Put(zw)
}

// gzipMin is the smallest page sent compressed: the grid of a large
// catalogue is a megabyte of HTML, a phone's link is slow.
const gzipMin = 8 << 10

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

// problem answers a page that cannot be shown, saying why in the
// request's language.
func (c *Console) problem(w http.ResponseWriter, r *http.Request, code int, msg string) {
	c.render(w, r, code, "problem", tr(langOf(r), "Không thực hiện được", "Cannot do that"), "", msg)
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	c.problem(w, r, http.StatusNotFound, tr(lang, "Không có trang ", "There is no page ")+quote(r.URL.Path))
}
