package server

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bound what one client may hold of the server: connections, time
// and bytes of each request, and items of each page. A zero field takes its
// value from DefaultLimits.
type Limits struct {
	// MaxConnections is how many connections the listener keeps open at
	// once; further ones wait in the kernel's accept queue.
	MaxConnections int
	// ReadHeaderTimeout bounds the reading of the request line and headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the reading of a request body, except an
	// authenticated import's.
	ReadTimeout time.Duration
	// ImportReadTimeout bounds the reading of an authenticated import's body.
	ImportReadTimeout time.Duration
	// WriteTimeout bounds the writing of a response from its first byte; a
	// list renews it as it streams, so that only a client that stops
	// reading is cut off, not a large answer.
	WriteTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection waits for its next
	// request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers, in bytes.
	MaxHeaderBytes int
	// MaxBodyBytes bounds the body of every endpoint but the import, in
	// bytes; a larger one is refused with 413.
	MaxBodyBytes int64
	// MaxImportBytes bounds the body of POST /api/v1/observations, in bytes.
	MaxImportBytes int64
	// PageSize is how many items a list returns without ?limit=.
	PageSize int
	// MaxPageSize is the largest ?limit= a list accepts; a larger one is
	// refused with 400.
	MaxPageSize int
}

// DefaultLimits returns the limits of a server configured with none; the
// config package documents the same values.
func DefaultLimits() Limits {
	return Limits{MaxConnections: 256, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		ImportReadTimeout: 10 * time.Minute, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, MaxBodyBytes: 1 << 20, MaxImportBytes: 256 << 20, PageSize: 1000, MaxPageSize: 10000}
}

// withDefaults fills the zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	def := func(v *time.Duration, dv time.Duration) {
		if *v <= 0 {
			*v = dv
		}
	}
	def(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	def(&l.ReadTimeout, d.ReadTimeout)
	def(&l.ImportReadTimeout, d.ImportReadTimeout)
	def(&l.WriteTimeout, d.WriteTimeout)
	def(&l.IdleTimeout, d.IdleTimeout)
	for _, f := range []struct{ v, d *int }{{&l.MaxConnections, &d.MaxConnections}, {&l.MaxHeaderBytes, &d.MaxHeaderBytes},
		{&l.PageSize, &d.PageSize}, {&l.MaxPageSize, &d.MaxPageSize}} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	if l.MaxImportBytes <= 0 {
		l.MaxImportBytes = d.MaxImportBytes
	}
	l.PageSize = min(l.PageSize, l.MaxPageSize)
	return l
}

// HTTPServer returns an http.Server that serves the server's routes with
// its timeouts and header limit. The per-request deadlines that the
// handlers set override its ReadTimeout and WriteTimeout, which bound the
// requests no route matched.
func (s *Server) HTTPServer(errorLog *log.Logger) *http.Server {
	return &http.Server{Handler: s.Handler(), ReadHeaderTimeout: s.lim.ReadHeaderTimeout,
		ReadTimeout: s.lim.ReadHeaderTimeout + s.lim.ReadTimeout, WriteTimeout: s.lim.WriteTimeout,
		IdleTimeout: s.lim.IdleTimeout, MaxHeaderBytes: s.lim.MaxHeaderBytes, ErrorLog: errorLog}
}

// Listener bounds the connections ln keeps open at once to MaxConnections:
// slow clients then hold at most that many file descriptors, and the
// timeouts free their places.
func (s *Server) Listener(ln net.Listener) net.Listener {
	return netutil.LimitListener(ln, s.lim.MaxConnections)
}

// bounded applies what every endpoint shares: a body of at most maxBody
// bytes, read within ReadTimeout, and a write deadline that counts from
// the response's first byte. A request without a body gets no read
// deadline: once its headers are read the server only watches the
// connection for a close, and a deadline there would cancel the request's
// context while the handler works.
func (s *Server) bounded(maxBody int64, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		dw := &deadlineWriter{ResponseWriter: w, rc: rc, timeout: s.lim.WriteTimeout}
		if r.ContentLength > maxBody {
			writeError(dw, http.StatusRequestEntityTooLarge, tooLarge(maxBody))
			return
		}
		if r.Body == nil || r.Body == http.NoBody {
			_ = rc.SetReadDeadline(time.Time{}) // an error: not a connection (a test recorder)
		} else {
			_ = rc.SetReadDeadline(time.Now().Add(s.lim.ReadTimeout))
			r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, maxBody), rc: rc}
		}
		h(dw, r)
	}
}

// longRead gives an authenticated import ImportReadTimeout to send its
// body: an anonymous client never gets more than ReadTimeout.
func (s *Server) longRead(h writeHandler) writeHandler {
	return func(w http.ResponseWriter, r *http.Request, p Principal, n *note) {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.lim.ImportReadTimeout))
		h(w, r, p, n)
	}
}

// limitedBody is a request body that remembers why reading it failed.
type limitedBody struct {
	io.ReadCloser
	rc  *http.ResponseController
	err error // the first read error other than EOF
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		// The body is read: lift the deadline, which would otherwise
		// cancel the request while the handler works on what it read.
		_ = b.rc.SetReadDeadline(time.Time{})
	case err != nil && b.err == nil:
		b.err = err
	}
	return n, err
}

// bodyStatus returns 413 with its reason when the request's body exceeded
// its limit, 408 when it was not sent in time, else code and err.
func bodyStatus(r *http.Request, code int, err error) (int, error) {
	b, ok := r.Body.(*limitedBody)
	if !ok || b.err == nil {
		return code, err
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(b.err, &tooBig):
		return http.StatusRequestEntityTooLarge, tooLarge(tooBig.Limit)
	case errors.Is(b.err, os.ErrDeadlineExceeded):
		return http.StatusRequestTimeout, errorf("the request body was not received in time")
	}
	return code, err
}

// writeBodyError answers err with code, or with 413 or 408 when reading
// the body failed for its size or its slowness.
func writeBodyError(w http.ResponseWriter, r *http.Request, code int, err error) {
	code, err = bodyStatus(r, code, err)
	writeError(w, code, err)
}

func tooLarge(limit int64) error {
	return errorf("the request body is larger than %s, the most this endpoint accepts", byteSize(limit))
}

// byteSize writes n bytes with the largest binary unit that divides it.
func byteSize(n int64) string {
	for _, u := range []struct {
		unit   string
		factor int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n > 0 && n%u.factor == 0 {
			return strconv.FormatInt(n/u.factor, 10) + " " + u.unit
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// deadlineWriter sets the write deadline when the response starts and when
// a streaming list asks, so that WriteTimeout bounds a stalled client, not
// the time a handler takes nor the size of its answer.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	started bool
}

func (d *deadlineWriter) WriteHeader(code int) {
	d.start()
	d.ResponseWriter.WriteHeader(code)
}

func (d *deadlineWriter) Write(b []byte) (int, error) {
	d.start()
	return d.ResponseWriter.Write(b)
}

// Flush sends what is buffered.
func (d *deadlineWriter) Flush() { _ = d.rc.Flush() }

// Unwrap lets http.ResponseController reach the connection.
func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

func (d *deadlineWriter) start() {
	if !d.started {
		d.started = true
		d.renew()
	}
}

func (d *deadlineWriter) renew() { _ = d.rc.SetWriteDeadline(time.Now().Add(d.timeout)) }

// renewWriteDeadline gives a streaming response another WriteTimeout.
func renewWriteDeadline(w http.ResponseWriter) {
	if d, ok := w.(*deadlineWriter); ok {
		d.renew()
	}
}
