package daemon

import (
	"context"
	"path/filepath"
	"slices"
	"time"

	"github.com/chiso-vn/chiso/config"
	"github.com/fsnotify/fsnotify"
)

// Debounce is how long the watcher waits after the last change to a rule
// or configuration file before it reloads: an editor's save is several
// events.
const Debounce = 300 * time.Millisecond

// watch starts watching the folders of the rule files and of the
// configuration, so that a change made once it returns is seen; nil when
// no watcher can be made (reload with SIGHUP or POST /-/reload then). It
// watches the folders, not the files: an editor's atomic save replaces the
// file, and a watch on the file would be lost.
func (d *Daemon) watch() *fsnotify.Watcher {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		d.log.Error("file watcher unavailable; reload with SIGHUP or POST /-/reload", "err", err)
		return nil
	}
	for _, dir := range d.watchedDirs() {
		if err := w.Add(dir); err != nil {
			d.log.Warn("cannot watch folder", "dir", dir, "err", err)
		}
	}
	return w
}

// watchLoop reloads when a rule file or the configuration file changes,
// Debounce after the last event, until ctx ends; it closes w.
func (d *Daemon) watchLoop(ctx context.Context, w *fsnotify.Watcher) {
	defer w.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if d.relevant(ev.Name) {
				timer.Reset(Debounce)
			}
		case err := <-w.Errors:
			d.log.Warn("file watcher", "err", err)
		case <-timer.C:
			_ = d.ReloadBy(ctx, watchChannel) // the outcome is logged, counted, audited and kept for the API
		}
	}
}

// watchedDirs are the folders of the rule globs, of the configuration and
// of its token files. A token file that a reload adds in a new folder is
// watched from the next start; SIGHUP and POST /-/reload pick it up meanwhile.
func (d *Daemon) watchedDirs() []string {
	cfg := d.cfg.Load()
	seen := map[string]bool{}
	var out []string
	add := func(dir string) {
		if dir != "" && !seen[dir] {
			seen[dir] = true
			out = append(out, dir)
		}
	}
	for _, p := range cfg.RulePatterns() {
		add(filepath.Dir(p))
		add(staticDir(p))
	}
	if cfg.File != "" {
		add(filepath.Dir(cfg.File))
	}
	for _, f := range tokenFiles(cfg) {
		add(filepath.Dir(f))
	}
	return out
}

// tokenFiles are the files the configuration reads tokens from, resolved
// against its folder: a changed token is picked up by a reload.
func tokenFiles(cfg *config.Config) []string {
	var out []string
	for _, t := range cfg.Auth.Tokens {
		if t.File != "" {
			out = append(out, filepath.Clean(cfg.Path(t.File)))
		}
	}
	return out
}

// relevant reports whether a changed path is a rule file, the
// configuration file or a token file.
func (d *Daemon) relevant(path string) bool {
	cfg := d.cfg.Load()
	if cfg.File != "" && filepath.Clean(path) == filepath.Clean(cfg.File) {
		return true
	}
	if slices.Contains(tokenFiles(cfg), filepath.Clean(path)) {
		return true
	}
	for _, p := range cfg.RulePatterns() {
		if ok, _ := filepath.Match(p, path); ok {
			return true
		}
	}
	return false
}
