package email

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
)

func TestRender(t *testing.T) {
	resolved := notification()
	resolved.Reason = alerting.ReasonResolved
	for i, why := range []chiso.ResolveReason{chiso.ResolvedRevised, chiso.ResolvedNewData} {
		resolved.Alerts[i].State, resolved.Alerts[i].ResolvedAt, resolved.Alerts[i].ResolvedBecause = chiso.Resolved, queued, why
	}
	acked := documentAlert()
	acked.Ack = &chiso.Acknowledgement{Kind: chiso.AckCorrect, By: "Nguyễn Văn A", At: queued, Comment: "Đã đối chiếu báo cáo gốc"}
	digest := notification()
	digest.Reason, digest.Alerts = alerting.ReasonDigest, nil
	digest.Digest = &alerts.Digest{From: queued.AddDate(0, 0, -7), To: queued,
		Fired: []chiso.Alert{revenueAlert()}, Acknowledged: []chiso.Alert{acked}}
	test := &alerts.Notification{ID: 7, Receiver: "so-khcn", Reason: alerting.ReasonTest, CreatedAt: queued}
	one := notification()
	one.Alerts = one.Alerts[1:]
	tests := []struct {
		name, lang string
		n          *alerts.Notification
		subject    string
		body       []string // in both parts
		notBody    []string
	}{
		{"firing vi", "vi", notification(), "[chiso] Vĩnh Phúc, Điện Biên: 2 số liệu cần kiểm tra",
			[]string{"2 số liệu của Vĩnh Phúc, Điện Biên cần anh/chị xem lại", "trên 95%", "Đề nghị xin số liệu chính xác thay cho “trên 95%”"},
			[]string{"Đã xử lý lúc", "Quy tắc", "Nghiêm trọng"}},
		{"firing en", "en", notification(), "[chiso] Vĩnh Phúc, Điện Biên: 2 figures to check",
			[]string{"Documents exchanged electronically – Điện Biên, 2022", "183,001 billion VND", "over 95%",
				"Ask for the exact figure instead of “over 95%”", "2 March 2026, 08:00 ICT"},
			[]string{"Kính gửi", "trên 95", "chưa thể"}},
		{"one en", "en", one, "[chiso] Vĩnh Phúc: 1 figure to check", []string{"found 1 figure of Vĩnh Phúc that needs"}, nil},
		{"resolved vi", "vi", resolved, "[chiso] Vĩnh Phúc, Điện Biên: 2 số liệu không còn cần kiểm tra",
			[]string{"Số liệu đã được đính chính", "Số liệu mới công bố đã giải thích chênh lệch"}, []string{"Cần làm", "ĐÃ ĐƯỢC XỬ LÝ"}},
		{"resolved en", "en", resolved, "[chiso] Vĩnh Phúc, Điện Biên: 2 figures no longer to check",
			[]string{"The figure was corrected", "Newer figures explain it"}, []string{"What to do"}},
		{"digest vi", "vi", digest, "[chiso] Vĩnh Phúc, Điện Biên: 1 số liệu cần kiểm tra, 0 đã xong (tổng hợp 23/02/2026 – 02/03/2026)",
			[]string{"Mới phát hiện (1)", "Vẫn cần kiểm tra (0)", "Không còn cần kiểm tra (0)", "Cán bộ phụ trách đã xác nhận (1)",
				"Nguyễn Văn A xác nhận lúc 08:00 ngày 02/03/2026: số liệu đúng. “Đã đối chiếu báo cáo gốc”", "183.001 tỷ đồng"}, nil},
		{"digest en", "en", digest, "[chiso] Vĩnh Phúc, Điện Biên: 1 to check, 0 cleared (digest 23 February 2026 – 2 March 2026)",
			[]string{"New (1)", "Still to check (0)", "Acknowledged by a data steward (1)", "Nguyễn Văn A confirmed on 2 March 2026, 08:00 ICT that the figure is correct."}, nil},
		{"test vi", "vi", test, "[chiso] Thư thử nghiệm gửi tới so-khcn", []string{"thư thử nghiệm", "so-khcn"}, []string{"Cần kiểm tra"}},
		{"test en", "en", test, "[chiso] Test message for so-khcn", []string{"test message", "so-khcn"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject, text, html, err := Render(Config{Lang: tt.lang}, tt.n, WithCatalogue(catalogue()))
			if err != nil {
				t.Fatal(err)
			}
			if subject != tt.subject {
				t.Errorf("subject\n got %q\nwant %q", subject, tt.subject)
			}
			for _, w := range tt.body {
				if !strings.Contains(strings.ToLower(text), strings.ToLower(w)) || !strings.Contains(strings.ToLower(html), strings.ToLower(w)) {
					t.Errorf("a part lacks %q\ntext:\n%s", w, text)
				}
			}
			for _, w := range tt.notBody {
				if strings.Contains(text, w) {
					t.Errorf("text has %q:\n%s", w, text)
				}
			}
		})
	}
}

