package email

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
)

func TestRender(t *testing.T) {
	resolved := notification()
	resolved.Reason = alerts.ReasonResolved
	for i := range resolved.Alerts {
		resolved.Alerts[i].State, resolved.Alerts[i].ResolvedAt = chiso.Resolved, queued
	}
	acked := fibreAlert()
	acked.Ack = &chiso.Acknowledgement{Kind: chiso.AckCorrect, By: "Nguyễn Văn A", At: queued, Comment: "Đã đối chiếu báo cáo gốc"}
	digest := notification()
	digest.Reason, digest.Alerts = alerts.ReasonDigest, nil
	digest.Digest = &alerts.Digest{From: queued.AddDate(0, 0, -7), To: queued,
		Fired: []chiso.Alert{revenueAlert()}, Acknowledged: []chiso.Alert{acked}}
	test := &alerts.Notification{ID: 7, Receiver: "so-khcn", Reason: alerts.ReasonTest, CreatedAt: queued}
	tests := []struct {
		name, lang string
		n          *alerts.Notification
		subject    string
		body       []string // in both parts
		notBody    []string
	}{
		{"firing vi", "vi", notification(), "[chiso] Đang cảnh báo: Tổng doanh thu toàn ngành TT&TT – Vĩnh Phúc (2022) và 1 cảnh báo khác",
			[]string{"Đang cảnh báo (2)", "Chưa đạt mục tiêu"}, []string{"Đã xử lý lúc"}},
		{"firing en", "en", notification(), "[chiso] Firing: ICT sector revenue – Vĩnh Phúc (2022) and 1 more",
			[]string{"Villages reached by fibre", "183,001 billion VND", "83.7%", "Below target", "2026-03-02 07:00 ICT"}, []string{"Kính gửi"}},
		{"resolved vi", "vi", resolved, "[chiso] Đã được xử lý: Tổng doanh thu toàn ngành TT&TT – Vĩnh Phúc (2022) và 1 cảnh báo khác",
			[]string{"Đã được xử lý (2)", "Đã xử lý lúc", "08:00 02/03/2026"}, []string{"Đang cảnh báo ("}},
		{"digest vi", "vi", digest, "[chiso] Tổng hợp cảnh báo 08:00 23/02/2026 – 08:00 02/03/2026: 1 mới, 0 còn tồn, 0 đã xử lý",
			[]string{"Đã phát sinh (1)", "Vẫn đang cảnh báo (0)", "Đã được xử lý (0)", "Đã được xác nhận (1)",
				"Đã xem xét, số liệu đúng", "Nguyễn Văn A", "Đã đối chiếu báo cáo gốc", "183.001 tỷ đồng"}, nil},
		{"digest en", "en", digest, "[chiso] Alert digest 2026-02-23 08:00 ICT – 2026-03-02 08:00 ICT: 1 new, 0 still firing, 0 resolved",
			[]string{"Fired (1)", "Still firing (0)", "Acknowledged (1)", "Reviewed, correct"}, nil},
		{"test vi", "vi", test, "[chiso] Thư thử nghiệm gửi tới so-khcn", []string{"thư thử nghiệm", "so-khcn", "mã thông báo 7"}, []string{"Đang cảnh báo"}},
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

func TestRenderWithoutCatalogue(t *testing.T) {
	n := notification()
	n.Alerts[0].Labels["area_name"] = "Điện Biên"
	_, text, _, err := Render(Config{}, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"village_fibre_coverage – Điện Biên", "ict_revenue – VP", "Số liệu báo cáo: 183.001\n", "Số liệu báo cáo: 83,7\n"} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
}

func TestRenderEscapes(t *testing.T) {
	n := notification()
	n.Alerts = n.Alerts[:1]
	n.Alerts[0].Annotations["summary"] = "<script>alert(1)</script>"
	n.Alerts[0].Labels["area"] = "XX"
	n.Alerts[0].Labels["area_name"] = "Hà Nội\r\nBcc: spy@example.com"
	subject, _, html, err := Render(Config{}, n)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(subject, "\r\n") || subject != "[chiso] Đang cảnh báo: village_fibre_coverage – Hà Nội Bcc: spy@example.com (2022)" {
		t.Errorf("subject %q: want one line", subject)
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Errorf("html does not escape an annotation")
	}
}

func TestRenderSubjectLength(t *testing.T) {
	n := notification()
	n.Alerts[1].Labels["indicator"] = strings.Repeat("chỉ số ", 100)
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
	if !strings.HasPrefix(text, "Tóm tắt\n* Tổng doanh thu") || !strings.Contains(text, "Số liệu báo cáo: 83,7%") {
		t.Errorf("text override did not reuse the shipped alert block:\n%s", text)
	}
	if html != "<h1>Đang cảnh báo</h1>183.001 tỷ đồng83,7%" {
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
		a := fibreAlert()
		a.Fingerprint = fmt.Sprint(i)
		list = append(list, a)
	}
	n := notification()
	n.Reason, n.Alerts = alerts.ReasonDigest, nil
	n.Digest = &alerts.Digest{From: queued.AddDate(0, 0, -7), To: queued, Fired: list, StillFiring: list, Resolved: list, Acknowledged: list}
	bl := builder{lang: "vi", cat: catalogue(), loc: vietnam}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tm.render(bl.data(n), TemplateLimits); err != nil {
			b.Fatal(err)
		}
	}
}

func TestExample(t *testing.T) {
	cat := catalogue()
	cat.Indicators = append(cat.Indicators, chiso.Indicator{Code: "bts_stations", NameVI: "Số trạm BTS", NameEN: "BTS base stations", Unit: "station"})
	cat.Areas = append(cat.Areas, chiso.Area{Code: "PT", Name: "Phú Thọ"})
	tests := []struct {
		reason alerts.Reason
		want   []string
	}{
		{alerts.ReasonFiring, []string{"Số trạm BTS – Phú Thọ", "1.900 trạm", "Tỷ lệ thôn/bản có cáp quang – Điện Biên", "Nghiêm trọng"}},
		{alerts.ReasonRepeat, []string{"Nhắc lại"}},
		{alerts.ReasonResolved, []string{"Vĩnh Phúc", "183.001 tỷ đồng", "Đã xử lý lúc"}},
		{alerts.ReasonDigest, []string{"ĐÃ PHÁT SINH (1)", "VẪN ĐANG CẢNH BÁO (1)", "ĐÃ ĐƯỢC XỬ LÝ (1)", "ĐÃ ĐƯỢC XÁC NHẬN (1)", "Nguyễn Thị Lan"}},
		{alerts.ReasonTest, []string{"thư thử nghiệm"}},
	}
	for _, tt := range tests {
		_, text, _, err := Render(Config{}, Example(tt.reason, queued), WithCatalogue(cat))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: text lacks %q:\n%s", tt.reason, w, text)
			}
		}
	}
}
