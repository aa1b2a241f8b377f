package daemon

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/server"
)

// openFDs counts the file descriptors of this process.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

// TestSlowClientsHoldBoundedConnections: many clients that send a body
// slowly to an endpoint without authentication hold at most
// http.max_connections descriptors, are cut after http.read_timeout, and a
// normal request still succeeds. Before, each held a descriptor for as long
// as it liked, and 300 of them starved imports, webhooks and the drop
// folder of descriptors.
func TestSlowClientsHoldBoundedConnections(t *testing.T) {
	const maxConns, slow = 8, 32
	h := start(t, fmt.Sprintf("http: {max_connections: %d, read_timeout: 1s, read_header_timeout: 1s}\n", maxConns))
	http.DefaultClient.CloseIdleConnections()
	base := openFDs(t)
	var conns []net.Conn
	for range slow {
		c, err := net.Dial("tcp", h.d.Addr())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		// a preview of 1,000 bytes announced, of which one is sent
		io.WriteString(c, "POST /api/v1/silences/preview HTTP/1.1\r\nHost: chiso\r\nContent-Length: 1000\r\n\r\n{")
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	time.Sleep(200 * time.Millisecond) // let the server accept what it will
	// a few more for the store's connections that may open meanwhile
	if server := openFDs(t) - base - slow; server > maxConns+6 {
		t.Errorf("%d slow clients hold %d descriptors of the server, want at most %d", slow, server, maxConns)
	}
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	resp, err := client.Get(h.url + "/-/healthy")
	if err != nil {
		t.Fatalf("a normal request among %d slow clients: %v", slow, err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthy = %d", resp.StatusCode)
	}
	t.Logf("answered after %s among %d slow clients", time.Since(start).Round(time.Millisecond), slow)
}

// TestConfigDefaultsAreTheServersDefaults: the defaults the README
// documents for the http section are those a server gets without any.
func TestConfigDefaultsAreTheServersDefaults(t *testing.T) {
	if got, want := httpLimits(config.Default(".").HTTP), server.DefaultLimits(); got != want {
		t.Errorf("config defaults give %+v, server defaults are %+v", got, want)
	}
}
