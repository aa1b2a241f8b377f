package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/internal/dashboards"
)

// opsKit is a daemon serving the sample data with the default rule pack,
// a drop folder, and two webhook receivers: one that accepts, one that
// always fails (so that every notification outcome has a series).
type opsKit struct {
	p              *daemonProc
	dir            string
	accepted, shed atomic.Int64 // webhook calls answered 200 and 500
}

func startOpsKit(t *testing.T) *opsKit {
	t.Helper()
	k := &opsKit{dir: t.TempDir()}
	bin := chisoBinary(t)
	for _, args := range [][]string{
		{"--db", filepath.Join(k.dir, "chiso.db"), "init", "--sample"},
		{"rules", "export", filepath.Join(k.dir, "rules.d")},
	} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("chiso %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { k.accepted.Add(1) }))
	t.Cleanup(ok.Close)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		k.shed.Add(1)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(broken.Close)
	addr := freePort(t)
	writeTestFile(t, filepath.Join(k.dir, "chiso.yaml"), fmt.Sprintf(`listen: %q
database: chiso.db
rules: ["rules.d/*.yaml"]
watch: false
auth:
  tokens: [{name: e2e, env: CHISO_E2E_TOKEN}]
drop_folder: {path: inbox, settle: 100ms}
alerting:
  route:
    receiver: ops
    group_wait: 0s
    group_interval: 1s
    routes:
      - {matchers: ['severity=~".+"'], receiver: broken, continue: true}
      - {matchers: ['severity=~".+"'], receiver: ops}
  receivers:
    - {name: ops, webhook: {url: %q}}
    - {name: broken, webhook: {url: %q}}
`, addr, ok.URL+"/hook", broken.URL+"/hook"))
	k.p = startDaemonIn(t, k.dir, addr)
	return k
}

// importMonth imports a synthetic month of figures, one file a day, by
// every channel: mostly the API, every tenth day the drop folder, on day
// 15 the chiso import command (another process); on day 5 the API refuses
// a bad file, on day 25 the drop folder does, and day 7 is a dry run.
func (k *opsKit) importMonth(t *testing.T) {
	t.Helper()
	for day := 1; day <= 30; day++ {
		// figures written as Vietnamese departments write them: a decimal comma
		share := strings.Replace(fmt.Sprintf("%.1f", 80+0.3*float64(day)), ".", ",", 1)
		csv := fmt.Sprintf("indicator,area,period,value\nonline_dossier_rate,PT25,2026-11,\"%s\"\nbts_stations,DL25,2026-11,%d\n",
			share, 4000+10*day)
		switch day {
		case 5:
			if code, body := k.p.post("/api/v1/observations", e2eToken, "indicator,area,period,value\nnope,PT25,2026-11,1\n"); code != 422 {
				t.Fatalf("day %d: bad file answered %d %s", day, code, body)
			}
		case 7:
			if code, body := k.p.post("/api/v1/observations?dry_run=true", e2eToken, csv); code != 200 {
				t.Fatalf("day %d: dry run answered %d %s", day, code, body)
			}
		case 10, 20, 30:
			k.drop(t, fmt.Sprintf("day%02d.csv", day), csv, "done")
		case 25:
			k.drop(t, "day25.csv", "indicator,area,period,value\nonline_dossier_rate,XX,2026-11,1\n", "failed")
		case 15:
			file := filepath.Join(t.TempDir(), "day15.csv")
			writeTestFile(t, file, csv)
			if out, err := exec.Command(chisoBinary(t), "--db", filepath.Join(k.dir, "chiso.db"), "import", file).CombinedOutput(); err != nil {
				t.Fatalf("day %d: chiso import: %v\n%s", day, err, out)
			}
		default:
			if code, body := k.p.post("/api/v1/observations", e2eToken, csv); code != 200 {
				t.Fatalf("day %d: POST = %d %s", day, code, body)
			}
		}
	}
	k.p.waitFor("the import by another process counted", 10*time.Second, func() bool {
		return k.p.metricsContain(`chiso_imports_total{channel="external",outcome="success"} 1`)
	})
	k.p.waitFor("a delivery accepted and one refused", 20*time.Second, func() bool { return k.accepted.Load() > 0 && k.shed.Load() > 0 })
}

// drop writes a file into the drop folder and waits until it is moved to
// inbox/<to>.
func (k *opsKit) drop(t *testing.T, name, text, to string) {
	t.Helper()
	tmp := filepath.Join(k.dir, "inbox", "."+name+".tmp")
	writeTestFile(t, tmp, text)
	if err := os.Rename(tmp, filepath.Join(k.dir, "inbox", name)); err != nil {
		t.Fatal(err)
	}
	k.p.waitFor(name+" moved to "+to, 10*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(k.dir, "inbox", to, name))
		return err == nil
	})
}

// emptyOnPurpose lists the dashboard queries that return no series on the
// test's data, each with the reason. A listed query that returns data
// fails the test too: the list must stay true.
var emptyOnPurpose = map[string]string{}

