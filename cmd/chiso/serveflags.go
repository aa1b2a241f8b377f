package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
)

// logOptions are chiso serve's logging flags, named as Prometheus and its
// exporters name them.
type logOptions struct {
	level, format string
}

func logFlags(fs *flag.FlagSet) *logOptions {
	o := &logOptions{level: "info", format: "logfmt"}
	fs.StringVar(&o.level, "log.level", o.level, "log level: debug, info, warn or error")
	fs.StringVar(&o.level, "log-level", o.level, "the same as --log.level (the older spelling)")
	fs.StringVar(&o.format, "log.format", o.format, "log format: logfmt or json")
	return o
}

// logger returns the logger the flags ask for, writing to w; a bad value
// is an error naming the flag.
func (o *logOptions) logger(w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(o.level)); err != nil {
		return nil, fmt.Errorf("--log.level %q: want debug, info, warn or error", o.level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch o.format {
	case "logfmt":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log.format %q: want logfmt or json", o.format)
}

// webOptions are chiso serve's listener flags, as exporters have them.
type webOptions struct {
	configFile string
	pprof      bool
}

func webFlags(fs *flag.FlagSet) *webOptions {
	o := &webOptions{}
	fs.StringVar(&o.configFile, "web.config.file", "",
		"`path` of a web configuration file enabling TLS or basic authentication, in the format of Prometheus's exporter-toolkit")
	fs.BoolVar(&o.pprof, "web.enable-pprof", false, "serve Go's profiler under /debug/pprof/")
	return o
}

// buildDate returns when the revision the binary was built from was
// committed, as the build recorded it; empty when it did not.
func buildDate() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.time" {
			return s.Value
		}
	}
	return ""
}
