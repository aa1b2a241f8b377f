package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestServeRefusesBadListenerFlags wants a bad flag value or web
// configuration file named in the error, and nothing created.
func TestServeRefusesBadListenerFlags(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "typo.yml"), "tls_server_confg: {}\n")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--log.format", "xml"}, 2, `--log.format "xml": want logfmt or json`},
		{[]string{"--log.level", "loud"}, 2, `--log.level "loud": want debug, info, warn or error`},
		{[]string{"--web.config.file", "missing.yml"}, 1, "--web.config.file: stat missing.yml: no such file or directory"},
		{[]string{"--web.config.file", "typo.yml"}, 1, "--web.config.file typo.yml: "},
	} {
		var stderr bytes.Buffer
		cmd := exec.Command(chisoBinary(t), append([]string{"serve", "--listen", "127.0.0.1:0"}, c.args...)...)
		cmd.Dir, cmd.Stderr = dir, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", c.args, code, c.code, c.want, stderr.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a refused start left files behind: %v", entries)
	}
}

// TestServeWithTLSAndBasicAuth starts chiso with an exporter-toolkit web
// configuration: HTTPS only, basic authentication, JSON logs, pprof.
func TestServeWithTLSAndBasicAuth(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	writeTestFile(t, filepath.Join(dir, "tls.crt"), string(certPEM))
	writeTestFile(t, filepath.Join(dir, "tls.key"), string(keyPEM))
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(dir, "web.yml"), "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_users:\n  prom: "+string(hash)+"\n")
	addr := freePort(t)
	writeTestFile(t, filepath.Join(dir, "chiso.yaml"), "listen: "+addr+"\nwatch: false\n")
	var log syncBuffer
	cmd := exec.Command(chisoBinary(t), "serve", "--config", "chiso.yaml", "--web.config.file", "web.yml",
		"--log.format", "json", "--log.level", "debug", "--web.enable-pprof")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("daemon log:\n%s", log.String())
		}
	})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	get := func(path, user, pass string) (int, string) {
		req, _ := http.NewRequest("GET", "https://"+addr+path, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(15 * time.Second)
	for code, _ := get("/-/ready", "prom", "s3cret-pass"); code != 200; code, _ = get("/-/ready", "prom", "s3cret-pass") {
		if time.Now().After(deadline) {
			t.Fatalf("not ready over HTTPS within 15 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _ := get("/metrics", "", ""); code != 401 {
		t.Errorf("/metrics without credentials = %d, want 401", code)
	}
	if code, _ := get("/metrics", "prom", "wrong"); code != 401 {
		t.Errorf("/metrics with a wrong password = %d, want 401", code)
	}
	if code, body := get("/metrics", "prom", "s3cret-pass"); code != 200 || !strings.Contains(body, "chiso_build_info{") {
		t.Errorf("/metrics with credentials = %d", code)
	}
	if code, body := get("/api/v1/status/buildinfo", "prom", "s3cret-pass"); code != 200 || !strings.Contains(body, `"goVersion":"go`) {
		t.Errorf("buildinfo = %d %s", code, body)
	}
	if code, body := get("/api/v1/status/config", "prom", "s3cret-pass"); code != 200 || !strings.Contains(body, "listen: "+addr) {
		t.Errorf("config = %d %s", code, body)
	}
	if code, _ := get("/debug/pprof/cmdline", "prom", "s3cret-pass"); code != 200 {
		t.Errorf("pprof = %d", code)
	}
	// plain HTTP on the TLS port is refused
	if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP answered 200")
		}
	}
	// every line of the log is a JSON record, and gocron's chatter is there at debug
	sawScheduler := false
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if m, _ := rec["msg"].(string); strings.HasPrefix(m, "scheduler: ") {
			sawScheduler = true
			if rec["level"] != "DEBUG" {
				t.Errorf("scheduler line at %v: %s", rec["level"], line)
			}
		}
		if m, _ := rec["msg"].(string); m == "chiso is running" && !strings.HasPrefix(rec["metrics"].(string), "https://") {
			t.Errorf("the start line gives a plain URL: %s", line)
		}
	}
	if !sawScheduler {
		t.Errorf("no scheduler line at debug")
	}
}

// selfSigned returns a certificate and key for 127.0.0.1, valid for an hour.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "chiso test"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}