// TestRenderWritesItsOwnSentences renders Vietnamese findings for an
// English receiver: what is wrong is written from the findings' fields, so
// that the message is in one language.
func TestRenderWritesItsOwnSentences(t *testing.T) {
	n := notification()
	n.Lang = "vi"
	_, text, _, err := Render(Config{Lang: "en"}, n, WithCatalogue(catalogue()))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Problem: Over 95% (2022): whether it meets the target of 100% cannot be told.",
		"Problem: 183,001 billion VND (2022) changed implausibly from the previous period (plausible: 60,826.2 billion VND).",
		"What to do: Check 183,001 billion VND against 001_458128be76c48929.txt."} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "năm 2022") || strings.Contains(text, "chưa") {
		t.Errorf("an English message has Vietnamese words:\n%s", text)
	}
}

func TestRenderWithoutCatalogue(t *testing.T) {
	n := notification()
	n.Alerts[0].Labels["area_name"] = "Điện Biên"
	_, text, _, err := Render(Config{}, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"electronic_document_rate – Điện Biên", "ict_revenue – VP", "Số liệu công bố: 183.001\n",
		"Số liệu công bố: trên 95\n", "Nguồn: 003_efe2a831d2015491.txt\n"} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
}

func TestRenderEscapes(t *testing.T) {
	n := notification()
	n.Alerts = n.Alerts[:1]
	n.Alerts[0].Finding.Message = "<script>alert(1)</script>"
	n.Alerts[0].Labels["area"] = "XX"
	n.Alerts[0].Finding.Area = "XX"
	n.Alerts[0].Labels["area_name"] = "Hà Nội\r\nBcc: spy@example.com"
	subject, _, html, err := Render(Config{}, n)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(subject, "\r\n") || subject != "[chiso] Hà Nội Bcc: spy@example.com: 1 số liệu cần kiểm tra" {
		t.Errorf("subject %q: want one line", subject)
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Errorf("html does not escape a message")
	}
}

func TestRenderSubjectLength(t *testing.T) {
	n := notification()
	n.Alerts[1].Labels["area_name"] = strings.Repeat("tỉnh ", 100)
	n.Alerts[1].Labels["area"] = "XX"
	subject, _, _, err := Render(Config{}, n)
	if err != nil {
		t.Fatal(err)
	}
	if r := []rune(subject); len(r) != maxSubject || !strings.HasSuffix(subject, "…") {
		t.Errorf("subject of %d runes %q: want %d ending in …", len(r), subject, maxSubject)
	}
}

func TestRenderOverrides(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := Config{
		Subject: write("subject.tmpl", "{{.Receiver}}: {{len .Firing}} {{with .First}}{{.AreaName | upper}}{{end}}"),
		Text:    write("text.tmpl", "Tóm tắt\n{{range .Alerts}}{{template \"alert.text\" .}}{{end}}"),
		HTML:    write("html.tmpl", "<h1>{{.ReasonText}}</h1>{{range .Alerts}}{{.Value}}{{end}}"),
	}
	subject, text, html, err := Render(cfg, notification(), WithCatalogue(catalogue()))
	if err != nil {
		t.Fatal(err)
	}
	if subject != "so-khcn: 2 VĨNH PHÚC" {
		t.Errorf("subject %q", subject)
	}
	if !strings.HasPrefix(text, "Tóm tắt\nTổng doanh thu") || !strings.Contains(text, "Số liệu công bố: trên 95%") {
		t.Errorf("text override did not reuse the shipped alert block:\n%s", text)
	}
	if html != "<h1>Cần kiểm tra</h1>183.001 tỷ đồng95%" {
		t.Errorf("html %q", html)
	}
}

