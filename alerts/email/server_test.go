package email

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message the test server accepted.
type received struct {
	From string
	To   []string
	Data []byte
}

// smtpServer is a real SMTP server on the loopback that records what it
// accepts and can refuse or stall on demand.
type smtpServer struct {
	Addr   string
	CAFile string // PEM of the server's self-signed certificate

	mu     sync.Mutex
	msgs   []received
	refuse map[string]*smtp.SMTPError // by stage (mail, rcpt, data) or by recipient address
	delay  time.Duration              // before answering DATA
	done   chan struct{}
}

// serverMode chooses how the test server speaks TLS.
type serverMode struct {
	tls        string // starttls, implicit or none
	user, pass string // required credentials; empty means no AUTH
}

// startSMTP starts a server; it stops when the test ends.
func startSMTP(t *testing.T, mode serverMode) *smtpServer {
	t.Helper()
	s := &smtpServer{refuse: map[string]*smtp.SMTPError{}, done: make(chan struct{})}
	cert, caFile := selfSigned(t)
	s.CAFile = caFile
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, mode: mode}, nil
	}))
	srv.Domain, srv.ReadTimeout, srv.WriteTimeout = "127.0.0.1", 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}}
	switch mode.tls {
	case TLSStartTLS:
		srv.TLSConfig = tc
	case TLSImplicit:
		l = tls.NewListener(l, tc)
	case TLSNone:
		srv.AllowInsecureAuth = true
	}
	s.Addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { close(s.done); _ = srv.Close() })
	return s
}

// Messages returns what the server accepted so far.
func (s *smtpServer) Messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// session is one SMTP conversation with the test server.
type session struct {
	srv    *smtpServer
	mode   serverMode
	authed bool
	msg    received
}

func (s *session) AuthMechanisms() []string {
	if s.mode.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.mode.user || pass != s.mode.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.authed = true
		return nil
	}), nil
}

// refusal returns the error the server was told to answer stage with.
func (s *session) refusal(stage string) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if e := s.srv.refuse[stage]; e != nil {
		return e
	}
	return nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.mode.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.msg = received{From: from}
	return s.refusal("mail")
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.refusal("rcpt"); err != nil {
		return err
	}
	if err := s.refusal(to); err != nil {
		return err
	}
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	select {
	case <-time.After(s.srv.delay):
	case <-s.srv.done:
		return errors.New("server closing")
	}
	if err := s.refusal("data"); err != nil {
		return err
	}
	s.msg.Data = b
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.msg)
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.msg = received{} }
func (s *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and writes it, as its own
// authority, to a PEM file.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, ca
}
