package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/rules"
)

// Check validates cfg as Start and Reload do, with the same functions,
// and changes nothing: the database must exist unless it may be created;
// the alerting section must decode and validate, and every receiver build
// (secret files read, templates parsed and run on samples); the rule files
// of cfg must load against cat, with their schedules, and the engine accept
// them. It returns the rule groups and every problem at once. chiso check
// calls it, so that it fails whatever serve would refuse.
func Check(cfg *config.Config, cat *chiso.Catalogue) ([]rules.Group, error) {
	errs := []error{CheckDatabase(context.Background(), cfg), cfg.CheckAreas(cat)}
	var ac alerts.Config
	if err := cfg.Alerting.Decode(&ac); err != nil {
		errs = append(errs, err)
	} else {
		// the receivers are built even when the routes are wrong, so that
		// their problems are listed too
		env := receiverEnv{cat: cat, loc: cfg.Location, log: slog.New(slog.DiscardHandler), path: cfg.Path}
		_, _, err := notifiers(&ac, env)
		errs = append(errs, validateAlerting(cfg, &ac), err)
	}
	groups, err := loadGroups(cfg, cat)
	errs = append(errs, err)
	if err == nil {
		if _, err := engine.New(cat, rawGroups(groups), engine.Options{Lang: cfg.Language, Location: cfg.Location}); err != nil {
			errs = append(errs, fmt.Errorf("prepare rules: %w", err))
		}
	}
	return rawGroups(groups), errors.Join(errs...)
}
