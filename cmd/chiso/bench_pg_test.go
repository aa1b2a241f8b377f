//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/chiso-vn/chiso/internal/pgtest"
)

// benchClusterSettings are the PostgreSQL settings of the import
// benchmark's cluster: durable (fsync, full-page writes and synchronous
// commits on, the server's defaults), with room for a 10M-row load
// without a checkpoint in the middle.
var benchClusterSettings = map[string]string{
	"listen_addresses": "",
	"shared_buffers":   "512MB",
	"max_wal_size":     "16GB",
	"work_mem":         "64MB",
	"max_connections":  "20",
}

// BenchmarkImportPostgres times `chiso --db postgres://… import --locale
// en FILE` as a whole process against psql's own `\copy` of the same file
// into obs(indicator, area, period, value) with an index on (indicator,
// area, period) created before the copy, so that the server maintains it
// as chiso maintains its own tables, and against `chiso import` of the
// same file into SQLite; the three run one after the other in each
// iteration, so that the load of a shared machine falls on all. The
// cluster is a throw-away one started with the server's durable defaults
// (pgtest.Start). It reports wall and CPU times (a client's CPU: the
// server's work is in the wall time), the ratios, chiso's peak resident
// size, the database sizes and the load average at the start. With
// CHISO_BENCH_10M=1 it also imports 10,080,000 rows; with CHISO_BENCH_30M=1,
// 30,240,000 (the 10M series for three times the areas).
func BenchmarkImportPostgres(b *testing.B) {
	cases := []importCase{{700, 40, 36}}
	if os.Getenv("CHISO_BENCH_10M") != "" {
		cases = append(cases, importCase{700, 40, 360})
	}
	if os.Getenv("CHISO_BENCH_30M") != "" {
		cases = append(cases, importCase{2100, 40, 360})
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		b.Skipf("psql not found: %v", err)
	}
	cluster, err := pgtest.Start(benchClusterSettings)
	if err != nil {
		if os.Getenv("CI") == "true" {
			b.Fatal(err)
		}
		b.Skipf("no PostgreSQL: %v", err)
	}
	b.Cleanup(func() {
		if err := cluster.Stop(); err != nil {
			b.Error(err)
		}
	})
	bin := buildChiso(b)
	for _, c := range cases {
		b.Run(fmt.Sprintf("rows=%d", c.rows()), func(b *testing.B) { benchImportPostgres(b, cluster, bin, psql, c) })
	}
}

func benchImportPostgres(b *testing.B, cluster *pgtest.Cluster, bin, psql string, c importCase) {
	data := synthFiles(b, c)
	dir := b.TempDir()
	load := loadAverage()
	var pg, lite, shell procStats
	var pgSize, shellSize int64
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		name := fmt.Sprintf("bench%d", i)
		for _, db := range []string{name, name + "_psql"} {
			if err := cluster.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
				b.Fatal(err)
			}
			if err := cluster.Exec(ctx, "CREATE DATABASE "+db); err != nil {
				b.Fatal(err)
			}
		}
		dsn := cluster.DSN(name)
		runProcess(b, bin, "", "--db", dsn, "init")
		runProcess(b, bin, "", "--db", dsn, "catalogue", "import", data.indicators, data.areas)
		if err := cluster.Exec(ctx, "CHECKPOINT"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r := runProcess(b, bin, "", "--db", dsn, "import", "--locale", "en", data.observations)
		b.StopTimer()
		pg.add(r)
		if want := fmt.Sprintf(": %d added, 0 revised, 0 unchanged", c.rows()); !strings.Contains(r.stdout, want) {
			b.Fatalf("chiso import printed %q, want %q", firstLine(r.stdout), want)
		}
		pgSize = databaseSize(b, cluster, name)

		script := "CREATE TABLE obs(indicator text, area text, period text, value double precision);\n" +
			"CREATE INDEX obs_key ON obs(indicator, area, period);\n" +
			`\copy obs FROM '` + data.observations + "' WITH (FORMAT csv, HEADER true)\n"
		if err := cluster.Exec(ctx, "CHECKPOINT"); err != nil {
			b.Fatal(err)
		}
		shell.add(runProcess(b, psql, script, "-X", "-q", "-v", "ON_ERROR_STOP=1", cluster.DSN(name+"_psql")))
		shellSize = databaseSize(b, cluster, name+"_psql")
		for _, db := range []string{name, name + "_psql"} {
			if err := cluster.Exec(ctx, "DROP DATABASE "+db+" WITH (FORCE)"); err != nil {
				b.Fatal(err)
			}
		}

		liteDB := filepath.Join(dir, fmt.Sprintf("chiso%d.db", i))
		runProcess(b, bin, "", "--db", liteDB, "init")
		runProcess(b, bin, "", "--db", liteDB, "catalogue", "import", data.indicators, data.areas)
		lite.add(runProcess(b, bin, "", "--db", liteDB, "import", "--locale", "en", data.observations))
		removeDB(liteDB)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(load, "load-avg")
	b.ReportMetric(float64(c.rows())*n/pg.wall.Seconds(), "rows/s")
	b.ReportMetric(pg.wall.Seconds()/n, "pg-s")
	b.ReportMetric(pg.cpu.Seconds()/n, "pg-chiso-cpu-s")
	b.ReportMetric(float64(pg.peakRSS)/(1<<20), "pg-chiso-peak-rss-MB")
	b.ReportMetric(shell.wall.Seconds()/n, "psql-copy-s")
	b.ReportMetric(lite.wall.Seconds()/n, "sqlite-s")
	b.ReportMetric(pg.wall.Seconds()/shell.wall.Seconds(), "pg/psql")
	b.ReportMetric(pg.wall.Seconds()/lite.wall.Seconds(), "pg/sqlite")
	b.ReportMetric(float64(pgSize)/(1<<20), "pg-db-MB")
	b.ReportMetric(float64(shellSize)/(1<<20), "psql-db-MB")
}

// databaseSize returns the size of a database of the cluster, in bytes.
func databaseSize(b *testing.B, c *pgtest.Cluster, name string) int64 {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.DSN(name))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// loadAverage returns the machine's load average over the last minute.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var l float64
	fmt.Sscan(string(data), &l)
	return l
}
