// Package pgtest starts a throw-away PostgreSQL cluster for a package's
// tests: initdb and pg_ctl from Debian's postgresql (or any on PATH), run as
// an unprivileged user when the tests run as root, listening only on a unix
// socket in a temporary folder. One cluster serves every test of a package
// run; each test gets a fresh database, dropped when it ends.
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		dsn := pgtest.New(t) // postgres://postgres@/t_…?host=/tmp/pgtest…
//	}
//
// Without PostgreSQL the tests that call New skip; with CI=true in the
// environment they fail instead, so that CI cannot pass without it.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the name of the cluster's superuser, which every DSN the
// package hands out connects as (trust authentication on the socket).
const Superuser = "postgres"

// Settings are the server settings a test cluster starts with: no fsync,
// since a test cluster dies with its tests, and room for the connection
// pools of several stores at once. Commits still reach the kernel before
// they return (synchronous_commit stays on), so that a server halted with
// an immediate shutdown (Halt, Restart: a crash) keeps every commit.
var Settings = map[string]string{
	"fsync":            "off",
	"full_page_writes": "off",
	"max_connections":  "200",
	"shared_buffers":   "64MB",
	"listen_addresses": "",
}

var (
	shared    *Cluster
	sharedErr error
	started   bool
	seq       atomic.Int64
)

// Main starts the package's cluster, runs the tests and stops the
// cluster; its result is the exit code for os.Exit. When PostgreSQL cannot
// start, the tests still run: New skips them, or fails them under CI=true.
func Main(m *testing.M) int {
	started = true
	shared, sharedErr = Start(Settings)
	if sharedErr != nil {
		fmt.Fprintf(os.Stderr, "pgtest: no PostgreSQL for this run: %v\n", sharedErr)
	}
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Shared returns the package's cluster, skipping the test when PostgreSQL
// is missing (failing it under CI=true). It fails the test when TestMain
// did not call Main.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	if !started {
		t.Fatal("pgtest: the package's TestMain must call pgtest.Main")
	}
	if sharedErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true: %v", sharedErr)
		}
		t.Skipf("no PostgreSQL: %v", sharedErr)
	}
	return shared
}

// New creates a fresh, empty database on the package's cluster for the
// test and returns its connection string; the database is dropped when
// the test ends (with any session still connected to it).
func New(t testing.TB) string {
	t.Helper()
	c := Shared(t)
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), seq.Add(1))
	ctx := context.Background()
	if err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return c.DSN(name)
}

// Cluster is one running PostgreSQL cluster: its data folder, its socket
// folder and the user it runs as.
type Cluster struct {
	Dir     string // the temporary folder holding data/ and the socket
	Port    int    // the port in the socket's name (.s.PGSQL.<port>)
	bin     string // folder of initdb, pg_ctl and postgres
	runAs   string // the user the server runs as; "" is the current user
	mu      sync.Mutex
	stopped bool
}

// Start creates a cluster in a new temporary folder and starts it with
// the settings. Run as root, it runs initdb and the server as the user
// postgres (or nobody) through runuser.
func Start(settings map[string]string) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, Port: 50000 + os.Getpid()%10000}
	if os.Geteuid() == 0 {
		if c.runAs, err = unprivileged(); err != nil {
			return nil, err
		}
	}
	if c.Dir, err = os.MkdirTemp("", "pgtest"); err != nil {
		return nil, err
	}
	if err := c.own(c.Dir); err != nil {
		os.RemoveAll(c.Dir)
		return nil, err
	}
	if err := c.initdb(); err != nil {
		os.RemoveAll(c.Dir)
		return nil, err
	}
	if err := c.writeSettings(settings); err != nil {
		os.RemoveAll(c.Dir)
		return nil, err
	}
	if err := c.Start(); err != nil {
		os.RemoveAll(c.Dir)
		return nil, err
	}
	return c, nil
}

// binDir finds the folder of initdb: $PGBIN, then PATH, then Debian's
// /usr/lib/postgresql/<version>/bin, newest first.
func binDir() (string, error) {
	if d := os.Getenv("PGBIN"); d != "" {
		return d, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	best, bestVersion := "", -1
	for _, d := range dirs {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(d))))
		if err == nil && v > bestVersion {
			best, bestVersion = filepath.Dir(d), v
		}
	}
	if best == "" {
		return "", errors.New("initdb not found on PATH nor in /usr/lib/postgresql/*/bin (install Debian's postgresql)")
	}
	return best, nil
}

