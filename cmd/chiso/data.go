package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/store"
)

func init() {
	commands["import"] = command{summary: "import observations from CSV, JSON or XLSX files", run: runImport}
	commands["export"] = command{summary: "export observations as canonical CSV", run: runExport}
	commands["history"] = command{summary: "show every revision of one indicator for one area", run: runHistory}
}

// openExisting opens the database named by --db (a SQLite file or a
// postgres:// URL), refusing to create one: only init and serve create
// databases.
func openExisting(ctx context.Context, e *env) (daemon.Database, error) {
	ok, err := daemon.DatabaseExists(ctx, e.db)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no database at %s: run 'chiso init' (with --sample for the sample data) or pass --db", daemon.DatabaseName(e.db))
	}
	return daemon.OpenDatabase(ctx, e.db)
}

// fail prints an error for a command and returns exit code 1.
func fail(e *env, name string, err error) int {
	fmt.Fprintf(e.stderr, "chiso %s: %v\n", name, err)
	return 1
}

func runImport(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "import", "FILE...")
	locale := fs.String("locale", "vi", "how printed figures are read: vi (1.307,44) or en (1,307.44)")
	dryRun := fs.Bool("dry-run", false, "show what would change and store nothing")
	sheet := fs.String("sheet", "", "the only XLSX worksheet to read (default: every sheet)")
	source := fs.String("source", "", "source of rows that name none (default: the file name)")
	lang := fs.String("lang", "vi", "language of error messages: vi or en")
	cf := addClientFlags(fs)
	fs.Lookup("url").Usage = "send the files to the daemon at this URL, as the token allows (--token-file), instead of writing the database"
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	loc, err := ingest.ParseLocale(*locale)
	if err != nil {
		return usageError(e, fs, err)
	}
	if *lang != "vi" && *lang != "en" {
		return usageError(e, fs, fmt.Errorf("unknown language %q (want vi or en)", *lang))
	}
	if cf.urlSet {
		if *sheet != "" || *locale != "vi" || *lang != "vi" {
			return usageError(e, fs, errors.New("--sheet, --locale and --lang are the daemon's own with --url (its configuration's locale and language)"))
		}
		return importRemote(ctx, e, cf, fs.Args(), *source, *dryRun)
	}
	db, err := openExisting(ctx, e)
	if err != nil {
		return fail(e, "import", err)
	}
	defer db.Close()
	cat, err := db.Catalogue(ctx)
	if err != nil {
		return fail(e, "import", err)
	}
	opts := ingest.Options{Locale: loc, Catalogue: cat, Sheet: *sheet, Source: *source, Lang: *lang}
	code := 0
	for _, path := range fs.Args() {
		if err := importFile(ctx, e, db, path, opts, *dryRun); err != nil {
			printImportError(e.stderr, path, err, *lang)
			code = 1
		}
	}
	return code
}

// usageError reports a bad flag value as flag parsing does: the message,
// the usage, exit code 2.
func usageError(e *env, fs *flag.FlagSet, err error) int {
	fmt.Fprintf(e.stderr, "%s: %v\n", fs.Name(), err)
	fs.Usage()
	return 2
}

