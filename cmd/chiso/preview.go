package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/chiso-vn/chiso/sample/samplecat"

	"github.com/goccy/go-yaml"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/daemon"
	"github.com/chiso-vn/chiso/engine"
	"github.com/chiso-vn/chiso/rules"
)

// previewAlerting routes every alert of the sample to one e-mail receiver
// grouped by province, and to a weekly digest, with the departments of the
// three provinces that have findings.
const previewAlerting = `
route:
  receiver: preview
  group_by: [area]
  group_wait: 30s
  group_interval: 1m
  repeat_interval: 1d
  routes:
    - receiver: preview
      continue: true
    - receiver: weekly
receivers:
  - name: preview
    to_from_label: area
    email: {smarthost: "mail.example.vn:587", from: "chiso <chiso@example.vn>"}
  - name: weekly
    to_from_label: area
    digest: {schedule: "0 8 * * 1"}
    email: {smarthost: "mail.example.vn:587", from: "chiso <chiso@example.vn>"}
departments:
  PT: {name: Sở KH&CN Phú Thọ, head: giamdoc@phutho.example.vn, cc: [vanphong@phutho.example.vn]}
  VP: {name: Sở KH&CN Vĩnh Phúc, head: giamdoc@vinhphuc.example.vn}
  DB: {name: Sở KH&CN Điện Biên, head: giamdoc@dienbien.example.vn}
external_url: http://chiso.example.vn
`

// The areas whose notifications the preview shows: Phú Thọ has the most
// kinds of findings; Vĩnh Phúc's single one is resolved by removing its rule.
const (
	previewArea         = "giamdoc@phutho.example.vn"
	previewResolvedArea = "giamdoc@vinhphuc.example.vn"
	previewResolvedRule = "RevenueChangeImplausible"
)

// previewNotification evaluates the built-in sample figures with the
// default rule pack at now, as the daemon would, passes the findings
// through a real alert manager, and returns the notification of the reason
// it queued, with the catalogue to render it: firing and repeat for Phú
// Thọ, resolved for Vĩnh Phúc (its rule removed by a reload), the weekly
// digest for Phú Thọ, and a test message.
func previewNotification(ctx context.Context, reason alerting.Reason, lang string, now time.Time, loc *time.Location) (*alerts.Notification, *chiso.Catalogue, error) {
	p, err := newPreviewPipeline(ctx, lang, now, loc)
	if err != nil {
		return nil, nil, err
	}
	at := now
	switch reason {
	case alerting.ReasonRepeat:
		at = now.Add(25 * time.Hour)
		err = p.m.Tick(ctx, at)
	case alerting.ReasonResolved:
		at = now.Add(time.Hour)
		err = p.removeRule(ctx, previewResolvedRule, at)
	case alerting.ReasonDigest:
		at = nextMonday8(now.In(loc))
		err = p.m.Tick(ctx, at)
	case alerting.ReasonTest:
		err = p.m.TestReceiver(ctx, "preview", at)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("preview %s: %w", reason, err)
	}
	to := previewArea
	if reason == alerting.ReasonResolved {
		to = previewResolvedArea
	}
	n, err := p.queued(reason, to)
	return n, p.cat, err
}

// previewPipeline is the engine and the alert manager of a preview, on
// the sample data, with an outbox in memory.
type previewPipeline struct {
	cat    *chiso.Catalogue
	groups []rules.Group
	eng    *engine.Engine
	m      *alerts.Manager
	store  *memoryAlertStore
	loc    *time.Location
}

