package config

import (
	"net/url"
	"regexp"
	"time"

	"github.com/chiso-vn/chiso/internal/clip"
)

// DefaultLease is the cluster section's default lease, documented in the
// README's topology section.
const DefaultLease = 10 * time.Second

// minRenew and minMargin are the shortest renew interval and margin a
// configuration may set (the defaults with the shortest lease, a second,
// are 333ms and 200ms).
const (
	minRenew  = 100 * time.Millisecond
	minMargin = 100 * time.Millisecond
)

// maxLease is the longest lease a configuration may set: the time alerting
// may stay dark after a leader dies.
const maxLease = 10 * time.Minute

// Cluster configures what several daemons sharing one PostgreSQL
// database need: the election of the one that schedules rule groups and
// delivers notifications. A daemon on a SQLite file ignores it (it always
// leads). Zero fields take their defaults.
type Cluster struct {
	// Lease is how long a leader's renewal holds leadership, by the
	// database's clock. A leader that dies is replaced within Lease plus
	// Renew (13.3 s with the defaults); zero means DefaultLease.
	Lease time.Duration `yaml:"lease"`
	// Renew is how often the leader renews its lease and a follower tries
	// to take it; zero means Lease/3.
	Renew time.Duration `yaml:"renew"`
	// Margin is how long before its lease runs out a leader that could not
	// renew stops acting, measured on its own clock; zero means Lease/5.
	Margin time.Duration `yaml:"margin"`
	// AdvertiseURL is where the other daemons reach this one's HTTP API
	// (http://host:port): a follower forwards alert changes to the leader
	// there. Empty means http:// and the listen address, with the host's
	// name when it listens on every interface.
	AdvertiseURL string `yaml:"advertise_url"`
}

func (c *Cluster) applyDefaults() {
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	if c.Renew == 0 {
		c.Renew = c.Lease / 3
	}
	if c.Margin == 0 {
		c.Margin = c.Lease / 5
	}
}

// validate reports non-positive durations, and a renew interval and
// margin that leave a leader no second try at renewing before it stops.
func (c *Cluster) validate(d *decoder) {
	bad := false
	for _, f := range []struct {
		key string
		v   time.Duration
	}{{"lease", c.Lease}, {"renew", c.Renew}, {"margin", c.Margin}} {
		if f.v <= 0 {
			d.add("cluster."+f.key, "%s must be positive", f.v)
			bad = true
		}
	}
	if c.AdvertiseURL != "" {
		u, err := url.Parse(c.AdvertiseURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
			u.RawQuery != "" || u.Fragment != "":
			d.add("cluster.advertise_url", "%q is not an http(s)://host:port URL", clip.Text(redactURL(c.AdvertiseURL)))
		case u.User != nil:
			d.add("cluster.advertise_url", "%q holds user information: it would be written into the lease row, readable by whoever reads the database, and is never sent",
				clip.Text(u.Redacted()))
		}
	}
	if c.Lease > 0 && c.Lease < time.Second {
		d.add("cluster.lease", "%s is shorter than a second: a busy database or a pause of the process would cost the leadership", c.Lease)
	}
	if c.Lease > maxLease {
		d.add("cluster.lease", "%s is longer than %s: a leader that dies would leave the rule groups unscheduled and notifications unsent for as long", c.Lease, maxLease)
	}
	if c.Renew > 0 && c.Renew < minRenew {
		d.add("cluster.renew", "%s is shorter than %s: followers would try to take the lease, and the leader renew it, in a busy loop against the database", c.Renew, minRenew)
	}
	if c.Margin > 0 && c.Margin < minMargin {
		d.add("cluster.margin", "%s is shorter than %s: it leaves a leader no time to stop acting before another may take over", c.Margin, minMargin)
	}
	if !bad && c.Renew+c.Margin >= c.Lease {
		field := "cluster.renew"
		if c.Renew < c.Margin {
			field = "cluster.margin"
		}
		d.add(field, "renew %s plus margin %s must be shorter than the lease %s: a leader must be able to retry a failed renewal before it stops",
			c.Renew, c.Margin, c.Lease)
	}
}

// redactURL replaces the password of a URL that may not parse.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return advertisePassword.ReplaceAllString(s, "${1}xxxxx@")
}

var advertisePassword = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*:).*@`)
