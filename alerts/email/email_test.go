package email

import (
	"context"
	"errors"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/emersion/go-smtp"
)

var queued = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 08:00 in Hanoi

// catalogue holds the names, units and sources the fixtures refer to.
func catalogue() *chiso.Catalogue {
	return &chiso.Catalogue{
		Indicators: []chiso.Indicator{
			{Code: "electronic_document_rate", NameVI: "Tỷ lệ văn bản điện tử", NameEN: "Documents exchanged electronically", Unit: "percent", Kind: chiso.KindPercent},
			{Code: "ict_revenue", NameVI: "Tổng doanh thu toàn ngành TT&TT", NameEN: "ICT sector revenue", Unit: "billion_vnd", Kind: chiso.KindMoney},
		},
		Areas: []chiso.Area{{Code: "DB", Name: "Điện Biên"}, {Code: "VP", Name: "Vĩnh Phúc"}},
		Sources: []chiso.Source{{ID: "003_efe2a831d2015491.txt", Title: "Sở Thông tin và Truyền thông tỉnh Điện Biên: 15 năm xây dựng và phát triển",
			Publisher: "Sở Thông tin và Truyền thông tỉnh Điện Biên", Published: time.Date(2022, 6, 5, 0, 0, 0, 0, time.UTC),
			URL: "https://stttt.dienbien.gov.vn/15-nam"}},
	}
}

// documentAlert is a firing below-target alert for Điện Biên: "trên 95%"
// against a target of 100%.
func documentAlert() chiso.Alert {
	f := chiso.Finding{Rule: "IndicatorBelowTarget", Group: "targets", Diagnosis: chiso.BelowTarget, Severity: chiso.Warning,
		Status: chiso.Indeterminate, Indicator: "electronic_document_rate", Area: "DB", Period: chiso.MustParsePeriod("2022"),
		Value: 95, Qualifier: chiso.Over, Expected: 100,
		Message: "Tỷ lệ văn bản điện tử của Điện Biên: trên 95% (năm 2022) — chưa thể kết luận có đạt mục tiêu ≥ 100% vào năm 2025 hay không. Nguồn: 003_efe2a831d2015491.txt.",
		Source:  "003_efe2a831d2015491.txt"}
	return chiso.Alert{Fingerprint: "fp-doc", State: chiso.Firing, FiredAt: queued.Add(-time.Hour), Value: f.Value, Expected: f.Expected, Finding: f,
		Labels: map[string]string{"alertname": f.Rule, "group": f.Group, "severity": "warning", "diagnosis": "below_target",
			"indicator": f.Indicator, "area": f.Area},
		Annotations: map[string]string{"summary": "Điện Biên: văn bản điện tử", "description": "Mục tiêu 100% văn bản điện tử năm 2025."}}
}

// revenueAlert is an implausible-change alert for Vĩnh Phúc.
func revenueAlert() chiso.Alert {
	a := documentAlert()
	a.Fingerprint, a.Value, a.Expected = "fp-rev", 183001, 60826.2
	a.Finding = chiso.Finding{Rule: "RevenueChangeImplausible", Diagnosis: chiso.ImplausibleChange, Severity: chiso.Critical, Status: chiso.Fail,
		Indicator: "ict_revenue", Area: "VP", Period: chiso.MustParsePeriod("2022"), Value: 183001, Expected: 60826.2,
		Message: "Tổng doanh thu toàn ngành TT&TT của Vĩnh Phúc: 183.001 tỷ đồng (năm 2022) so với 3.560 tỷ đồng (năm 2015): +75,6%/năm, vượt mức hợp lý +50%/năm. Nguồn: 001_458128be76c48929.txt.",
		Source:  "001_458128be76c48929.txt"}
	a.Labels = map[string]string{"alertname": "RevenueChangeImplausible", "severity": "critical", "diagnosis": "implausible_change", "indicator": "ict_revenue", "area": "VP", "period": "2022"}
	a.Annotations = map[string]string{"summary": "Doanh thu tăng bất thường", "description": ""}
	return a
}

// notification is a firing notification to the department head.
func notification() *alerts.Notification {
	return &alerts.Notification{ID: 42, Receiver: "so-khcn", GroupKey: "{}:{area=\"DB\"}", Reason: alerting.ReasonFiring,
		GroupLabels: map[string]string{"area": "DB"}, Alerts: []chiso.Alert{documentAlert(), revenueAlert()},
		Recipients: []string{"Giám đốc Sở <giamdoc@sokhcn.dienbien.gov.vn>"}, ExternalURL: "https://chiso.example.vn/", CreatedAt: queued}
}