// unprivileged returns the user a root test run starts the server as:
// PostgreSQL refuses to run as root.
func unprivileged() (string, error) {
	for _, name := range []string{"postgres", "nobody"} {
		if _, err := user.Lookup(name); err == nil {
			return name, nil
		}
	}
	return "", errors.New("running as root and neither user postgres nor nobody exists to run PostgreSQL as")
}

// own gives the folder to the user the server runs as.
func (c *Cluster) own(dir string) error {
	if c.runAs == "" {
		return nil
	}
	u, err := user.Lookup(c.runAs)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return fmt.Errorf("give %s to %s: %w", dir, c.runAs, err)
	}
	return os.Chmod(dir, 0o755)
}

// command runs one of the cluster's programs as the server's user.
func (c *Cluster) command(ctx context.Context, prog string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, prog)
	if c.runAs == "" {
		return exec.CommandContext(ctx, path, args...)
	}
	return exec.CommandContext(ctx, "runuser", append([]string{"-u", c.runAs, "--", path}, args...)...)
}

func (c *Cluster) run(prog string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := c.command(ctx, prog, args...)
	cmd.Dir = c.Dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", prog, strings.Join(args, " "), err, out)
	}
	return nil
}

func (c *Cluster) dataDir() string { return filepath.Join(c.Dir, "data") }

func (c *Cluster) initdb() error {
	return c.run("initdb", "-D", c.dataDir(), "-U", Superuser, "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
}

// writeSettings appends the settings to postgresql.conf, the socket folder
// and port first.
func (c *Cluster) writeSettings(settings map[string]string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nunix_socket_directories = '%s'\nport = %d\n", c.Dir, c.Port)
	for k, v := range settings {
		fmt.Fprintf(&b, "%s = '%s'\n", k, strings.ReplaceAll(v, "'", "''"))
	}
	f, err := os.OpenFile(filepath.Join(c.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Start starts the server (again, after Stop) and waits until it accepts
// connections.
func (c *Cluster) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.run("pg_ctl", "-D", c.dataDir(), "-l", filepath.Join(c.Dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
		return fmt.Errorf("%w\nserver log:\n%s", err, log)
	}
	c.stopped = false
	return nil
}

// Stop stops the server at once (immediate shutdown: sessions are cut as
// a crash would cut them) and removes the cluster's folder.
func (c *Cluster) Stop() error {
	if err := c.Halt(); err != nil {
		return err
	}
	return os.RemoveAll(c.Dir)
}

// Halt stops the server with an immediate shutdown and keeps its data, so
// that Start can bring it back: a database restarting under its clients.
func (c *Cluster) Halt() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	if err := c.run("pg_ctl", "-D", c.dataDir(), "-m", "immediate", "-w", "stop"); err != nil {
		return err
	}
	c.stopped = true
	return nil
}

// Restart halts the server and starts it again.
func (c *Cluster) Restart() error {
	if err := c.Halt(); err != nil {
		return err
	}
	return c.Start()
}

// DSN returns the connection string of the database as the superuser,
// over the cluster's socket.
func (c *Cluster) DSN(database string) string {
	u := url.URL{Scheme: "postgres", User: url.User(Superuser), Path: "/" + database}
	u.RawQuery = url.Values{"host": {c.Dir}, "port": {strconv.Itoa(c.Port)}}.Encode()
	return u.String()
}

// Exec runs SQL statements in the cluster's postgres database, as the
// superuser: creating databases and roles, ending sessions
// (pg_terminate_backend), changing settings.
func (c *Cluster) Exec(ctx context.Context, sql string, args ...any) error {
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("connect to the test cluster: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// Bin returns the path of one of the cluster's programs (psql, pg_dump…).
func (c *Cluster) Bin(prog string) string { return filepath.Join(c.bin, prog) }

// Terminate ends every session connected to the database named by dsn
// and waits until each has exited, its open transaction rolled back: what
// a process killed, or cut from the server, leaves behind. It returns how
// many sessions it ended.
func Terminate(t testing.TB, dsn string) int {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, Shared(t).DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `WITH s AS MATERIALIZED (
			SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid())
		SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM s`, cfg.Database).Scan(&n); err != nil {
		t.Fatalf("terminate the sessions of %s: %v", cfg.Database, err)
	}
	return n
}
