package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGrafanaDashboardsWritesTheCommittedFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dashboards")
	code, out, errOut := runChiso(t, "grafana", "dashboards", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, name := range []string{"chiso-data-quality.json", "chiso-service.json"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "deploy", "grafana", name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s differs from deploy/grafana/%s", name, name)
		}
		if !strings.Contains(out, filepath.Join(dir, name)) {
			t.Errorf("output does not name %s:\n%s", name, out)
		}
	}
}

func TestGrafanaDashboardsRefusesBadArguments(t *testing.T) {
	file := filepath.Join(t.TempDir(), "taken")
	writeTestFile(t, file, "x")
	if code, _, errOut := runChiso(t, "grafana", "dashboards", file); code != 1 || !strings.Contains(errOut, file+" is a file, not a folder") {
		t.Errorf("a file as DIR: exit %d: %s", code, errOut)
	}
	if b, _ := os.ReadFile(file); string(b) != "x" {
		t.Errorf("the file was changed")
	}
	if code, _, errOut := runChiso(t, "grafana", "dashboards"); code != 2 || !strings.Contains(errOut, "want one folder") {
		t.Errorf("no DIR: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runChiso(t, "grafana", "panels"); code != 2 {
		t.Errorf("unknown verb: exit %d: %s", code, errOut)
	}
}