// printImportError says that a file was not imported and why: the list of
// its problems, each naming its place, or the one error that stopped it.
func printImportError(w io.Writer, path string, err error, lang string) {
	var list *ingest.ErrorList
	switch {
	case errors.As(err, &list) && lang == "en":
		fmt.Fprintf(w, "chiso import: %s: nothing imported, %s:\n%v\n", path, plural(list.Len(), "problem", "problems"), list)
	case errors.As(err, &list):
		fmt.Fprintf(w, "chiso import: %s: không nhập gì, %s lỗi:\n%v\n", path, ingest.FormatNumber(float64(list.Len()), ingest.Vietnamese), list)
	case lang == "en":
		fmt.Fprintf(w, "chiso import: %s: nothing imported: %s\n", path, ingest.Message(err, lang))
	default:
		fmt.Fprintf(w, "chiso import: %s: không nhập gì: %s\n", path, ingest.Message(err, lang))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return ingest.FormatNumber(float64(n), ingest.English) + " " + many
}

// importFile imports one file in one transaction and prints its summary.
func importFile(ctx context.Context, e *env, db daemon.Database, path string, opts ingest.Options, dryRun bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a folder, not a file", path)
	}
	progress := newProgress(e.stderr, f, path)
	defer progress.done()
	src := opts.Source
	if src == "" {
		src = baseName(path)
	}
	opts.Places = &ingest.Places{}
	res, err := db.Import(ctx, store.ImportOptions{Source: src, DryRun: dryRun, Now: time.Now()},
		readAhead(func(emit func(chiso.Observation) error) error {
			return ingest.Read(progress.reader(), path, opts, emit)
		}, opts.Places))
	progress.done()
	auditLocalImport(ctx, e, db, path, src, res, dryRun, err)
	if err != nil {
		return err
	}
	printImport(e.stdout, path, res, dryRun)
	return nil
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

// printImport writes an import's summary: the totals, then per indicator.
func printImport(w io.Writer, path string, res store.ImportResult, dryRun bool) {
	verb := "imported"
	if dryRun {
		verb = "would import (dry run, nothing stored)"
	}
	fmt.Fprintf(w, "%s %s: %d added, %d revised, %d unchanged\n", verb, path, res.Added, res.Revised, res.Unchanged)
	codes := make([]string, 0, len(res.ByIndicator))
	for c := range res.ByIndicator {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "indicator\tadded\trevised\tunchanged\t")
	for _, c := range codes {
		n := res.ByIndicator[c]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", c, n.Added, n.Revised, n.Unchanged)
	}
	tw.Flush()
}

func runExport(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "export", "")
	all := fs.Bool("all-revisions", false, "export every revision, with revision and ingested_at columns")
	out := fs.String("o", "-", "output file; - is standard output")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	db, err := openExisting(ctx, e)
	if err != nil {
		return fail(e, "export", err)
	}
	defer db.Close()
	w := e.stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return fail(e, "export", err)
		}
		defer f.Close()
		w = f
	}
	cw := ingest.NewCSVWriter(w, *all)
	if _, err := db.Scan(ctx, 0, *all, cw.Write); err != nil {
		return fail(e, "export", err)
	}
	if err := cw.Flush(); err != nil {
		return fail(e, "export", err)
	}
	return 0
}

func runHistory(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "history", "INDICATOR AREA")
	locale := fs.String("locale", "vi", "how values are printed: vi (1.307,44) or en (1,307.44)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 2
	}
	loc, err := ingest.ParseLocale(*locale)
	if err != nil {
		return usageError(e, fs, err)
	}
	db, err := openExisting(ctx, e)
	if err != nil {
		return fail(e, "history", err)
	}
	defer db.Close()
	ind, area, err := resolveSeries(ctx, db, fs.Arg(0), fs.Arg(1))
	if err != nil {
		return fail(e, "history", err)
	}
	revs, err := db.History(ctx, ind, area)
	if err != nil {
		return fail(e, "history", err)
	}
	if len(revs) == 0 {
		return fail(e, "history", fmt.Errorf("no observations of %s for %s", ind, area))
	}
	cat, err := db.Catalogue(ctx)
	if err != nil {
		return fail(e, "history", err)
	}
	unit := ""
	if i, ok := cat.Indicator(ind); ok {
		unit = i.Unit
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PERIOD\tREV\tVALUE\tQUALIFIER\tMETHOD\tRAW\tSOURCE\tREPORTED\tINGESTED")
	for _, o := range revs {
		// the value as people write it, every digit kept: "gần 1.900 vị trí", "nearly 1,900 sites"
		value := checks.FigureText(ingest.FormatNumber(o.Value, loc), o.Qualifier, unit, string(loc))
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.Period, o.Revision,
			value, o.Qualifier, o.Method, o.Raw, o.Source,
			dateOrDash(o.ReportedOn, time.DateOnly), dateOrDash(o.IngestedAt, time.RFC3339))
	}
	tw.Flush()
	return 0
}

// resolveSeries finds the codes of an indicator and an area given by code
// or by name, as an import finds them; an area name that several areas
// share over time (Phú Thọ) must be given by code.
func resolveSeries(ctx context.Context, db daemon.Database, indicator, area string) (string, string, error) {
	cat, err := db.Catalogue(ctx)
	if err != nil {
		return "", "", err
	}
	names := ingest.NewNames(cat)
	ind, indErr := names.Indicator(indicator)
	a, areaErr := names.Area(area, chiso.Period{})
	if err := errors.Join(indErr, areaErr); err != nil {
		return "", "", err
	}
	return ind.Code, a.Code, nil
}

func dateOrDash(t time.Time, layout string) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(layout)
}
