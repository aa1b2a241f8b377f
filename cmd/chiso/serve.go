package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/pack"
	"github.com/chiso-vn/chiso/store/pgstore"
)

func init() {
	commands["serve"] = command{
		summary: "run the daemon: scheduled checks, metrics and the HTTP API",
		run:     runServe,
	}
}

// rulePack is the rule pack written to rules.d on the first run.
var rulePack = pack.FS

// defaultConfigFile is read when --config is not given and it exists.
const defaultConfigFile = "chiso.yaml"

func runServe(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "serve", "")
	cfgPath := fs.String("config", "", "configuration file (default ./"+defaultConfigFile+" if it exists, else built-in defaults)")
	listen := fs.String("listen", "", "listen address, overriding the configuration (e.g. 127.0.0.1:0)")
	lf := logFlags(fs)
	web := webFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := noArgs(e, fs); !ok {
		return code
	}
	log, err := lf.logger(e.stderr)
	if err != nil {
		fmt.Fprintln(e.stderr, "chiso serve:", err)
		return 2
	}
	if err := daemon.CheckWebConfig(web.configFile); err != nil {
		fmt.Fprintln(e.stderr, "chiso serve:", err)
		return 1
	}
	cfg, err := serveConfig(*cfgPath, e, *listen)
	if err == nil {
		err = checkDatabase(ctx, cfg, e)
	}
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return 1
	}
	// Only a start with neither a configuration file nor --db may invent
	// figures: anywhere else the sample would be evaluated and alerted on
	// as if it were real.
	zeroConfig := cfg.File == "" && !e.dbSet
	if err := firstRun(ctx, cfg, zeroConfig, log); err != nil {
		log.Error("first run", "err", err)
		return 1
	}
	return serve(ctx, cfg, log, web)
}

// serveConfig reads the configuration; --db (when given) and --listen
// override it.
func serveConfig(path string, e *env, listen string) (*config.Config, error) {
	if path == "" {
		if _, err := os.Stat(defaultConfigFile); err == nil {
			path = defaultConfigFile
		}
	}
	var cfg *config.Config
	if path == "" {
		cfg = config.Default(".")
	} else {
		c, err := config.Load(path)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	if e.dbSet && pgstore.IsDSN(e.db) {
		cfg.Database = e.db
	} else if e.dbSet {
		abs, err := filepath.Abs(e.db)
		if err != nil {
			return nil, fmt.Errorf("--db: %w", err)
		}
		cfg.Database = abs
	}
	if listen != "" {
		cfg.Listen = listen
	}
	return cfg, nil
}

// checkDatabase refuses to start without the database when the
// configuration sets create_database: false.
func checkDatabase(ctx context.Context, cfg *config.Config, e *env) error {
	err := daemon.CheckDatabase(ctx, cfg)
	if err != nil && e.dbSet {
		return fmt.Errorf("--db %s: no such database, and %s sets create_database: false", daemon.DatabaseName(e.db), cfg.File)
	}
	return err
}

// firstRun creates a missing database, with the sample data only for the
// zero-configuration start, and the editable rule folder.
func firstRun(ctx context.Context, cfg *config.Config, zeroConfig bool, log *slog.Logger) error {
	dbPath := cfg.Path(cfg.Database)
	created, err := daemon.InitDatabase(ctx, dbPath, zeroConfig, time.Now())
	if err != nil {
		return err
	}
	switch {
	case created && zeroConfig:
		log.Info("created a database holding the built-in catalogue and sample data", "path", daemon.DatabaseName(dbPath))
	case created:
		log.Warn("no database at the configured path: created an empty database holding the built-in catalogue; import figures with chiso import, the API or the drop folder (create_database: false refuses to start instead)",
			"path", daemon.DatabaseName(dbPath))
	}
	if !slices.Equal(cfg.Rules, config.DefaultRules) {
		return nil
	}
	dir := cfg.Path(config.DefaultRulesDir)
	created, err = daemon.WriteRulePack(dir, rulePack())
	if err != nil {
		return err
	}
	if created {
		log.Info("wrote the default rule pack; edit the files there, chiso reloads on change", "dir", dir)
	}
	return nil
}

// serve runs the daemon until ctx ends, reloading on SIGHUP.
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, web *webOptions) int {
	version, revision := buildVersion()
	d := daemon.New(cfg, daemon.Options{Logger: log, Version: version, Revision: revision, BuildDate: buildDate(),
		WebConfigFile: web.configFile, Pprof: web.pprof})
	if err := d.Start(ctx); err != nil {
		log.Error("cannot start", "err", err)
		if cerr := d.Close(); cerr != nil {
			log.Error("close", "err", cerr)
		}
		return 1
	}
	log.Info("chiso is running", "home", d.URL()+"/", "findings", d.URL()+"/api/v1/findings", "metrics", d.URL()+"/metrics",
		"rules", cfg.RulePatterns(), "database", daemon.DatabaseName(cfg.Path(cfg.Database)))
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			_ = d.ReloadBy(ctx, daemon.ReloadOnSignal) // the outcome is logged, counted, audited and shown by the API
		case <-ctx.Done():
			log.Info("shutting down")
			if err := d.Close(); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("shutdown", "err", err)
				return 1
			}
			return 0
		}
	}
}
