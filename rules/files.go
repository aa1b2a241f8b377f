package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/chiso-vn/chiso"
)

// LoadFiles is Load for rule files on disk: each path is a file or a glob
// (fs.Glob syntax, slash-separated), relative to dir unless absolute.
// Positions name the files as dir/name; group names must be unique across
// all the files; every problem is reported at once, as an ErrorList.
func LoadFiles(dir string, paths []string, cat *chiso.Catalogue) ([]Group, error) {
	var all []Group
	var errs ErrorList
	for _, pat := range paths {
		full := filepath.FromSlash(pat)
		if !filepath.IsAbs(full) {
			full = filepath.Join(dir, full)
		}
		base, glob := SplitGlob(filepath.ToSlash(full))
		groups, err := Load(os.DirFS(base), []string{glob}, cat)
		var list ErrorList
		switch {
		case errors.As(err, &list):
			for _, e := range list {
				e.Pos.File = filepath.Join(base, filepath.FromSlash(e.Pos.File))
				errs = append(errs, e)
			}
		case err != nil:
			return nil, err
		}
		for _, g := range groups {
			g.Pos.File = filepath.Join(base, filepath.FromSlash(g.Pos.File))
			all = append(all, g)
		}
	}
	errs = append(errs, DuplicateGroups(all)...)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return all, nil
}

// SplitGlob splits a slash-separated path pattern into its longest folder
// without glob characters, in the system's form, and the pattern relative
// to it: what Load needs of a path, as os.DirFS(dir) and pattern.
func SplitGlob(p string) (dir, pattern string) {
	parts := strings.Split(p, "/")
	i := 0
	for i < len(parts)-1 && !strings.ContainsAny(parts[i], "*?[\\") {
		i++
	}
	dir = strings.Join(parts[:i], "/")
	switch {
	case dir == "" && strings.HasPrefix(p, "/"):
		dir = "/"
	case dir == "":
		dir = "."
	}
	return filepath.FromSlash(dir), strings.Join(parts[i:], "/")
}
