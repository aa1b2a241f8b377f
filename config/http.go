package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/internal/clip"
)

// The defaults of the http section, documented in the README's Limits
// table.
const (
	DefaultMaxConnections    = 256
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultImportReadTimeout = 10 * time.Minute
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultMaxBodyBytes      = 1 << 20
	DefaultMaxImportBytes    = 256 << 20
	DefaultPageSize          = 1000
	DefaultMaxPageSize       = 10000
)

// HTTP bounds what clients of the HTTP server may hold: connections, time
// and bytes. Zero fields take their defaults. The section takes effect at
// the next start, as listen does.
type HTTP struct {
	// MaxConnections is how many connections the listener keeps open at
	// once; more wait in the kernel's queue until one closes.
	MaxConnections int `yaml:"max_connections"`
	// ReadHeaderTimeout bounds the reading of a request's headers.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// ReadTimeout bounds the reading of a request's body on every endpoint
	// but the import.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// ImportReadTimeout bounds the reading of an authenticated import's
	// body (POST /api/v1/observations).
	ImportReadTimeout time.Duration `yaml:"import_read_timeout"`
	// WriteTimeout bounds the writing of a response from its first byte; a
	// long list renews it as it streams, so only a client that stops
	// reading is cut off.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// IdleTimeout is how long a kept-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes ByteSize `yaml:"max_header_bytes"`
	// MaxBodyBytes bounds the body of every endpoint but the import.
	MaxBodyBytes ByteSize `yaml:"max_body_bytes"`
	// MaxImportBytes bounds the body of an import.
	MaxImportBytes ByteSize `yaml:"max_import_bytes"`
	// PageSize is how many items a list endpoint returns without ?limit=.
	PageSize int `yaml:"page_size"`
	// MaxPageSize is the largest ?limit= a list endpoint accepts.
	MaxPageSize int `yaml:"max_page_size"`
}

func (h *HTTP) applyDefaults() {
	defInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	defSize := func(v *ByteSize, d ByteSize) {
		if *v == 0 {
			*v = d
		}
	}
	defInt(&h.MaxConnections, DefaultMaxConnections)
	defDur(&h.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	defDur(&h.ReadTimeout, DefaultReadTimeout)
	defDur(&h.ImportReadTimeout, DefaultImportReadTimeout)
	defDur(&h.WriteTimeout, DefaultWriteTimeout)
	defDur(&h.IdleTimeout, DefaultIdleTimeout)
	defSize(&h.MaxHeaderBytes, DefaultMaxHeaderBytes)
	defSize(&h.MaxBodyBytes, DefaultMaxBodyBytes)
	defSize(&h.MaxImportBytes, DefaultMaxImportBytes)
	defInt(&h.PageSize, DefaultPageSize)
	defInt(&h.MaxPageSize, DefaultMaxPageSize)
}

// validate reports every negative value and a page size above the maximum.
func (h *HTTP) validate(d *decoder) {
	for _, f := range []struct {
		key string
		v   int64
	}{
		{"max_connections", int64(h.MaxConnections)}, {"read_header_timeout", int64(h.ReadHeaderTimeout)},
		{"read_timeout", int64(h.ReadTimeout)}, {"import_read_timeout", int64(h.ImportReadTimeout)},
		{"write_timeout", int64(h.WriteTimeout)}, {"idle_timeout", int64(h.IdleTimeout)},
		{"max_header_bytes", int64(h.MaxHeaderBytes)}, {"max_body_bytes", int64(h.MaxBodyBytes)},
		{"max_import_bytes", int64(h.MaxImportBytes)}, {"page_size", int64(h.PageSize)},
		{"max_page_size", int64(h.MaxPageSize)},
	} {
		if f.v < 0 {
			d.add("http."+f.key, "must not be negative")
		}
	}
	if h.PageSize > h.MaxPageSize {
		d.add("http.page_size", "%d is above max_page_size %d", h.PageSize, h.MaxPageSize)
	}
}

// ByteSize is a number of bytes, written as an integer or with a unit:
// 65536, 64KiB, 1MiB, 256MiB, 1GiB (binary) or 1MB, 1GB (decimal).
type ByteSize int64

var byteUnits = []struct {
	suffix string
	factor int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

// UnmarshalText reads a size with or without a unit.
func (b *ByteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	factor := int64(1)
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, factor = strings.TrimSpace(n), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > (1<<62)/factor {
		return fmt.Errorf("%q is not a size (write e.g. 65536, 64KiB, 256MiB or 1GiB)", clip.Text(string(text)))
	}
	*b = ByteSize(n * factor)
	return nil
}

// UnmarshalYAML reads a size from YAML, so that a list or a mapping given
// for a size is reported as not a size.
func (b *ByteSize) UnmarshalYAML(data []byte) error {
	return b.UnmarshalText([]byte(strings.Trim(strings.TrimSpace(string(data)), `"'`)))
}

// String writes the size with the largest binary unit that divides it.
func (b ByteSize) String() string {
	for _, u := range []struct {
		suffix string
		factor int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if b != 0 && int64(b)%u.factor == 0 {
			return strconv.FormatInt(int64(b)/u.factor, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}
