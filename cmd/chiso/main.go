// Command chiso watches the statistical indicators that Vietnam's provincial
// departments report about ICT and digital transformation: it keeps them in
// SQLite, checks them against rules, and tells people when the numbers are
// wrong or off target.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/chiso-vn/chiso/config"
)

// command is one subcommand: its one-line help and what it runs. run gets the
// arguments after the subcommand's name and returns the exit code.
type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) int
}

// env is what every command shares: the streams and the global flags.
type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	db             string // --db: path of the SQLite database
	dbSet          bool   // --db was given
}

// commands lists the subcommands; each lives in a file named after it.
var commands = map[string]command{}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, stdin: stdin, db: config.DefaultDatabase}
	fs := flag.NewFlagSet("chiso", flag.ContinueOnError)
	fs.SetOutput(stderr)
	e.dbFlag(fs)
	fs.Usage = func() { usage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		usage(stderr, fs)
		return 2
	}
	name := fs.Arg(0)
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "chiso: unknown command %q\n", name)
		usage(stderr, fs)
		return 2
	}
	return cmd.run(ctx, e, fs.Args()[1:])
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: chiso [--db PATH] COMMAND [ARGS]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nglobal flags:")
	fs.PrintDefaults()
	fmt.Fprintln(w, "\nRun 'chiso COMMAND -h' for a command's flags.")
}

// newFlagSet returns a subcommand's flag set, which also accepts --db after
// the command's name.
func newFlagSet(e *env, name, argsUsage string) *flag.FlagSet {
	fs := flag.NewFlagSet("chiso "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	e.dbFlag(fs)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: chiso %s [flags] %s\n", name, argsUsage)
		fs.PrintDefaults()
	}
	return fs
}

// dbFlag defines --db on fs, remembering that it was given.
func (e *env) dbFlag(fs *flag.FlagSet) {
	fs.Func("db", "path of the SQLite database (default "+config.DefaultDatabase+")", func(s string) error {
		e.db, e.dbSet = s, true
		return nil
	})
}

// parseFlags parses a subcommand's flags; ok is false when the command
// should exit with code (0 after -h, 2 on bad flags).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

// parseTime reads a time given on the command line: RFC 3339, or the same
// without an offset (2026-11-23T07:00:00, 2026-11-23T07:00), read in loc.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("want RFC 3339, e.g. 2026-11-23T07:00:00+07:00, or a local time such as 2026-11-23T07:00")
}
