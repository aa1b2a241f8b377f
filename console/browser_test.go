package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium.
const chromiumPath = "/usr/bin/chromium"

// browser is one headless Chromium shared by the subtests, with what went
// wrong on its pages: script errors, console errors and failed requests.
type browser struct {
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

// newBrowser starts Chromium, or skips the test when it is missing (fails
// under CI=true, where it must be installed).
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath("chromium"); lerr == nil {
			path = p
		} else if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required under CI=true: %v", err)
		} else {
			t.Skipf("no chromium (%v); install Debian's chromium to run the browser tests", err)
		}
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	_ = chromedp.Listen(ctx, b.observe)
	return b
}

// observe records what a page did wrong.
func (b *browser) observe(ev any) {
	var msg string
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = "script error: " + e.ExceptionDetails.Text
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError {
			msg = "console error"
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			msg = "console: " + e.Entry.Text + " " + e.Entry.URL
		}
	case *network.EventLoadingFailed:
		if !e.Canceled {
			msg = "request failed: " + e.ErrorText
		}
	case *network.EventResponseReceived:
		if e.Response.Status >= 400 {
			msg = fmt.Sprintf("request %s: %d", e.Response.URL, e.Response.Status)
		}
	}
	if msg != "" {
		b.mu.Lock()
		b.errs = append(b.errs, msg)
		b.mu.Unlock()
	}
}

// take returns and forgets the problems seen so far.
func (b *browser) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.errs
	b.errs = nil
	return out
}

// do runs actions with a deadline.
func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// screenshotDir is where the tests save their screenshots: $CHISO_SCREENSHOTS,
// or a temporary directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("CHISO_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// The overflow checks compare the page's width with the screen's: a
// phone's browser widens its layout viewport to a page that overflows, so
// window.innerWidth would grow with the page.

// viewports are the screen sizes every page is looked at in: a laptop and
// the phone on which department heads open the e-mails' links.
var viewports = []struct {
	name   string
	w, h   int64
	mobile bool
}{{"1280x800", 1280, 800, false}, {"390x844", 390, 844, true}}

