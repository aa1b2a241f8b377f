package store

import (
	"errors"
	"fmt"
	"strings"
)

// maxProblems bounds how many problems an error lists; the rest are counted.
const maxProblems = 50

// problems collects every problem found in an input, so that one error can
// name them all.
type problems struct {
	list  []string
	extra int
}

func (p *problems) addf(format string, args ...any) {
	if len(p.list) >= maxProblems {
		p.extra++
		return
	}
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

// err returns nil when there is no problem, else one error listing them.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	msg := strings.Join(p.list, "\n\t")
	if p.extra > 0 {
		msg += fmt.Sprintf("\n\t… and %d more", p.extra)
	}
	if len(p.list) == 1 {
		return errors.New(msg)
	}
	return fmt.Errorf("%d problems:\n\t%s", len(p.list)+p.extra, msg)
}
