package ingest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/chiso-vn/chiso"
)

// Options say how to read an observation file.
type Options struct {
	// Locale is how printed figures are read; empty is Vietnamese.
	Locale Locale
	// Catalogue holds the indicators and areas rows may name; required.
	Catalogue *chiso.Catalogue
	// Source is the source of rows that name none; empty means the file's
	// base name.
	Source string
	// Sheet is the only worksheet of an XLSX file to read; empty means
	// every sheet.
	Sheet string
	// Format is csv, json or xlsx; empty means the name's extension.
	Format string
	// Lang is the language of error messages: "vi" (the default when
	// empty) or "en".
	Lang string
	// Places, when not nil, keeps where the figures were read after Read
	// returns, for an emit that reports repeated cells late (see Places).
	Places *Places
	// MaxUnpacked is the most bytes an XLSX file may unpack to, all its
	// parts together, and the most bytes Read takes of one; zero means
	// DefaultMaxUnpacked (1 GiB). A larger workbook is refused before a cell
	// is read.
	MaxUnpacked int64
	// UnpackInMemory is the largest part of an XLSX file (a worksheet, the
	// shared texts) unpacked into memory; a larger one is unpacked to a
	// temporary file. Zero means DefaultUnpackInMemory (1 MiB).
	UnpackInMemory int64
	// MaxCells is the most cells read from an XLSX file, all sheets
	// together; zero means DefaultMaxCells (20,000,000). Reading stops at
	// the row that passes it, with an error.
	MaxCells int
	// MaxTexts is the most distinct texts (shared strings) an XLSX file may
	// hold; zero means DefaultMaxTexts (2,000,000). A workbook with more is
	// refused before a cell is read.
	MaxTexts int
}

// Read reads observations from r, which is named name in errors and
// provenance; the format is opts.Format or else name's extension (.csv,
// .json, .xlsx). It calls emit for every valid row, in file order, even
// when other rows are bad, and returns an *ErrorList of every bad row (nil
// if none): an importer that wants all or nothing discards what it was
// given when Read returns an error. An error from emit stops reading and is
// returned as is. An XLSX body is copied to a temporary file first (the
// format needs random access), and refused beyond Options.MaxUnpacked.
func Read(r io.Reader, name string, opts Options, emit func(chiso.Observation) error) error {
	rd, format, err := newReader(name, opts, emit)
	if err != nil {
		return err
	}
	switch format {
	case "csv":
		err = rd.readCSV(r)
	case "json":
		err = rd.readJSON(r)
	case "xlsx":
		err = rd.readXLSXReader(r)
	}
	return rd.finish(err)
}

// ReadFile reads the observation file at path, as Read does.
func ReadFile(path string, opts Options, emit func(chiso.Observation) error) error {
	rd, format, err := newReader(path, opts, emit)
	if err != nil {
		return err
	}
	if format == "xlsx" {
		return rd.finish(rd.readXLSXFile(path))
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read observations: %w", err)
	}
	defer f.Close()
	if format == "csv" {
		return rd.finish(rd.readCSV(f))
	}
	return rd.finish(rd.readJSON(f))
}

// formatOf returns the format to read name in.
func formatOf(name, format string) (string, error) {
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
	}
	switch format {
	case "csv", "json", "xlsx":
		return format, nil
	}
	return "", problem("unknown_format", "read %s: unknown format %s (want csv, json or xlsx)", "đọc %s: không nhận ra định dạng %s (cần csv, json hoặc xlsx)", name, quote(format))
}

// errStop marks an error from emit, returned to Read's caller as is.
type errStop struct{ err error }

func (e errStop) Error() string { return e.err.Error() }

// finish turns the outcome of a read into Read's result.
func (rd *reader) finish(err error) error {
	var stop errStop
	switch {
	case errors.As(err, &stop):
		return stop.err
	case err != nil:
		return err
	}
	rd.verdict()
	return rd.errs.err()
}
