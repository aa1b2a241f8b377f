package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	dto "github.com/prometheus/client_model/go"
)

// The randomised reload test applies random edits to the rule files of a
// running daemon — groups and rules added, removed and renamed, schedules
// changed, groups moved and copied between files, files deleted, broken
// and fixed — while scheduled runs and imports evaluate groups
// concurrently. After each reload it checks that the daemon still answers
// and that the API, /metrics and the alerts name exactly the groups and
// rules of the rule set the daemon runs: the last valid one.
//
// CHISO_RELOAD_EDITS sets the number of edits (default 250) and
// CHISO_RELOAD_SEED the seed (default random; printed on failure).

// ruleModel is the rule files as the test wrote them: file → groups.
type ruleModel struct {
	files  map[string][]modelGroup
	broken map[string]string // file → the breakage written instead of its groups
}

type modelGroup struct {
	name, schedule string
	rules          []modelRule
}

type modelRule struct {
	alert, indicator, severity string
}

var (
	randomSchedules  = []string{"@every 1s", "0 7 * * *", "@daily", "*/5 * * * *", "@every 2s"}
	randomIndicators = []string{"village_mobile_broadband_coverage", "village_fixed_broadband_coverage",
		"village_fibre_coverage", "online_dossier_rate"}
	randomSeverities = []string{"critical", "warning", "info"}
	randomFiles      = []string{"a.yaml", "b.yaml", "c.yaml"}
	// breakages make a file invalid in the ways a person does.
	randomBreakages = []string{
		"groups:\n  - name: [unclosed\n",
		"groups:\n  - name: typo\n    schedule: \"0 7 * * *\"\n    rules:\n      - alert: X\n        check: rnage\n        indicator: bts_sites\n",
		"groups:\n  - name: tz\n    schedule: \"TZ=UTC 0 7 * * *\"\n    rules:\n      - alert: X\n        check: range\n        indicator: bts_sites\n",
		"groups:\n  - name: g0\n    schedule: \"@daily\"\n    rules:\n      - alert: Dup\n        check: range\n        indicator: bts_sites\n      - alert: Dup\n        check: range\n        indicator: bts_sites\n",
	}
)

func (m *ruleModel) clone() *ruleModel {
	c := &ruleModel{files: map[string][]modelGroup{}, broken: map[string]string{}}
	for f, gs := range m.files {
		out := make([]modelGroup, len(gs))
		for i, g := range gs {
			g.rules = slices.Clone(g.rules)
			out[i] = g
		}
		c.files[f] = out
	}
	for f, b := range m.broken {
		c.broken[f] = b
	}
	return c
}

// valid reports whether the daemon should accept the files: at least one
// (the glob must match), none broken and no group name twice.
func (m *ruleModel) valid() bool {
	if len(m.broken) > 0 || len(m.files) == 0 {
		return false
	}
	seen := map[string]bool{}
	for _, gs := range m.files {
		for _, g := range gs {
			if seen[g.name] {
				return false
			}
			seen[g.name] = true
		}
	}
	return true
}

// rules returns group → rule → true.
func (m *ruleModel) rules() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, gs := range m.files {
		for _, g := range gs {
			rs := map[string]bool{}
			for _, r := range g.rules {
				rs[r.alert] = true
			}
			out[g.name] = rs
		}
	}
	return out
}

func (g modelGroup) yaml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  - name: %s\n    schedule: %q\n    rules:\n", g.name, g.schedule)
	for _, r := range g.rules {
		fmt.Fprintf(&b, "      - alert: %s\n        check: range\n        indicator: %s\n        severity: %s\n",
			r.alert, r.indicator, r.severity)
	}
	return b.String()
}

// write writes every file of the model and removes the others.
func (m *ruleModel) write(t *testing.T, dir string) {
	t.Helper()
	for _, f := range randomFiles {
		path := filepath.Join(dir, f)
		text, broken := m.broken[f]
		gs, ok := m.files[f]
		switch {
		case broken:
		case ok:
			var b strings.Builder
			b.WriteString("groups:\n")
			for _, g := range gs {
				b.WriteString(g.yaml())
			}
			if len(gs) == 0 {
				b.Reset()
				b.WriteString("groups: []\n")
			}
			text = b.String()
		default:
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			continue
		}
		writeFile(t, path, text)
	}
}