func TestBrowser(t *testing.T) {
	b := newBrowser(t)
	s := startSite(t)
	shots := screenshotDir(t)
	t.Logf("screenshots in %s", shots)

	pages := []struct{ name, path, must string }{
		{"home", "/", "table.grid"},
		{"findings", "/findings", "table.list"},
		{"series-vp-ict-revenue", "/series/ict_revenue/VP", "svg.chart"},
		{"series-pt25-teams", "/series/community_digital_teams/PT25", "svg.chart"},
		{"series-db-documents", "/series/electronic_document_rate/DB", "svg.chart"},
		{"alerts", "/alerts", "section.group"},
		{"rules", "/rules", "section.group"},
		{"import", "/import", "h1"},
		{"signin", "/signin", "form"},
	}
	t.Run("pages", func(t *testing.T) {
		for _, vp := range viewports {
			for _, p := range pages {
				t.Run(vp.name+"/"+p.name, func(t *testing.T) {
					var opts []chromedp.EmulateViewportOption
					if vp.mobile {
						opts = append(opts, chromedp.EmulateMobile)
					}
					b.do(t, chromedp.EmulateViewport(vp.w, vp.h, opts...),
						chromedp.Navigate(s.url+p.path), chromedp.WaitReady(chromedp.CSS(p.must)))
					if errs := b.take(); len(errs) > 0 {
						t.Errorf("%s: %s", p.path, strings.Join(errs, "; "))
					}
					if over := eval[float64](t, b, fmt.Sprintf(`document.documentElement.scrollWidth - %d`, vp.w)); over > 0 {
						t.Errorf("%s at %s: the page is %gpx wider than the screen", p.path, vp.name, over)
					}
					if small := eval[int](t, b, smallText); small > 0 {
						t.Errorf("%s at %s: %d texts are smaller than 9px on the screen", p.path, vp.name, small)
					}
					png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
					if err != nil {
						t.Fatal(err)
					}
					name := filepath.Join(shots, p.name+"-"+vp.name+".png")
					if err := os.WriteFile(name, png, 0o644); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	})
	b.do(t, chromedp.EmulateViewport(1280, 800))

	t.Run("series draws every figure, the finding on its point and the half-year apart", func(t *testing.T) {
		b.do(t, chromedp.Navigate(s.url+"/series/ict_revenue/VP"), chromedp.WaitReady(chromedp.CSS("svg.chart")))
		got := eval[[]string](t, b, `[...document.querySelectorAll('svg.chart circle.pt')].map(c => c.closest('g.panel').dataset.kind + ':' + c.dataset.period + '=' + c.dataset.value)`)
		want := []string{"year:2004=127", "year:2010=1307.44", "year:2015=3560", "year:2022=183001", "half:2023-H1=96875"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("points %v, want %v", got, want)
		}
		title := eval[string](t, b, `(document.querySelector('svg.chart g.panel[data-kind="year"] g.fnd[data-period="2022"] title') || {}).textContent || ''`)
		if !strings.Contains(title, "×51") {
			t.Errorf("the finding on 2022 says %q, want the ×51 message", title)
		}
		lines := eval[int](t, b, `[...document.querySelectorAll('svg.chart g.panel[data-kind="half"] polyline')].length`)
		if lines != 0 {
			t.Errorf("the half-year panel joins %d lines: a lone half-year must not be joined to anything", lines)
		}
	})

	t.Run("Phú Thọ after the merger shows the predecessors' sum", func(t *testing.T) {
		b.do(t, chromedp.Navigate(s.url+"/series/community_digital_teams/PT25"), chromedp.WaitReady(chromedp.CSS("svg.chart")))
		v := eval[string](t, b, `(document.querySelector('svg.chart rect.pred[data-period="2024"]') || {dataset:{}}).dataset.value || ''`)
		if v != "4900" {
			t.Errorf("predecessors' sum drawn for 2024: %q, want 4900 (2.500 + 1.300 + 1.100)", v)
		}
		table := eval[string](t, b, `document.querySelector('table.preds').innerText`)
		if !strings.Contains(table, "4.900") {
			t.Errorf("the sums' table %q lacks 4.900", table)
		}
		if n := eval[int](t, b, `document.querySelectorAll('svg.chart circle.rev[data-period="2025"]').length`); n != 1 {
			t.Errorf("%d earlier revisions drawn for 2025, want the estimate", n)
		}
	})

	t.Run("Điện Biên's trên 95% is drawn as a range", func(t *testing.T) {
		b.do(t, chromedp.Navigate(s.url+"/series/electronic_document_rate/DB"), chromedp.WaitReady(chromedp.CSS("svg.chart")))
		rng := eval[string](t, b, `(() => { const l = document.querySelector('svg.chart line.rng[data-period="2022"]'); return l ? l.dataset.lo + '..' + l.dataset.hi : '' })()`)
		if rng != "95..100" {
			t.Errorf("range drawn %q, want 95..100", rng)
		}
	})

	t.Run("an acknowledgement and a silence made in the browser reach the API", func(t *testing.T) {
		signIn(t, b, s)
		b.do(t, chromedp.Navigate(s.url+"/series/ict_revenue/VP"), chromedp.WaitReady(chromedp.CSS("form.ack")))
		shoot(t, b, shots, "series-signed-in")
		b.do(t,
			chromedp.SendKeys(chromedp.CSS("form.ack input[name=by]"), "Nguyễn Văn A"),
			chromedp.SendKeys(chromedp.CSS("form.ack input[name=comment]"), "đổi phạm vi thống kê"),
			chromedp.Click(chromedp.CSS(`form.ack button[value="correct"]`)),
			chromedp.WaitReady(chromedp.CSS("p.ok")))
		var alerts struct {
			Data []struct {
				Labels map[string]string `json:"labels"`
				Ack    *struct {
					Kind string `json:"kind"`
					By   string `json:"by"`
				} `json:"acknowledgement"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(s.get("/api/v1/alerts?filter="+urlQuery(`{alertname="RevenueChangeImplausible",area="VP"}`))), &alerts); err != nil {
			t.Fatal(err)
		}
		if len(alerts.Data) != 1 || alerts.Data[0].Ack == nil || alerts.Data[0].Ack.By != "Nguyễn Văn A" || alerts.Data[0].Ack.Kind != "correct" {
			t.Errorf("the API's alert after the acknowledgement: %+v", alerts.Data)
		}

		b.do(t, chromedp.Navigate(s.url+"/alerts"), chromedp.WaitReady(chromedp.CSS("#new-silence")),
			chromedp.SendKeys(chromedp.CSS(`form[action="/silences"] input[name=matchers]`), `alertname="DTIRankMissing"`),
			chromedp.SendKeys(chromedp.CSS(`form[action="/silences"] input[name=by]`), "ops"),
			chromedp.Click(chromedp.CSS(`form[action="/silences"] button[name=preview]`)),
			chromedp.WaitReady(chromedp.CSS("section.preview")))
		shoot(t, b, shots, "alerts-silence-preview")
		caught := eval[int](t, b, `document.querySelectorAll('section.preview tbody tr').length`)
		if caught != 1 {
			t.Errorf("the preview catches %d alerts, want DTIRankMissing's one", caught)
		}
		if errs := b.take(); len(errs) > 0 {
			t.Errorf("preview: %s", strings.Join(errs, "; "))
		}
		b.do(t, chromedp.SendKeys(chromedp.CSS(`form[action="/silences"] input[name=comment]`), "chờ công bố DTI"),
			chromedp.Click(chromedp.CSS(`form[action="/silences"] button:not([name])`)),
			chromedp.WaitReady(chromedp.CSS(`table tr[id^="s-"]`)))
		sil := s.get("/api/v1/silences")
		if !strings.Contains(sil, `DTIRankMissing`) || !strings.Contains(sil, `"created_by":"ops"`) || !strings.Contains(sil, `"state":"active"`) {
			t.Errorf("the API's silences after the browser's: %s", sil)
		}
		b.do(t, chromedp.Click(chromedp.CSS(`form[action$="/expire"] button`)),
			chromedp.WaitNotPresent(chromedp.CSS(`form[action$="/expire"]`)))
		if sil := s.get("/api/v1/silences"); !strings.Contains(sil, `"state":"expired"`) || strings.Contains(sil, `"state":"active"`) {
			t.Errorf("the API's silences after expiring it in the browser: %s", sil)
		}
		if errs := b.take(); len(errs) > 0 {
			t.Errorf("%s", strings.Join(errs, "; "))
		}
	})

	t.Run("the import's dry run shows a bad cell's error and commits nothing", func(t *testing.T) {
		signIn(t, b, s)
		before := s.get("/api/v1/observations?indicator=ict_revenue&area=VP")
		dir := t.TempDir()
		bad := filepath.Join(dir, "bad.csv")
		write(t, bad, "indicator,area,period,value,qualifier,raw,source,reported_on\n"+
			"ict_revenue,VP,2024,200.000,,200.000 tỷ đồng,bad.csv,2025-01-10\n"+
			"ict_revenue,VP,2023,một trăm,,một trăm tỷ,bad.csv,2025-01-10\n")
		b.do(t, chromedp.Navigate(s.url+"/import"), chromedp.WaitReady(chromedp.CSS(`input[type=file]`)),
			chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{bad}),
			chromedp.Click(chromedp.CSS(`form[action="/import"] button`)),
			chromedp.WaitReady(chromedp.CSS("table.problems")))
		b.take() // the dry run's page answers 422: expected
		shoot(t, b, shots, "import-dry-run-errors")
		where := eval[string](t, b, `document.querySelector('table.problems').innerText`)
		if !strings.Contains(where, "bad.csv:3") || !strings.Contains(where, "một trăm") {
			t.Errorf("the dry run's errors %q do not name the bad cell (bad.csv line 3, \"một trăm\")", where)
		}
		if n := eval[int](t, b, `document.querySelectorAll('form[action="/import/commit"]').length`); n != 0 {
			t.Errorf("a file with errors offers a commit")
		}
		if after := s.get("/api/v1/observations?indicator=ict_revenue&area=VP"); after != before {
			t.Errorf("the dry run changed the store:\nbefore %s\nafter  %s", before, after)
		}

		good := filepath.Join(dir, "good.csv")
		write(t, good, "indicator,area,period,value,qualifier,raw,source,reported_on\n"+
			"ict_revenue,VP,2024,200000,preliminary,sơ bộ 200.000 tỷ đồng,good.csv,2025-01-10\n"+
			"ict_revenue,VP,2015,3600,,3.600 tỷ đồng,good.csv,2025-01-10\n"+
			"ict_revenue,VP,2010,1307.44,,\"1.307,44 tỷ đồng\",good.csv,2025-01-10\n")
		b.do(t, chromedp.Navigate(s.url+"/import"), chromedp.WaitReady(chromedp.CSS(`input[type=file]`)),
			chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{good}),
			chromedp.Click(chromedp.CSS(`form[action="/import"] button`)),
			chromedp.WaitReady(chromedp.CSS(`form[action="/import/commit"]`)))
		if added := eval[string](t, b, `document.querySelector('.n-added').textContent`); added != "1" {
			t.Errorf("the dry run would add %s, want 1", added)
		}
		rows := eval[[]string](t, b, `[...document.querySelectorAll('table.rows tbody tr')].map(r => r.className + ': ' + r.innerText.replace(/\s+/g, ' ').trim())`)
		want := []string{
			"added: Vĩnh Phúc Tổng doanh thu toàn ngành TT&TT năm 2024 sơ bộ 200.000 tỷ đồng «sơ bộ 200.000 tỷ đồng» Thêm mới",
			"revised: Vĩnh Phúc Tổng doanh thu toàn ngành TT&TT năm 2015 3.600 tỷ đồng «3.600 tỷ đồng» Sửa đổi 3.560 tỷ đồng →",
			"unchanged: Vĩnh Phúc Tổng doanh thu toàn ngành TT&TT năm 2010 1.307,44 tỷ đồng «1.307,44 tỷ đồng» Không đổi",
		}
		if strings.Join(rows, "\n") != strings.Join(want, "\n") {
			t.Errorf("the dry run's rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
		if after := s.get("/api/v1/observations?indicator=ict_revenue&area=VP"); after != before {
			t.Errorf("the dry run changed the store")
		}
		shoot(t, b, shots, "import-dry-run")
		b.do(t, chromedp.Click(chromedp.CSS(`form[action="/import/commit"] button`)), chromedp.WaitReady(chromedp.CSS(`section.committed`)))
		if !strings.Contains(s.get("/api/v1/observations?indicator=ict_revenue&area=VP"), `"period":"2024"`) {
			t.Errorf("the commit did not store the 2024 figure")
		}
		if errs := b.take(); len(errs) > 0 {
			t.Errorf("%s", strings.Join(errs, "; "))
		}
	})
}

// shoot saves the page as it is at both screen sizes, checking that it
// fits the phone, and leaves the browser at the laptop's size.
func shoot(t *testing.T, b *browser, dir, name string) {
	t.Helper()
	for _, vp := range viewports {
		var opts []chromedp.EmulateViewportOption
		if vp.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		b.do(t, chromedp.EmulateViewport(vp.w, vp.h, opts...))
		if over := eval[float64](t, b, fmt.Sprintf(`document.documentElement.scrollWidth - %d`, vp.w)); over > 0 {
			t.Errorf("%s at %s: the page is %gpx wider than the screen", name, vp.name, over)
		}
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+vp.name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b.do(t, chromedp.EmulateViewport(1280, 800))
}

// signIn signs the browser in with the site's token.
func signIn(t *testing.T, b *browser, s *site) {
	t.Helper()
	b.do(t, chromedp.Navigate(s.url+"/signin"), chromedp.WaitReady(chromedp.CSS(`input[name=token]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=token]`), s.token),
		chromedp.Submit(chromedp.CSS(`input[name=token]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`input[name=token]`)),
		chromedp.WaitReady(chromedp.CSS(`form[action="/signout"]`)))
}

// smallText counts the texts drawn smaller than 9 CSS pixels on screen
// (the chart's text shrinks with the chart).
const smallText = `[...document.querySelectorAll('body *')].filter(e => {
  if (!e.childNodes.length || ![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) return false;
  const r = e.getBoundingClientRect(); if (!r.width) return false;
  let px = parseFloat(getComputedStyle(e).fontSize);
  const svg = e.closest('svg');
  if (svg) { px *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width; }
  return px < 9;
}).length`

func urlQuery(s string) string {
	r := strings.NewReplacer("{", "%7B", "}", "%7D", `"`, "%22", "=", "%3D", ",", "%2C", " ", "%20")
	return r.Replace(s)
}