// config returns a receiver for the server.
func config(s *smtpServer, mode serverMode) Config {
	c := Config{Smarthost: s.Addr, TLS: mode.tls, CAFile: s.CAFile, From: "chiso <chiso@sokhcn.dienbien.gov.vn>", Timeout: 5 * time.Second}
	if mode.user != "" {
		c.Username, c.PasswordEnv = mode.user, "CHISO_TEST_SMTP_PASSWORD"
	}
	return c
}

// parsed is a received message, decoded.
type parsed struct {
	Header       mail.Header
	Subject      string
	Text, HTML   string
	ContentTypes []string
}

// parse reads a message with net/mail and mime/multipart as a mail client would.
func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	p := parsed{Header: m.Header}
	if raw := m.Header.Get("Subject"); strings.IndexFunc(raw, func(r rune) bool { return r > 127 }) >= 0 {
		t.Errorf("raw Subject %q is not RFC 2047-encoded", raw)
	}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part)
		ct := part.Header.Get("Content-Type")
		p.ContentTypes = append(p.ContentTypes, ct)
		switch {
		case strings.HasPrefix(ct, "text/plain"):
			p.Text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			p.HTML = string(b)
		}
	}
	return p
}

func TestNotifyDelivers(t *testing.T) {
	t.Setenv("CHISO_TEST_SMTP_PASSWORD", "mật-khẩu")
	for _, mode := range []serverMode{
		{tls: TLSStartTLS, user: "chiso", pass: "mật-khẩu"},
		{tls: TLSImplicit, user: "chiso", pass: "mật-khẩu"},
		{tls: TLSNone},
	} {
		t.Run(mode.tls, func(t *testing.T) {
			s := startSMTP(t, mode)
			e, err := New(config(s, mode), WithCatalogue(catalogue()))
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Notify(context.Background(), notification()); err != nil {
				t.Fatal(err)
			}
			msgs := s.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages, want 1", len(msgs))
			}
			if msgs[0].From != "chiso@sokhcn.dienbien.gov.vn" || strings.Join(msgs[0].To, ",") != "giamdoc@sokhcn.dienbien.gov.vn" {
				t.Errorf("envelope from %q to %q", msgs[0].From, msgs[0].To)
			}
			checkMessage(t, parse(t, msgs[0].Data))
		})
	}
}

// checkMessage checks what the department head reads.
func checkMessage(t *testing.T, p parsed) {
	t.Helper()
	from, err := p.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "chiso@sokhcn.dienbien.gov.vn" {
		t.Errorf("From %v: %v", from, err)
	}
	to, err := p.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "giamdoc@sokhcn.dienbien.gov.vn" || to[0].Name != "Giám đốc Sở" {
		t.Errorf("To %v: %v", to, err)
	}
	wantSubject := "[chiso] Vĩnh Phúc, Điện Biên: 2 số liệu cần kiểm tra"
	if p.Subject != wantSubject {
		t.Errorf("subject\n got %q\nwant %q", p.Subject, wantSubject)
	}
	if got := p.Header.Get("Message-Id"); !strings.Contains(got, "chiso.42.") {
		t.Errorf("Message-ID %q does not carry the notification id", got)
	}
	for h, want := range map[string]string{"X-Chiso-Alertname": "IndicatorBelowTarget, RevenueChangeImplausible",
		"X-Chiso-Diagnosis": "below_target, implausible_change", "X-Chiso-Area": "DB, VP", "X-Chiso-Fingerprint": "fp-doc, fp-rev"} {
		if got := p.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	for name, body := range map[string]string{"text": p.Text, "html": p.HTML} {
		for _, want := range []string{"Tỷ lệ văn bản điện tử – Điện Biên, năm 2022", "trên 95%", "100%",
			"Sở Thông tin và Truyền thông tỉnh Điện Biên: 15 năm xây dựng và phát triển", "05/06/2022", "https://stttt.dienbien.gov.vn/15-nam",
			"Tổng doanh thu toàn ngành TT", "Vĩnh Phúc", "183.001 tỷ đồng", "001_458128be76c48929.txt",
			"08:00 ngày 02/03/2026", "https://chiso.example.vn/series/electronic_document_rate/DB"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s part lacks %q:\n%s", name, want, body)
			}
		}
		for _, not := range []string{"IndicatorBelowTarget", "below_target", "fp-doc", "/api/v1/", "Nguồn: 003_"} {
			if strings.Contains(body, not) {
				t.Errorf("%s part has %q, which belongs in the headers:\n%s", name, not, body)
			}
		}
		if n := strings.Count(body, "chưa thể kết luận"); n != 1 {
			t.Errorf("%s part says what is wrong %d times, want once:\n%s", name, n, body)
		}
	}
	if !strings.Contains(p.HTML, "TT&amp;TT") {
		t.Errorf("html part does not escape the ampersand")
	}
}

