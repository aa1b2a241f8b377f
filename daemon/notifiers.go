package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/chiso-vn/chiso"

	"github.com/chiso-vn/chiso/alerts"
	"github.com/chiso-vn/chiso/alerts/amclient"
	"github.com/chiso-vn/chiso/alerts/email"
	"github.com/chiso-vn/chiso/alerts/webhook"
	"github.com/chiso-vn/chiso/config"
	"github.com/chiso-vn/chiso/internal/bounded"
)

// receiverEnv is what receivers need of the daemon: the catalogue for
// indicator and area names and units in e-mails, the configured zone for
// times, and the log.
type receiverEnv struct {
	cat *chiso.Catalogue
	loc *time.Location
	log *slog.Logger
	// path resolves a file named in the configuration against its folder,
	// as every other path of the file is.
	path func(string) string
	// templates counts e-mail templates cut at a bound; nil counts nothing.
	templates *bounded.Errors
}

// receiverEnv is the receivers' view of the daemon under cfg.
func (d *Daemon) receiverEnv(cfg *config.Config) receiverEnv {
	return receiverEnv{cat: d.cat, loc: cfg.Location, log: d.log, path: cfg.Path, templates: d.metrics.templates}
}

// resolve replaces each non-empty relative path with env.path's answer.
func (env receiverEnv) resolve(paths ...*string) {
	for _, p := range paths {
		*p = env.path(*p)
	}
}

// notifiers builds every receiver's integrations from the alerting
// section, reporting every problem at once. The Alertmanager clients are
// returned too: they re-send firing alerts on their own loop.
func notifiers(ac *alerts.Config, env receiverEnv) (alerts.Notifiers, []*amclient.Client, error) {
	out := alerts.Notifiers{}
	var clients []*amclient.Client
	var errs []error
	for _, r := range ac.Receivers {
		m := map[string]alerts.Notifier{}
		if r.Email.IsSet() {
			n, err := emailNotifier(r.Email, env)
			errs = append(errs, receiverErr(r.Name, alerts.IntegrationEmail, err))
			m[alerts.IntegrationEmail] = n
		}
		if r.Webhook.IsSet() {
			n, err := webhookNotifier(r.Webhook, env)
			errs = append(errs, receiverErr(r.Name, alerts.IntegrationWebhook, err))
			m[alerts.IntegrationWebhook] = n
		}
		if r.Alertmanager.IsSet() {
			c, err := alertmanagerClient(r.Alertmanager, ac.ExternalURL, env)
			errs = append(errs, receiverErr(r.Name, alerts.IntegrationAlertmanager, err))
			m[alerts.IntegrationAlertmanager] = c
			clients = append(clients, c)
		}
		out[r.Name] = m
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return out, clients, nil
}

func receiverErr(name, integration string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("alerting: receiver %q %s: %w", name, integration, err)
}

func emailNotifier(raw alerts.RawConfig, env receiverEnv) (*email.Notifier, error) {
	var c email.Config
	if err := raw.Decode(&c); err != nil {
		return nil, err
	}
	env.resolve(&c.CAFile, &c.PasswordFile, &c.Subject, &c.HTML, &c.Text)
	if errs := c.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return email.New(c, email.WithCatalogue(env.cat), email.WithLocation(env.loc),
		email.WithTemplateErrors(env.templates), email.WithLogger(env.log))
}

func webhookNotifier(raw alerts.RawConfig, env receiverEnv) (*webhook.Notifier, error) {
	var c webhook.Config
	if err := raw.Decode(&c); err != nil {
		return nil, err
	}
	env.resolve(&c.URLFile, &c.HMACSecretFile)
	if errs := c.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return webhook.New(c)
}

func alertmanagerClient(raw alerts.RawConfig, externalURL string, env receiverEnv) (*amclient.Client, error) {
	var c amclient.Config
	if err := raw.Decode(&c); err != nil {
		return nil, err
	}
	env.resolve(&c.BearerTokenFile)
	if c.BasicAuth != nil {
		env.resolve(&c.BasicAuth.PasswordFile)
	}
	return amclient.New(c, amclient.WithExternalURL(externalURL), amclient.WithLogger(env.log))
}

// delivery is the outbox's deliverer and the Alertmanager clients of the
// current alerting section.
type delivery struct {
	dl      *alerts.Deliverer
	mu      sync.Mutex
	ns      alerts.Notifiers // the deliverer's, for seeding the Alertmanager clients
	clients []*amclient.Client
	stop    context.CancelFunc // stops the clients' loops of the section before
}

func newDelivery(d *Daemon, ns alerts.Notifiers, clients []*amclient.Client) (*delivery, error) {
	dl, err := alerts.NewDeliverer(alerts.DelivererOptions{Outbox: fencedStore{AlertStore: d.db, lead: &d.lead}, Notifiers: ns,
		Registerer: d.opts.Registry, Logger: d.log})
	if err != nil {
		return nil, fmt.Errorf("alerting: %w", err)
	}
	return &delivery{dl: dl, ns: ns, clients: clients}, nil
}

// deliveryLoop runs the deliverer and the Alertmanager re-send loops until
// ctx ends.
func (d *Daemon) deliveryLoop(ctx context.Context) {
	if d.delivery == nil {
		return
	}
	d.delivery.startClients(ctx, d)
	if err := d.delivery.dl.Run(ctx); err != nil && ctx.Err() == nil {
		d.log.Error("delivery stopped", "err", err)
	}
	d.delivery.mu.Lock()
	if d.delivery.stop != nil {
		d.delivery.stop()
	}
	d.delivery.mu.Unlock()
}

// startClients runs the current clients' loops, stopping the previous ones.
func (v *delivery) startClients(ctx context.Context, d *Daemon) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stop != nil {
		v.stop()
	}
	cctx, cancel := context.WithCancel(ctx)
	v.stop = cancel
	for _, c := range v.clients {
		go func() {
			if err := c.Run(cctx); err != nil && cctx.Err() == nil {
				d.log.Error("alertmanager client stopped", "err", err)
			}
		}()
	}
}

// notifiers returns the current notifiers.
func (v *delivery) notifiers() alerts.Notifiers {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.ns
}

// swap installs the notifiers of a reloaded alerting section, and starts
// the new clients' loops under ctx when run (on the leader); a follower's
// clients start when it leads.
func (v *delivery) swap(ctx context.Context, run bool, d *Daemon, ns alerts.Notifiers, clients []*amclient.Client) {
	v.dl.SetNotifiers(ns)
	v.mu.Lock()
	v.ns, v.clients = ns, clients
	v.mu.Unlock()
	if run {
		v.startClients(ctx, d)
	}
}