// dashboardValues are what the test gives the dashboards' variables: the
// values Grafana would offer (All for the multi-valued ones).
var dashboardValues = strings.NewReplacer(
	"$job", "chiso",
	"$instance", ".*",
	"$province", ".*",
	"$indicator", "online_dossier_rate",
	"$__rate_interval", "1m",
)

// checkDashboardQueries runs every query of every dashboard panel, and
// every variable's label_values, through Prometheus's HTTP API.
func checkDashboardQueries(t *testing.T, k *opsKit, promAddr string) {
	t.Helper()
	ds, err := dashboards.All()
	if err != nil {
		t.Fatal(err)
	}
	n, empty := 0, 0
	for _, d := range ds {
		for _, v := range d.Variables {
			match := dashboardValues.Replace(v.Metric)
			vals := promLabelValues(t, promAddr, v.Label, match)
			t.Logf("%s: $%s = label_values(%s, %s): %v", d.Title, v.Name, match, v.Label, vals)
			if len(vals) == 0 {
				t.Errorf("%s: variable $%s has no values", d.Title, v.Name)
			}
		}
		for _, p := range d.Panels {
			for _, q := range p.Queries {
				n++
				expr := dashboardValues.Replace(q)
				series := promSeries(t, promAddr, expr)
				reason, listed := emptyOnPurpose[q]
				switch {
				case series == 0 && listed:
					empty++
					t.Logf("%s / %s: empty, as listed: %s", d.Title, p.Title, reason)
				case series == 0:
					t.Errorf("%s / %s: no series for %s", d.Title, p.Title, expr)
				case listed:
					t.Errorf("%s / %s: listed as empty (%s) but returns %d series: %s", d.Title, p.Title, reason, series, expr)
				default:
					t.Logf("%s / %s: %d series", d.Title, p.Title, series)
				}
			}
		}
	}
	t.Logf("%d dashboard queries run, %d empty as listed", n, empty)
}

// waitForScrapes waits until Prometheus has scraped the daemon n more
// times.
func waitForScrapes(t *testing.T, p *daemonProc, promAddr string, n int) {
	t.Helper()
	count := func() int {
		var c int
		fmt.Sscan(promQuery(promAddr, url.QueryEscape(`count_over_time(up{job="chiso"}[1h])`)), &c)
		return c
	}
	from := count()
	p.waitFor(fmt.Sprintf("%d more scrapes", n), 30*time.Second, func() bool { return count() >= from+n })
}

// promSeries returns how many series an instant query returns; a query
// Prometheus refuses fails the test.
func promSeries(t *testing.T, addr, expr string) int {
	t.Helper()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	promGet(t, addr, "/api/v1/query?query="+url.QueryEscape(expr), &r)
	if r.Status != "success" {
		t.Errorf("query %s: %s %s", expr, r.Status, r.Error)
	}
	return len(r.Data.Result)
}

func promLabelValues(t *testing.T, addr, label, match string) []string {
	t.Helper()
	var r struct {
		Data []string `json:"data"`
	}
	promGet(t, addr, "/api/v1/label/"+label+"/values?match[]="+url.QueryEscape(match), &r)
	return r.Data
}

func promGet(t *testing.T, addr, path string, v any) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// checkAlertRules wants Prometheus to have loaded every alert of
// deploy/prometheus/chiso-alerts.yml and evaluated it without error on a
// live chiso, and the alert for refused imports to fire for the two
// channels that refused a file.
func checkAlertRules(t *testing.T, k *opsKit, promAddr string) {
	t.Helper()
	type rule struct {
		Name   string `json:"name"`
		Health string `json:"health"`
		Error  string `json:"lastError"`
		State  string `json:"state"`
		Alerts []struct {
			Labels map[string]string `json:"labels"`
			State  string            `json:"state"`
		} `json:"alerts"`
	}
	var rules []rule
	var firing []string
	want := "ChisoImportsFailing/api ChisoImportsFailing/drop_folder"
	k.p.waitFor("every alert rule evaluated, the refused imports firing", 30*time.Second, func() bool {
		var r struct {
			Data struct {
				Groups []struct {
					Rules []rule `json:"rules"`
				} `json:"groups"`
			} `json:"data"`
		}
		promGet(t, promAddr, "/api/v1/rules?type=alert", &r)
		rules = rules[:0]
		for _, g := range r.Data.Groups {
			rules = append(rules, g.Rules...)
		}
		firing = firing[:0]
		for _, r := range rules {
			if r.Health != "ok" {
				return false
			}
			for _, a := range r.Alerts {
				if a.State == "firing" {
					firing = append(firing, r.Name+"/"+a.Labels["channel"])
				}
			}
		}
		sort.Strings(firing)
		return len(rules) > 0 && strings.Join(firing, " ") == want
	})
	t.Logf("%d alert rules evaluated without error on a live chiso; firing: %v", len(rules), firing)
	if len(rules) != 14 {
		t.Errorf("%d alert rules loaded, want the 14 of chiso-alerts.yml", len(rules))
	}
}
