// Command chiso watches the statistical indicators that Vietnam's provincial
// departments report about ICT and digital transformation: it keeps them in
// SQLite, checks them against rules, and tells people when the numbers are
// wrong or off target.
//
// Every command follows one convention: -h or --help prints its usage on
// standard output and exits 0; a usage error (an unknown flag, a bad value,
// a missing or extra argument) prints the problem and the usage on
// standard error and exits 2; a failure exits 1.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
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
	db             string // --db: path of the SQLite database, or a postgres:// URL
	dbSet          bool   // --db was given
}

// commands lists the subcommands; each lives in a file named after it.
var commands = map[string]command{}

// verbs lists the verbs of the commands that have some (alerts list,
// rules export …), for their help; filled by those commands' init.
var verbs = map[string]map[string]subcommand{}

func init() {
	commands["help"] = command{summary: "show the commands, or a command's usage: help COMMAND", run: runHelp}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, stdin: stdin, db: config.DefaultDatabase}
	fs := flag.NewFlagSet("chiso", flag.ContinueOnError)
	fs.SetOutput(flagOutput{stdout: stdout, stderr: stderr})
	e.dbFlag(fs)
	version := fs.Bool("version", false, "print the version, revision and Go version, and exit")
	fs.Usage = func() { usage(fs.Output(), fs) }
	// The global flags stop at the command's name: what follows is the
	// command's.
	if code, ok := parseFlagsThen(fs, args, fs.Parse); !ok {
		return code
	}
	if *version {
		return runVersion(ctx, e, nil)
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

// runHelp prints the commands, or runs the named command with -h.
func runHelp(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("chiso", flag.ContinueOnError)
	e.dbFlag(fs)
	fs.Bool("version", false, "print the version, revision and Go version, and exit")
	switch {
	case len(args) == 0 || args[0] == "help":
		usage(e.stdout, fs)
		return 0
	case commands[args[0]].run == nil:
		fmt.Fprintf(e.stderr, "chiso help: unknown command %q\n", args[0])
		usage(e.stderr, fs)
		return 2
	}
	return commands[args[0]].run(ctx, e, append(args[1:len(args):len(args)], "-h"))
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: chiso [--db PATH|postgres://…] COMMAND [ARGS]")
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
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintln(w, "\nRun 'chiso COMMAND -h' for a command's flags. Exit codes: 0 success, 1 failure, 2 usage error.")
}

// flagOutput is where a command's flag set writes: standard error, except
// the help asked for with -h or --help, which parseFlags sends to standard
// output.
type flagOutput struct {
	stdout, stderr io.Writer
}

// Write writes to standard error.
func (o flagOutput) Write(p []byte) (int, error) { return o.stderr.Write(p) }

// newFlagSet returns the flag set of a command that reads the database:
// it accepts --db after the command's name too.
func newFlagSet(e *env, name, argsUsage string) *flag.FlagSet {
	fs := newCommandFlagSet(e, name, argsUsage)
	e.dbFlag(fs)
	return fs
}

// newCommandFlagSet returns the flag set of a command that has no use for
// the database (those that talk to a running daemon, rule tools): no --db.
// Its usage names the command, says what it does and lists its flags.
func newCommandFlagSet(e *env, name, argsUsage string) *flag.FlagSet {
	fs := flag.NewFlagSet("chiso "+name, flag.ContinueOnError)
	fs.SetOutput(flagOutput{stdout: e.stdout, stderr: e.stderr})
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, strings.TrimSpace("usage: chiso "+name+" [flags] "+argsUsage))
		if s := summaryOf(name); s != "" {
			fmt.Fprintf(w, "\n%s\n", s)
		}
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// summaryOf returns the one-line help of a command or of a verb ("alerts
// list").
func summaryOf(name string) string {
	cmd, verb, ok := strings.Cut(name, " ")
	if !ok {
		return commands[name].summary
	}
	return verbs[cmd][verb].usage
}

// dbFlag defines --db on fs, remembering that it was given.
func (e *env) dbFlag(fs *flag.FlagSet) {
	fs.Func("db", "`path` of the SQLite database (default "+config.DefaultDatabase+"), or a postgres:// URL", func(s string) error {
		e.db, e.dbSet = s, true
		return nil
	})
}

// parseFlags parses a command's flags; ok is false when the command
// should exit with code: 0 after -h or --help, whose usage goes to
// standard output; 2 on a bad flag, whose problem and usage go to standard
// error.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	return parseFlagsThen(fs, args, func(args []string) error { return parseInterspersed(fs, args) })
}

// parseFlagsThen is parseFlags with the parsing function given.
func parseFlagsThen(fs *flag.FlagSet, args []string, parse func([]string) error) (code int, ok bool) {
	out := fs.Output()
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := parse(args)
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		if o, isCmd := out.(flagOutput); isCmd {
			out = o.stdout
		}
		out.Write(buf.Bytes())
		return 0, false
	case err != nil:
		out.Write(buf.Bytes())
		return 2, false
	}
	return 0, true
}

// parseInterspersed parses flags wherever they stand among the arguments,
// as users type them (chiso import file.csv --locale en): a flag after a
// file name is a flag, never a file. "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...) // after "--", all are arguments
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

// noArgs refuses arguments to a command that takes none, as a usage error.
func noArgs(e *env, fs *flag.FlagSet) (code int, ok bool) {
	if fs.NArg() == 0 {
		return 0, true
	}
	return usageError(e, fs, fmt.Errorf("unexpected argument %q", fs.Arg(0))), false
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
