package config

import (
	"fmt"
	"slices"

	"github.com/chiso-vn/chiso"
)

// CheckAreas reports every area code of the tokens and the drop folder that
// the catalogue does not know, each at its place in the file. Loading
// cannot: the catalogue is in the database.
func (c *Config) CheckAreas(cat *chiso.Catalogue) error {
	var ps []Problem
	check := func(field string, areas []string) {
		_, unknown := cat.AreasWithin(areas, false)
		for i, a := range areas {
			if slices.Contains(unknown, a) {
				ps = append(ps, c.problem(fmt.Sprintf("%s[%d]", field, i), "unknown area %q: not in the catalogue (chiso catalogue imports areas)", a))
			}
		}
	}
	for i, t := range c.Auth.Tokens {
		check(fmt.Sprintf("auth.tokens[%d].areas", i), t.Areas)
	}
	check("drop_folder.areas", c.Drop.Areas)
	if len(ps) == 0 {
		return nil
	}
	sortProblems(ps)
	return &Error{Problems: ps}
}
