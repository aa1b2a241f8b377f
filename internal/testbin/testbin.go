// Package testbin builds the chiso command once per test process, for the
// tests and benchmarks that run it as users do: whole commands and a
// running daemon.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	once sync.Once
	dir  string
	path string
	err  error
)

// Chiso returns the path of a chiso binary built from this module's
// cmd/chiso, building it on the first call; a failed build fails tb.
// Remove deletes it once the tests are done.
func Chiso(tb testing.TB) string {
	tb.Helper()
	once.Do(func() {
		if dir, err = os.MkdirTemp("", "chiso-bin-"); err != nil {
			return
		}
		path = filepath.Join(dir, "chiso")
		out, berr := exec.Command("go", "build", "-o", path, "github.com/chiso-vn/chiso/cmd/chiso").CombinedOutput()
		if berr != nil {
			err = fmt.Errorf("go build: %v\n%s", berr, out)
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// Remove deletes the binary Chiso built, if any: call it from TestMain
// after the tests ran.
func Remove() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}
