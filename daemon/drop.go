package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/fsnotify/fsnotify"
)

// dropLoop imports the files placed in the drop folder. A file is taken
// once it has not changed for the configured settle time; it is then moved
// to done/ or, with a NAME.errors.txt report beside it, to failed/.
func (d *Daemon) dropLoop(ctx context.Context, cfg *config.Config) {
	dir := cfg.Path(cfg.Drop.Path)
	for _, sub := range []string{dir, filepath.Join(dir, "done"), filepath.Join(dir, "failed")} {
		if err := os.MkdirAll(sub, 0o755); err != nil {
			d.log.Error("drop folder unavailable", "dir", sub, "err", err)
			return
		}
	}
	d.log.Info("watching drop folder", "dir", dir)
	w, err := fsnotify.NewWatcher()
	if err == nil {
		defer w.Close()
		err = w.Add(dir)
	}
	var events chan fsnotify.Event
	if err != nil {
		d.log.Warn("drop folder watch unavailable; scanning periodically", "err", err)
	} else {
		events = w.Events
	}
	d.dropWait(ctx, dir, cfg.Drop.Settle, events)
}

func (d *Daemon) dropWait(ctx context.Context, dir string, settle time.Duration, events chan fsnotify.Event) {
	tick := time.NewTicker(settle)
	defer tick.Stop()
	d.scanDrop(ctx, dir, settle)
	for {
		select {
		case <-ctx.Done():
			return
		case <-events:
			// a file arrived or grew; the next tick takes it once it settles
		case <-tick.C:
			d.scanDrop(ctx, dir, settle)
		}
	}
}

// scanDrop imports every settled file in dir.
func (d *Daemon) scanDrop(ctx context.Context, dir string, settle time.Duration) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		d.log.Warn("read drop folder", "dir", dir, "err", err)
		return
	}
	now := time.Now()
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || !droppable(e.Name()) || now.Sub(info.ModTime()) < settle {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		d.importDropped(ctx, dir, e.Name())
	}
}

// droppable skips hidden, temporary and unknown files.
func droppable(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".json", ".xlsx":
		return true
	}
	return false
}

func (d *Daemon) importDropped(ctx context.Context, dir, name string) {
	path := filepath.Join(dir, name)
	f, err := os.Open(path)
	if err != nil {
		d.log.Warn("open dropped file", "file", path, "err", err)
		return
	}
	res, err := d.importFile(ctx, f, name, "", false, "drop_folder")
	f.Close()
	stamp := time.Now().UTC().Format("20060102T150405Z")
	var list *ingest.ErrorList
	switch {
	case errors.As(err, &list) && len(list.Errors) > 0:
		// One line for the log; every problem goes to the report.
		d.log.Warn("dropped file refused", "file", path, "problems", list.Len(), "first", list.Errors[0].Error())
	case err != nil:
		d.log.Warn("dropped file refused", "file", path, "err", err)
	}
	if err != nil {
		d.moveDropped(dir, name, "failed", stamp, err)
		return
	}
	d.log.Info("dropped file imported", "file", path, "added", res.Added, "revised", res.Revised, "unchanged", res.Unchanged)
	d.moveDropped(dir, name, "done", stamp, nil)
}

// moveDropped moves the file to done/ or failed/; a name taken by an
// earlier file gets the time stamp in front.
func (d *Daemon) moveDropped(dir, name, to, stamp string, importErr error) {
	dst := filepath.Join(dir, to, name)
	if _, err := os.Stat(dst); err == nil {
		dst = filepath.Join(dir, to, stamp+"-"+name)
	}
	if err := os.Rename(filepath.Join(dir, name), dst); err != nil {
		d.log.Error("move dropped file", "file", name, "to", dst, "err", err)
		return
	}
	if importErr == nil {
		return
	}
	report := fmt.Sprintf("%s was not imported; nothing of it was stored.\n\n%v\n", name, importErr)
	if d.cfg.Load().Language != "en" {
		report = fmt.Sprintf("Tệp %s không được nhập; không số liệu nào của tệp được lưu.\n\n%v\n", name, importErr)
	}
	if err := os.WriteFile(dst+".errors.txt", []byte(report), 0o644); err != nil {
		d.log.Error("write error report", "file", dst, "err", err)
	}
}