// editor makes random edits; fresh names come from a counter so a renamed
// group or rule never collides by chance.
type editor struct {
	r    *rand.Rand
	next int
}

func (e *editor) name(prefix string) string {
	e.next++
	return prefix + strconv.Itoa(e.next)
}

func (e *editor) rule() modelRule {
	return modelRule{alert: e.name("Rule"), indicator: randomIndicators[e.r.IntN(len(randomIndicators))],
		severity: randomSeverities[e.r.IntN(len(randomSeverities))]}
}

func (e *editor) group() modelGroup {
	g := modelGroup{name: e.name("g"), schedule: randomSchedules[e.r.IntN(len(randomSchedules))]}
	for range 1 + e.r.IntN(3) {
		g.rules = append(g.rules, e.rule())
	}
	return g
}

// pick returns a random group's file and index; ok is false when there is
// no group.
func (e *editor) pick(m *ruleModel) (file string, i int, ok bool) {
	var files []string
	for _, f := range randomFiles {
		if len(m.files[f]) > 0 {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return "", 0, false
	}
	file = files[e.r.IntN(len(files))]
	return file, e.r.IntN(len(m.files[file])), true
}

// edit applies one random edit to a copy of m and says what it did.
func (e *editor) edit(m *ruleModel) (*ruleModel, string) {
	n := m.clone()
	if len(n.broken) > 0 && e.r.IntN(2) == 0 {
		for f := range n.broken {
			delete(n.broken, f)
			return n, "fix " + f
		}
	}
	file, i, ok := e.pick(n)
	kind := e.r.IntN(12)
	if !ok {
		kind = 0
	}
	switch kind {
	case 0:
		f := randomFiles[e.r.IntN(len(randomFiles))]
		g := e.group()
		n.files[f] = append(n.files[f], g)
		return n, "add group " + g.name + " to " + f
	case 1:
		name := n.files[file][i].name
		n.files[file] = slices.Delete(n.files[file], i, i+1)
		return n, "remove group " + name
	case 2:
		g := &n.files[file][i]
		old := g.name
		g.name = e.name("g")
		return n, "rename group " + old + " to " + g.name
	case 3:
		g := &n.files[file][i]
		r := e.rule()
		g.rules = append(g.rules, r)
		return n, "add rule " + r.alert + " to " + g.name
	case 4:
		g := &n.files[file][i]
		if len(g.rules) == 1 {
			return n, "keep the only rule of " + g.name
		}
		j := e.r.IntN(len(g.rules))
		old := g.rules[j].alert
		g.rules = slices.Delete(g.rules, j, j+1)
		return n, "remove rule " + old + " from " + g.name
	case 5:
		g := &n.files[file][i]
		j := e.r.IntN(len(g.rules))
		old := g.rules[j].alert
		g.rules[j].alert = e.name("Rule")
		return n, "rename rule " + old + " to " + g.rules[j].alert
	case 6:
		g := &n.files[file][i]
		g.schedule = randomSchedules[e.r.IntN(len(randomSchedules))]
		return n, "schedule " + g.name + " " + g.schedule
	case 7:
		g := &n.files[file][i]
		j := e.r.IntN(len(g.rules))
		g.rules[j].severity = randomSeverities[e.r.IntN(len(randomSeverities))]
		g.rules[j].indicator = randomIndicators[e.r.IntN(len(randomIndicators))]
		return n, "change rule " + g.rules[j].alert
	case 8:
		to := randomFiles[e.r.IntN(len(randomFiles))]
		g := n.files[file][i]
		n.files[file] = slices.Delete(n.files[file], i, i+1)
		n.files[to] = append(n.files[to], g)
		return n, "move group " + g.name + " to " + to
	case 9:
		// the case: a copy of a file with its groups renamed,
		// deleted again by a later edit
		to := randomFiles[e.r.IntN(len(randomFiles))]
		if to == file {
			return n, "copy nothing"
		}
		for _, g := range n.files[file] {
			g.name = e.name("copy")
			g.rules = slices.Clone(g.rules)
			n.files[to] = append(n.files[to], g)
		}
		return n, "copy " + file + " to " + to + " with the groups renamed"
	case 10:
		delete(n.files, file)
		return n, "delete " + file
	default:
		f := randomFiles[e.r.IntN(len(randomFiles))]
		b := randomBreakages[e.r.IntN(len(randomBreakages))]
		if e.r.IntN(3) == 0 { // a group name used twice
			g := n.files[file][i]
			b = "groups:\n" + g.yaml() + g.yaml()
		}
		n.broken[f] = b
		return n, "break " + f
	}
}

func envInt(t *testing.T, name string, def int64) int64 {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return v
}

// TestRandomRuleEditsKeepTheDaemonConsistent: the crash (a reload
// removing a group panicked in the findings collector) and its siblings
// (series, rule health, findings and alerts of removed or renamed groups
// and rules outliving them; evaluations of the old rules published after
// the swap).
func TestRandomRuleEditsKeepTheDaemonConsistent(t *testing.T) {
	seed := envInt(t, "CHISO_RELOAD_SEED", time.Now().UnixNano())
	edits := int(envInt(t, "CHISO_RELOAD_EDITS", 250))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d: rerun with CHISO_RELOAD_SEED=%d CHISO_RELOAD_EDITS=%d", seed, seed, edits)
		}
	})
	h := start(t, "watch: false\n")
	dir := filepath.Join(h.dir, "rules.d")
	if err := os.Remove(filepath.Join(dir, "coverage.yaml")); err != nil {
		t.Fatal(err)
	}
	ed := &editor{r: rand.New(rand.NewPCG(uint64(seed), 0))}
	cur := &ruleModel{files: map[string][]modelGroup{"a.yaml": {ed.group(), ed.group()}}, broken: map[string]string{}}
	cur.write(t, dir)
	if err := h.d.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	running := cur

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { importLoop(ctx, h, seed) })
	defer func() { stop(); wg.Wait() }()

	start := time.Now()
	var inReload, inCheck time.Duration
	for i := range edits {
		next, what := ed.edit(cur)
		next.write(t, dir)
		t0 := time.Now()
		err := h.d.Reload(context.Background())
		inReload += time.Since(t0)
		if next.valid() != (err == nil) {
			t.Fatalf("edit %d (%s): valid=%v, reload error %v", i, what, next.valid(), err)
		}
		cur = next
		if err == nil {
			running = next
		}
		t0 = time.Now()
		problems := inconsistencies(h, running)
		inCheck += time.Since(t0)
		if len(problems) > 0 {
			t.Fatalf("edit %d (%s):\n%s", i, what, strings.Join(problems, "\n"))
		}
	}
	t.Logf("%d edits in %s (seed %d; reloads %s, checks %s)", edits, time.Since(start).Round(time.Millisecond), seed, inReload, inCheck)
	stop()
	wg.Wait()
	running.write(t, dir) // broken files fixed as they last were valid
	checkEveryRuleFinds(t, h, running)
}