func TestNotifyResendKeepsMessageID(t *testing.T) {
	s := startSMTP(t, serverMode{tls: TLSNone})
	e, err := New(config(s, serverMode{tls: TLSNone}))
	if err != nil {
		t.Fatal(err)
	}
	other := notification()
	other.ID = 43
	for _, n := range []*alerts.Notification{notification(), notification(), other} {
		if err := e.Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	msgs := s.Messages()
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = parse(t, m.Data).Header.Get("Message-Id")
	}
	if len(ids) != 3 || ids[0] != ids[1] || ids[0] == ids[2] {
		t.Errorf("Message-IDs %q: want the re-send equal to the first and another notification different", ids)
	}
}

func TestNotifyRecipients(t *testing.T) {
	s := startSMTP(t, serverMode{tls: TLSNone})
	cfg := config(s, serverMode{tls: TLSNone})
	cfg.To = []string{"a@example.vn", "b@example.vn"}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := notification()
	n.Recipients = nil
	if err := e.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if got := s.Messages(); len(got) != 1 || strings.Join(got[0].To, ",") != "a@example.vn,b@example.vn" {
		t.Errorf("got %+v, want one message to the configured to", got)
	}
	n.Recipients, n.Cc = []string{"head@example.vn"}, []string{"office@example.vn"}
	if err := e.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	got := s.Messages()
	if len(got) != 2 || strings.Join(got[1].To, ",") != "head@example.vn,office@example.vn" {
		t.Fatalf("got %d messages, the last to %v; want one message to the head and the cc", len(got), got[len(got)-1].To)
	}
	if h := parse(t, got[1].Data).Header; h.Get("To") != "<head@example.vn>" || h.Get("Cc") != "<office@example.vn>" {
		t.Errorf("To %q Cc %q, want the head in To and the office in Cc", h.Get("To"), h.Get("Cc"))
	}
	n.Recipients, n.Cc = nil, nil
	cfg.To = nil
	e, _ = New(cfg)
	if err := e.Notify(context.Background(), n); !alerts.IsPermanent(err) {
		t.Errorf("no recipients: err %v, want a permanent error", err)
	}
	n.Recipients = []string{"not an address\r\nBcc: x@evil.example"}
	if err := e.Notify(context.Background(), n); !alerts.IsPermanent(err) {
		t.Errorf("bad recipient: err %v, want a permanent error", err)
	}
}

func TestNotifyClassifiesRefusals(t *testing.T) {
	tests := []struct {
		stage     string
		code      int
		permanent bool
	}{
		{"mail", 451, false},
		{"rcpt", 451, false},
		{"rcpt", 550, true},
		{"data", 452, false},
		{"data", 554, true},
	}
	for _, tt := range tests {
		t.Run(tt.stage+"/"+string(rune('0'+tt.code/100)), func(t *testing.T) {
			s := startSMTP(t, serverMode{tls: TLSNone})
			s.refuse[tt.stage] = &smtp.SMTPError{Code: tt.code, Message: "refused by test"}
			e, err := New(config(s, serverMode{tls: TLSNone}))
			if err != nil {
				t.Fatal(err)
			}
			err = e.Notify(context.Background(), notification())
			if err == nil {
				t.Fatal("no error from a refusing server")
			}
			if alerts.IsPermanent(err) != tt.permanent {
				t.Errorf("%s %d: permanent %v, want %v (%v)", tt.stage, tt.code, alerts.IsPermanent(err), tt.permanent, err)
			}
			if len(s.Messages()) != 0 {
				t.Errorf("a refused message was recorded")
			}
		})
	}
}

func TestNotifyBadPasswordIsPermanent(t *testing.T) {
	mode := serverMode{tls: TLSStartTLS, user: "chiso", pass: "right"}
	s := startSMTP(t, mode)
	t.Setenv("CHISO_TEST_SMTP_PASSWORD", "wrong")
	e, err := New(config(s, mode))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Notify(context.Background(), notification()); !alerts.IsPermanent(err) {
		t.Errorf("535 at AUTH: err %v, want permanent", err)
	}
}

