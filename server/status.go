package server

import (
	"io"
	"net/http"
	"net/http/pprof"
	"os"
	"regexp"
	"strings"
)

// BuildInfo is what GET /api/v1/status/buildinfo answers, with the field
// names Prometheus's endpoint of the same path uses, so that tools reading
// one read the other.
type BuildInfo struct {
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	Branch    string `json:"branch"`
	BuildUser string `json:"buildUser"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
}

// configStatus is GET /api/v1/status/config's data, shaped as Prometheus's.
type configStatus struct {
	YAML string `json:"yaml"`
}

// statusRoutes adds the build and configuration status endpoints, and the
// Go profiler under /debug/pprof/ when Deps.Pprof is set.
func (s *Server) statusRoutes(handle func(pattern, name string, h http.HandlerFunc)) {
	handle("GET /api/v1/status/buildinfo", "buildinfo", func(w http.ResponseWriter, _ *http.Request) {
		writeData(w, http.StatusOK, s.deps.Build)
	})
	handle("GET /api/v1/status/config", "config", s.getConfig)
	if !s.deps.Pprof {
		return
	}
	// Not bounded by the write timeout: a CPU profile or a trace takes as
	// long as the client asks (?seconds=30).
	s.mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	s.mux.HandleFunc("GET /debug/pprof/cmdline", cmdline)
	s.mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	s.mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	s.mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}

// cmdline is pprof's /debug/pprof/cmdline, the arguments separated by NUL
// bytes, with the password of every URL in them (--db postgres://…)
// replaced: the endpoint asks for no token.
func cmdline(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	args := make([]string, len(os.Args))
	for i, a := range os.Args {
		a = argURLPassword.ReplaceAllString(a, "${1}xxxxx@")
		args[i] = argParamPassword.ReplaceAllString(a, "${1}xxxxx")
	}
	_, _ = io.WriteString(w, strings.Join(args, "\x00"))
}

var (
	// to the last @: a password may hold one
	argURLPassword   = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:).*@`)
	argParamPassword = regexp.MustCompile(`(?i)((?:^|[?&\s])password=)[^&\s]*`)
)

// getConfig answers the running configuration as YAML, its secrets
// (tokens, passwords, signing keys) masked.
func (s *Server) getConfig(w http.ResponseWriter, _ *http.Request) {
	if s.deps.Config == nil {
		writeError(w, http.StatusServiceUnavailable, errorf("the configuration is not available"))
		return
	}
	b, err := s.deps.Config()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeData(w, http.StatusOK, configStatus{YAML: string(b)})
}