// importLoop posts out-of-range and corrected figures until ctx ends, so
// that imports evaluate groups while they are reloaded.
func importLoop(ctx context.Context, h *harness, seed int64) {
	r := rand.New(rand.NewPCG(uint64(seed), 1))
	areas := []string{"PT", "VP", "HB", "DB"}
	for ctx.Err() == nil {
		v := 120 + r.IntN(10)
		if r.IntN(4) == 0 {
			v = 50
		}
		body := fmt.Sprintf("indicator,area,period,value\n%s,%s,2024,%d\n",
			randomIndicators[r.IntN(len(randomIndicators))], areas[r.IntN(len(areas))], v)
		h.d.importFile(ctx, strings.NewReader(body), "random.csv", "", false, "api", nil) //nolint:errcheck // a cancelled import is fine
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// inconsistencies lists where the daemon disagrees with the rule set it
// runs.
func inconsistencies(h *harness, m *ruleModel) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	want := m.rules()
	if code, _ := h.getCode("/-/healthy"); code != 200 {
		bad("/-/healthy = %d", code)
	}
	var api struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name string `json:"name"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(h.get("/api/v1/rules")), &api); err != nil {
		bad("/api/v1/rules: %v", err)
	}
	got := map[string]map[string]bool{}
	for _, g := range api.Data.Groups {
		got[g.Name] = map[string]bool{}
		for _, r := range g.Rules {
			got[g.Name][r.Name] = true
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		bad("/api/v1/rules has %v, want %v", got, want)
	}
	var findings struct {
		Data []chiso.Finding `json:"data"`
	}
	if err := json.Unmarshal([]byte(h.get("/api/v1/findings")), &findings); err != nil {
		bad("/api/v1/findings: %v", err)
	}
	for _, f := range findings.Data {
		if !want[f.Group][f.Rule] {
			bad("/api/v1/findings has a finding of %s/%s", f.Group, f.Rule)
			break
		}
	}
	out = append(out, metricInconsistencies(h, want)...)
	for _, a := range h.d.alerts.Alerts(time.Now()) {
		if a.State != chiso.Resolved && !want[a.Labels["group"]][a.Labels["alertname"]] {
			bad("alert %s of %s/%s is %s", a.Fingerprint, a.Labels["group"], a.Labels["alertname"], a.State)
		}
	}
	return out
}

// metricInconsistencies checks the group and rule labels of the daemon's
// per-group and per-rule series against the rule set.
func metricInconsistencies(h *harness, want map[string]map[string]bool) []string {
	var out []string
	mfs, err := h.d.Registry().Gather()
	if err != nil {
		return []string{fmt.Sprintf("gather: %v", err)}
	}
	iterated := map[string]bool{}
	for _, mf := range mfs {
		name := mf.GetName()
		if !strings.HasPrefix(name, "chiso_rule_") {
			continue
		}
		for _, s := range mf.GetMetric() {
			group, rule := label(s, "group"), label(s, "rule")
			switch {
			case want[group] == nil:
				out = append(out, fmt.Sprintf("%s has a series of group %s", name, group))
			case rule != "" && !want[group][rule]:
				out = append(out, fmt.Sprintf("%s has a series of rule %s/%s", name, group, rule))
			}
			if name == "chiso_rule_group_iterations_total" {
				iterated[group] = true
			}
		}
	}
	for g := range want {
		if !iterated[g] {
			out = append(out, "chiso_rule_group_iterations_total lacks group "+g)
		}
	}
	return out
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// checkEveryRuleFinds: with the imports stopped and a last reload, every
// rule of the running set finds the out-of-range figures of its indicator
// and raises their alerts, so the checks above did not pass by emptiness.
func checkEveryRuleFinds(t *testing.T, h *harness, m *ruleModel) {
	t.Helper()
	h.post("/api/v1/observations", "text/csv", "indicator,area,period,value\n"+
		"village_mobile_broadband_coverage,VN,2023,130\nvillage_fixed_broadband_coverage,VN,2023,130\n"+
		"village_fibre_coverage,VN,2023,130\nonline_dossier_rate,VN,2023,130\n")
	if err := h.d.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := m.rules()
	h.waitFor("a finding and an alert of every rule", 10*time.Second, func() bool {
		found, alerted := map[string]bool{}, map[string]bool{}
		for f := range h.d.Findings() {
			found[f.Group+"/"+f.Rule] = true
		}
		for _, a := range h.d.alerts.Alerts(time.Now()) {
			if a.State != chiso.Resolved {
				alerted[a.Labels["group"]+"/"+a.Labels["alertname"]] = true
			}
		}
		for g, rs := range want {
			for r := range rs {
				if !found[g+"/"+r] || !alerted[g+"/"+r] {
					return false
				}
			}
		}
		return true
	})
	if problems := inconsistencies(h, m); len(problems) > 0 {
		t.Fatal(strings.Join(problems, "\n"))
	}
}

func (h *harness) getCode(path string) (int, string) {
	h.t.Helper()
	resp, err := http.Get(h.url + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