func TestNotifyTimeouts(t *testing.T) {
	s := startSMTP(t, serverMode{tls: TLSNone})
	s.delay = 5 * time.Second
	cfg := config(s, serverMode{tls: TLSNone})
	cfg.Timeout = 300 * time.Millisecond
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = e.Notify(context.Background(), notification())
	if err == nil || alerts.IsPermanent(err) {
		t.Fatalf("slow server: err %v, want a retryable error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Notify took %s with a 300ms timeout", d)
	}
	cfg.Timeout = time.Minute
	e, _ = New(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	if err := e.Notify(ctx, notification()); err == nil || alerts.IsPermanent(err) || time.Since(start) > 2*time.Second {
		t.Errorf("context deadline: err %v after %s, want a retryable error within the deadline", err, time.Since(start))
	}
}

func TestNotifyUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	e, err := New(Config{Smarthost: addr, TLS: TLSNone, From: "chiso@example.vn", To: []string{"a@example.vn"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Notify(context.Background(), notification()); err == nil || alerts.IsPermanent(err) {
		t.Errorf("connection refused: err %v, want a retryable error", err)
	}
}

func TestStartTLSIsRequired(t *testing.T) {
	s := startSMTP(t, serverMode{tls: TLSNone}) // offers no STARTTLS
	cfg := config(s, serverMode{tls: TLSNone})
	cfg.TLS = TLSStartTLS
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Notify(context.Background(), notification()); err == nil || len(s.Messages()) != 0 {
		t.Errorf("server without STARTTLS: err %v, %d messages; want an error and nothing sent in clear", err, len(s.Messages()))
	}
}

func TestNewReadsSecrets(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("  bí mật\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Smarthost: "mail.example.vn:587", From: "a@example.vn", Username: "u", PasswordFile: pw}
	e, err := New(cfg)
	if err != nil || e.password != "bí mật" {
		t.Fatalf("password %q, err %v", e.password, err)
	}
	cfg.PasswordFile = filepath.Join(dir, "missing")
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "password_file") {
		t.Errorf("missing password file: err %v", err)
	}
	cfg.PasswordFile, cfg.PasswordEnv = "", "CHISO_TEST_UNSET_VARIABLE"
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "CHISO_TEST_UNSET_VARIABLE") {
		t.Errorf("unset variable: err %v", err)
	}
	cfg.PasswordEnv, cfg.CAFile = "", pw
	if _, err := New(Config{Smarthost: "mail.example.vn:587", From: "a@example.vn", CAFile: pw}); err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Errorf("CA file without a certificate: err %v", err)
	}
}

var _ = math.NaN

func TestNotifyPartlyRefused(t *testing.T) {
	s := startSMTP(t, serverMode{tls: TLSNone})
	s.refuse["typo@sokhcn.dienbien.gov.vn"] = &smtp.SMTPError{Code: 550, Message: "no such user"}
	e, err := New(config(s, serverMode{tls: TLSNone}))
	if err != nil {
		t.Fatal(err)
	}
	n := notification()
	n.Recipients = append(n.Recipients, "typo@sokhcn.dienbien.gov.vn")
	err = e.Notify(context.Background(), n)
	if !alerts.IsPermanent(err) || !strings.Contains(err.Error(), "typo@sokhcn.dienbien.gov.vn") || !strings.Contains(err.Error(), "1 of 2") {
		t.Errorf("err %v: want a permanent error naming the refused recipient", err)
	}
	if got := s.Messages(); len(got) != 1 || strings.Join(got[0].To, ",") != "giamdoc@sokhcn.dienbien.gov.vn" {
		t.Errorf("got %+v: want the message delivered to the accepted recipient", got)
	}
	s.refuse["giamdoc@sokhcn.dienbien.gov.vn"] = &smtp.SMTPError{Code: 450, Message: "mailbox busy"}
	if err := e.Notify(context.Background(), n); err == nil || alerts.IsPermanent(err) {
		t.Errorf("every recipient refused, one for now: err %v, want retryable", err)
	}
	if len(s.Messages()) != 1 {
		t.Errorf("a message was recorded with every recipient refused")
	}
}

func TestNotifyCancel(t *testing.T) {
	s := startSMTP(t, serverMode{tls: TLSNone})
	s.delay = 5 * time.Second
	e, err := New(config(s, serverMode{tls: TLSNone}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	err = e.Notify(ctx, notification())
	if !errors.Is(err, context.Canceled) || alerts.IsPermanent(err) || time.Since(start) > 2*time.Second {
		t.Errorf("cancelled during DATA: err %v after %s, want context.Canceled at once", err, time.Since(start))
	}
}