// newPreviewPipeline loads the sample and the default pack, evaluates them
// at now and lets the alerts fire.
func newPreviewPipeline(ctx context.Context, lang string, now time.Time, loc *time.Location) (*previewPipeline, error) {
	cat, err := samplecat.Catalogue()
	if err != nil {
		return nil, err
	}
	groups, err := loadRules("", cat)
	if err != nil {
		return nil, err
	}
	p := &previewPipeline{cat: cat, groups: groups, store: &memoryAlertStore{}, loc: loc}
	if p.eng, err = engine.New(cat, groups, engine.Options{Lang: lang, Location: loc}); err != nil {
		return nil, err
	}
	var obs []chiso.Observation
	err = samplecat.Read(cat, func(o chiso.Observation) error {
		o.ID, o.Revision = int64(len(obs)+1), 1 // as the store numbers them
		obs = append(obs, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.eng.Add(obs...)
	var ac alerts.Config
	if err := yaml.UnmarshalWithOptions([]byte(previewAlerting), &ac, yaml.Strict()); err != nil {
		return nil, err
	}
	if p.m, err = alerts.New(alerts.Options{Store: p.store, Config: &ac, Language: lang, Location: loc}); err != nil {
		return nil, err
	}
	start := now.Add(-time.Minute) // the digest's window opens before the alerts fire
	if err := p.m.Start(ctx, start); err != nil {
		return nil, err
	}
	if err := p.m.SetRules(ctx, daemon.AlertGroups(groups), start); err != nil {
		return nil, err
	}
	if err := p.m.Tick(ctx, start); err != nil {
		return nil, err
	}
	if err := p.evaluate(ctx, groups, now); err != nil {
		return nil, err
	}
	return p, p.m.Tick(ctx, now.Add(30*time.Second))
}

// evaluate runs the engine at now and hands each group's findings to the
// manager, as the daemon does.
func (p *previewPipeline) evaluate(ctx context.Context, groups []rules.Group, now time.Time) error {
	res, err := p.eng.Evaluate(ctx, "", now)
	if err != nil {
		return err
	}
	for _, g := range groups {
		ev := alerts.Evaluation{Group: daemon.AlertGroup(g), Findings: res.Findings.All(), Catalogue: p.cat, Now: now, Figures: p.eng}
		if err := p.m.Process(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// removeRule reloads the rules without the named one, as an edit of the
// rule files would, and flushes what that resolves.
func (p *previewPipeline) removeRule(ctx context.Context, name string, at time.Time) error {
	var groups []rules.Group
	for _, g := range p.groups {
		g.Rules = slices.DeleteFunc(slices.Clone(g.Rules), func(r rules.Rule) bool { return r.Alert == name })
		groups = append(groups, g)
	}
	if err := p.m.SetRules(ctx, daemon.AlertGroups(groups), at); err != nil {
		return err
	}
	return p.m.Tick(ctx, at.Add(time.Minute))
}

// queued returns the last notification queued with the reason for the
// address (any, for a test message).
func (p *previewPipeline) queued(reason alerting.Reason, to string) (*alerts.Notification, error) {
	for i := len(p.store.queue) - 1; i >= 0; i-- {
		e := p.store.queue[i]
		if e.Reason != reason || e.Integration != "email" {
			continue
		}
		n, err := alerts.DecodeNotification(e)
		if err != nil {
			return nil, err
		}
		if reason == alerting.ReasonTest || slices.Contains(n.Recipients, to) {
			return n, nil
		}
	}
	return nil, fmt.Errorf("the sample gave no %s notification to %s", reason, to)
}

// nextMonday8 is the first Monday 08:00 after t, in t's zone.
func nextMonday8(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 8, 0, 0, 0, t.Location())
	for !d.After(t) || d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// memoryAlertStore keeps a preview's alerts and outbox in memory: nothing
// of a preview is written anywhere.
type memoryAlertStore struct {
	queue  []alerting.OutboxEntry
	nextID int64
}

func (s *memoryAlertStore) LoadAlerts(context.Context) ([]chiso.Alert, error) { return nil, nil }

func (s *memoryAlertStore) ApplyAlertChanges(_ context.Context, b alerting.Batch) error {
	for _, e := range b.Queue {
		s.nextID++
		e.ID = s.nextID
		s.queue = append(s.queue, e)
	}
	return nil
}

func (s *memoryAlertStore) NotificationLog(context.Context) ([]alerting.LogEntry, error) {
	return nil, nil
}

func (s *memoryAlertStore) Silences(context.Context) ([]alerting.Silence, error) { return nil, nil }

func (s *memoryAlertStore) SaveSilence(context.Context, *alerting.Silence) error { return nil }
