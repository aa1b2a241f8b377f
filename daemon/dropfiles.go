package daemon

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The drop folder's contract: a file is complete when it appears under its
// final name, so a writer writes NAME.tmp, NAME.part or .NAME and renames it
// into the folder. Names of files in progress are left alone; a file whose
// size, modification time or identity changes while it is read is not moved
// (it is read again once it settles), and one written to after it was moved
// to done/ or failed/ is moved back and read again.

// dropWatchFor is how long a file moved out of the drop folder is watched
// for writes that came after it was read: a writer that paused longer than
// settle and went on writing to its open file.
func dropWatchFor(settle time.Duration) time.Duration { return max(time.Minute, 10*settle) }

// dropFolder is what the drop loop remembers between passes: what it said
// about the entries it leaves alone (each is logged once, until it goes
// away or changes kind), and the files it moved lately.
type dropFolder struct {
	dir    string
	settle time.Duration
	said   map[string]dropKind
	moved  []movedFile
}

func newDropFolder(dir string, settle time.Duration) *dropFolder {
	return &dropFolder{dir: dir, settle: settle, said: map[string]dropKind{}}
}

// movedFile is a file moved to done/ or failed/, as it was read.
type movedFile struct {
	name  string      // its name in the drop folder
	path  string      // where it was moved
	info  os.FileInfo // size, modification time and identity when read
	until time.Time   // watched until then
}

// dropKind says what the drop loop does with an entry of the folder.
type dropKind int

const (
	dropImport     dropKind = iota // a complete data file
	dropInProgress                 // NAME.tmp, NAME.part, .NAME, ~NAME, NAME~: renamed when complete
	dropUnknown                    // not .csv, .json or .xlsx: left as it is
	dropRefused                    // a symbolic link, a folder or a special file: never followed
	dropOwn                        // done/ and failed/
)

// classify tells an entry's kind from its name and type, without
// following a symbolic link.
func classify(e fs.DirEntry) dropKind {
	name, typ := e.Name(), e.Type()
	switch {
	case typ.IsDir() && (name == "done" || name == "failed"):
		return dropOwn
	case typ&fs.ModeSymlink != 0 || !typ.IsRegular():
		return dropRefused
	case inProgress(name):
		return dropInProgress
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".json", ".xlsx":
		return dropImport
	}
	return dropUnknown
}

// inProgress reports whether a name is one the contract gives to a file
// still being written.
func inProgress(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") || strings.HasSuffix(name, "~") ||
		strings.HasSuffix(lower, ".tmp") || strings.HasSuffix(lower, ".part")
}

// leave logs, once per entry and kind, why an entry is left alone.
func (f *dropFolder) leave(log *slog.Logger, name string, kind dropKind) {
	if f.said[name] == kind {
		return
	}
	f.said[name] = kind
	path := filepath.Join(f.dir, name)
	switch kind {
	case dropInProgress:
		log.Info("drop folder: waiting for this file to be renamed into the folder", "file", path)
	case dropUnknown:
		log.Warn("drop folder: not a .csv, .json or .xlsx file; left as it is", "file", path)
	case dropRefused:
		log.Warn("drop folder: symbolic links, folders and special files are not imported; left as it is", "file", path)
	}
}

// forget drops what was said about entries no longer in the folder, so
// that a new entry of the same name is logged again.
func (f *dropFolder) forget(present map[string]bool) {
	for name := range f.said {
		if !present[name] {
			delete(f.said, name)
		}
	}
}

// sameFile reports whether two looks at a file saw the same file with the
// same size and modification time.
func sameFile(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// watch remembers a file moved to path, as it was read, for dropWatchFor.
func (f *dropFolder) watch(name, path string, info os.FileInfo, now time.Time) {
	f.moved = append(f.moved, movedFile{name: name, path: path, info: info, until: now.Add(dropWatchFor(f.settle))})
}

// recheck moves back into the folder the moved files that were written to
// after they were read, so that they are imported again: the rows already
// stored count as unchanged, the new ones are added.
func (d *Daemon) recheck(f *dropFolder, now time.Time) {
	kept := f.moved[:0]
	for _, m := range f.moved {
		info, err := os.Lstat(m.path)
		switch {
		case err != nil || !os.SameFile(info, m.info):
			// gone or replaced: nothing more to watch
		case !sameFile(info, m.info):
			d.log.Warn("drop folder: file written to after it was imported; importing it again "+
				"(write NAME.tmp and rename it into the folder when complete)", "file", m.path,
				"size_read", m.info.Size(), "size_now", info.Size())
			d.moveBack(f, m)
		case now.Before(m.until):
			kept = append(kept, m)
		}
	}
	f.moved = kept
}

// moveBack returns a moved file to the folder under its name (or a
// stamped one if that is taken) and removes its error report, now stale.
func (d *Daemon) moveBack(f *dropFolder, m movedFile) {
	dst := filepath.Join(f.dir, m.name)
	if _, err := os.Lstat(dst); err == nil {
		dst = filepath.Join(f.dir, time.Now().UTC().Format("20060102T150405Z")+"-"+m.name)
	}
	if err := os.Rename(m.path, dst); err != nil {
		d.log.Error("drop folder: move a file back to be imported again", "file", m.path, "to", dst, "err", err)
		return
	}
	if err := os.Remove(m.path + ".errors.txt"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.log.Warn("drop folder: remove a stale error report", "file", m.path+".errors.txt", "err", err)
	}
}