func TestRenderBadOverrides(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tmpl")
	tests := []struct{ text, want string }{
		{"line one\n{{.NoSuchField}}", "bad.tmpl:2"},
		{"{{if}}", "bad.tmpl:1"},
		{"{{nosuchfunc .Reason}}", "nosuchfunc"},
		{"{{.Digest.From}}", "nil pointer"},
	}
	for _, tt := range tests {
		if err := os.WriteFile(bad, []byte(tt.text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := Render(Config{Text: bad}, notification())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("template %q: err %v, want one naming %q", tt.text, err, tt.want)
		}
	}
	if _, _, _, err := Render(Config{HTML: filepath.Join(dir, "missing.tmpl")}, notification()); err == nil || !strings.Contains(err.Error(), "missing.tmpl") {
		t.Errorf("missing file: err %v", err)
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		v      float64
		vi, en string
	}{
		{0, "0", "0"},
		{83.7, "83,7", "83.7"},
		{183001, "183.001", "183,001"},
		{1307.44, "1.307,44", "1,307.44"},
		{-2500, "-2.500", "-2,500"},
		{1234567.8912, "1.234.567,891", "1,234,567.891"},
		{-0.0001, "0", "0"},
	}
	for _, tt := range tests {
		if got := formatNumber(tt.v, "vi"); got != tt.vi {
			t.Errorf("vi %v: %q, want %q", tt.v, got, tt.vi)
		}
		if got := formatNumber(tt.v, "en"); got != tt.en {
			t.Errorf("en %v: %q, want %q", tt.v, got, tt.en)
		}
	}
	b := builder{lang: "vi"}
	if got := b.figure(math.NaN(), chiso.Indicator{Unit: "percent"}); got != "" {
		t.Errorf("NaN figure %q", got)
	}
}

func TestValidate(t *testing.T) {
	good := Config{Smarthost: "mail.example.vn:587", From: "chiso <chiso@example.vn>", Username: "u", PasswordEnv: "P"}
	if errs := good.Validate(); len(errs) != 0 {
		t.Errorf("good config: %v", errs)
	}
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"empty", Config{}, []string{"smarthost: missing", "from: missing"}},
		{"no port", Config{Smarthost: "mail.example.vn", From: "a@b.vn"}, []string{`smarthost: bad address "mail.example.vn"`}},
		{"bad port", Config{Smarthost: "mail.example.vn:99999", From: "a@b.vn"}, []string{"port in 1–65535"}},
		{"none off loopback", Config{Smarthost: "mail.example.vn:25", TLS: "none", From: "a@b.vn"}, []string{"tls: none is allowed only"}},
		{"credentials in clear", Config{Smarthost: "127.0.0.1:25", TLS: "none", From: "a@b.vn", Username: "u", PasswordEnv: "P"},
			[]string{`tls: none with username "u"`}},
		{"unknown tls", Config{Smarthost: "127.0.0.1:25", TLS: "ssl", From: "a@b.vn"}, []string{`tls: unknown mode "ssl"`}},
		{"everything", Config{Smarthost: "x:1", From: "nope", To: []string{"a@b.vn", "bad"}, Lang: "fr", Timeout: -1,
			PasswordFile: "f", PasswordEnv: "E"},
			[]string{"both set", "username: empty", `from: bad address "nope"`, `to[1]: bad address "bad"`,
				`lang: unknown language "fr"`, "timeout: negative"}},
		{"user without password", Config{Smarthost: "x:1", From: "a@b.vn", Username: "u"}, []string{`password_file or password_env: missing for username "u"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := tt.cfg.Validate()
			if len(errs) != len(tt.want) {
				t.Errorf("got %d problems %v, want %d", len(errs), errs, len(tt.want))
			}
			for i, w := range tt.want {
				if i < len(errs) && !strings.Contains(errs[i].Error(), w) {
					t.Errorf("problem %d: %q, want %q", i, errs[i], w)
				}
			}
		})
	}
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "smarthost") || !strings.Contains(err.Error(), "from") {
		t.Errorf("New on an empty config: %v, want every problem", err)
	}
}

// FuzzRender feeds arbitrary annotation and label text through the shipped
// templates: the subject stays one line and the HTML escapes markup.
func FuzzRender(f *testing.F) {
	f.Add("Điện Biên", "tóm tắt <b>", "VP")
	f.Add("a\r\nBcc: x@y", "\x00\xff", "")
	parsed := map[string]*templates{}
	for _, lang := range []string{"vi", "en"} {
		tm, err := loadTemplates(Config{Lang: lang})
		if err != nil {
			f.Fatal(err)
		}
		parsed[lang] = tm
	}
	f.Fuzz(func(t *testing.T, areaName, summary, indicator string) {
		n := notification()
		n.Alerts[0].Labels["area"], n.Alerts[0].Labels["area_name"] = "ZZ", areaName
		n.Alerts[0].Labels["indicator"] = indicator
		n.Alerts[0].Annotations["summary"] = "<script>" + summary
		for _, lang := range []string{"vi", "en"} {
			r, cut, err := parsed[lang].render(builder{lang: lang, loc: vietnam}.data(n), TemplateLimits)
			if err != nil || len(cut) > 0 {
				t.Fatal(err, cut)
			}
			subject, html := r.subject, r.html
			if strings.ContainsAny(subject, "\r\n") {
				t.Errorf("subject %q has a line break", subject)
			}
			if strings.Contains(html, "<script>") {
				t.Errorf("html has the summary %q unescaped", summary)
			}
		}
	})
}

// BenchmarkRenderDigest renders a weekly digest of 400 alerts (100 per
// section) with parsed templates, as Notify does.
func BenchmarkRenderDigest(b *testing.B) {
	tm, err := loadTemplates(Config{Lang: "vi"})
	if err != nil {
		b.Fatal(err)
	}
	var list []chiso.Alert
	for i := range 100 {
		a := documentAlert()
		a.Fingerprint = fmt.Sprint(i)
		list = append(list, a)
	}
	n := notification()
	n.Reason, n.Alerts = alerting.ReasonDigest, nil
	n.Digest = &alerts.Digest{From: queued.AddDate(0, 0, -7), To: queued, Fired: list, StillFiring: list, Resolved: list, Acknowledged: list}
	bl := builder{lang: "vi", cat: catalogue(), loc: vietnam}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tm.render(bl.data(n), TemplateLimits); err != nil {
			b.Fatal(err)
		}
	}
}
