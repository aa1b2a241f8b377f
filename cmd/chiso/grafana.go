package main

import (
	"context"
	"fmt"
	"os"

	"github.com/chiso-vn/chiso/internal/dashboards"
)

func init() {
	commands["grafana"] = command{summary: "Grafana tools: write chiso's dashboards", run: runGrafana}
	verbs["grafana"] = grafanaSubcommands
}

var grafanaSubcommands = map[string]subcommand{
	"dashboards": {"write the Grafana dashboards (data quality, service) as JSON into DIR, replacing those there", runGrafanaDashboards},
}

func runGrafana(ctx context.Context, e *env, args []string) int {
	return dispatch(ctx, e, "grafana", grafanaSubcommands, args)
}

func runGrafanaDashboards(_ context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "grafana dashboards", "DIR")
	pos, code, ok := parseInterleaved(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, fs, fmt.Errorf("want one folder to write the dashboards into, got %d arguments", len(pos)))
	}
	dir := pos[0]
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fail(e, "grafana dashboards", fmt.Errorf("%s is a file, not a folder", dir))
	}
	paths, err := dashboards.Write(dir)
	if err != nil {
		return fail(e, "grafana dashboards", err)
	}
	for _, p := range paths {
		fmt.Fprintln(e.stdout, "wrote", p)
	}
	fmt.Fprintln(e.stdout, "import them in Grafana (Dashboards → New → Import), or provision the folder; each asks for a Prometheus data source")
	return 0
}
