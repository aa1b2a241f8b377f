package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/fsnotify/fsnotify"
)

// dropLoop imports the files placed in the drop folder. A file is taken
// once it has not changed for the configured settle time and is moved to
// done/ or, with a NAME.errors.txt report beside it, to failed/; see
// dropfiles.go for what is left alone and for files that change.
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
	f := newDropFolder(dir, settle)
	d.scanDrop(ctx, f)
	for {
		select {
		case <-ctx.Done():
			return
		case <-events:
			// a file arrived or grew; the next tick takes it once it settles
		case <-tick.C:
			d.scanDrop(ctx, f)
		}
	}
}

// scanDrop imports every settled data file in the folder, says once why
// it leaves any other entry alone, and re-checks the files it moved lately.
func (d *Daemon) scanDrop(ctx context.Context, f *dropFolder) {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		d.log.Warn("read drop folder", "dir", f.dir, "err", err)
		return
	}
	now := time.Now()
	present := make(map[string]bool, len(entries))
	for _, e := range entries {
		present[e.Name()] = true
		if kind := classify(e); kind != dropImport {
			f.leave(d.log, e.Name(), kind)
			continue
		}
		delete(f.said, e.Name())
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < f.settle {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		d.importDropped(ctx, f, e.Name())
	}
	f.forget(present)
	d.recheck(f, now)
}

func (d *Daemon) importDropped(ctx context.Context, f *dropFolder, name string) {
	path := filepath.Join(f.dir, name)
	file, before, err := openRegular(path)
	if err != nil {
		d.log.Warn("open dropped file", "file", path, "err", err)
		return
	}
	res, areas, err := d.importFile(ctx, file, name, "", false, "drop_folder", d.access.Load().drop)
	if d.onDropRead != nil {
		d.onDropRead(path)
	}
	after, serr := file.Stat()
	file.Close()
	if serr != nil || !d.stillAsRead(path, before, after) {
		return
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	var list *ingest.ErrorList
	switch {
	case errors.As(err, &list) && len(list.Errors) > 0:
		// One line for the log; every problem goes to the report.
		d.log.Warn("dropped file refused", "file", path, "problems", list.Len(), "first", list.Errors[0].Error())
	case err != nil:
		d.log.Warn("dropped file refused", "file", path, "err", err)
	}
	outcome, detail := outcomeOf(err, false)
	if err == nil {
		detail = fmt.Sprintf("added %d, revised %d, unchanged %d", res.Added, res.Revised, res.Unchanged)
	}
	d.audit(ctx, chiso.AuditEntry{Token: dropChannel, Action: "import", Target: name, Areas: areas, Outcome: outcome, Detail: detail})
	if err != nil {
		d.moveDropped(f, name, "failed", stamp, after, err)
		return
	}
	d.log.Info("dropped file imported", "file", path, "added", res.Added, "revised", res.Revised, "unchanged", res.Unchanged)
	d.moveDropped(f, name, "done", stamp, after, nil)
}

// stillAsRead reports whether the file at path is the one that was read,
// the same from before the read until now. If not, it says so and the file
// is left where it is, to be read again once it settles: the rows already
// stored count as unchanged, the new ones are added.
func (d *Daemon) stillAsRead(path string, before, after os.FileInfo) bool {
	now, err := os.Lstat(path)
	if err == nil && sameFile(before, after) && sameFile(after, now) {
		return true
	}
	d.log.Warn("drop folder: file changed while it was imported; importing it again once it settles "+
		"(write NAME.tmp and rename it into the folder when complete)", "file", path)
	return false
}

// openRegular opens a regular file, not one a symbolic link put in its
// place since the folder was read, and returns what it opened.
func openRegular(path string) (*os.File, os.FileInfo, error) {
	named, err := os.Lstat(path)
	if err != nil {
		return nil, nil, err
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	opened, err := file.Stat()
	if err == nil && (!named.Mode().IsRegular() || !os.SameFile(named, opened)) {
		err = fmt.Errorf("%s is no longer a regular file", path)
	}
	if err != nil {
		file.Close()
		return nil, nil, err
	}
	return file, opened, nil
}

// moveDropped moves the file to done/ or failed/, where it is watched for
// late writes; a name taken by an earlier file gets the time stamp in front.
func (d *Daemon) moveDropped(f *dropFolder, name, to, stamp string, read os.FileInfo, importErr error) {
	dir := f.dir
	dst := filepath.Join(dir, to, name)
	if _, err := os.Stat(dst); err == nil {
		dst = filepath.Join(dir, to, stamp+"-"+name)
	}
	if err := os.Rename(filepath.Join(dir, name), dst); err != nil {
		d.log.Error("move dropped file", "file", name, "to", dst, "err", err)
		return
	}
	f.watch(name, dst, read, time.Now())
	if importErr == nil {
		return
	}
	report := fmt.Sprintf("%s was not imported; nothing of it was stored.\n\n%v\n", name, importErr)
	if d.cfg.Load().Language != "en" {
		report = fmt.Sprintf("Tệp %s không được nhập; không số liệu nào của tệp được lưu.\n\n%v\n", name, importErr)
	}
	if err := writeWhole(dst+".errors.txt", []byte(report)); err != nil {
		d.log.Error("write error report", "file", dst, "err", err)
	}
}

// writeWhole writes a file under a temporary name and renames it into
// place, so that whoever watches the folder (a person, a script waiting
// for the report) never reads it half-written.
func writeWhole(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".chiso-*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
