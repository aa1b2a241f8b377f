package daemon

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ReadyLag is how long the engine may stay behind the database before
// /-/ready answers 503: a replica that cannot keep up (its database
// unreachable, its refresh failing) leaves the load balancer's pool.
const ReadyLag = 30 * time.Second

// lagState is how far the engine was behind the database at the sync
// loop's last look: the newest observation id the database held, and
// since when (on this process's clock) the engine has been behind it.
type lagState struct {
	mu        sync.Mutex
	dbLast    int64     // the database's newest id at the last look
	behind    time.Time // when the engine was first seen behind; zero when caught up
	caughtUp  bool      // a look found the engine caught up since start
	lookedErr bool      // the last look failed
}

// look records what a look at the database found: its newest id, or an
// error reading it, and the engine's newest id after the look's refresh.
func (l *lagState) look(dbLast, engineLast int64, err error, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lookedErr = err != nil
	if err != nil {
		if l.behind.IsZero() {
			l.behind = now // unknown is counted as behind
		}
		return
	}
	l.dbLast = max(l.dbLast, dbLast)
	if engineLast >= l.dbLast {
		l.behind, l.caughtUp = time.Time{}, true
		return
	}
	if l.behind.IsZero() {
		l.behind = now
	}
}

// ids returns how many ids the engine is behind the newest id seen.
func (l *lagState) ids(engineLast int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(0, l.dbLast-engineLast)
}

// seconds returns how long the engine has been behind, 0 when caught up.
func (l *lagState) seconds(now time.Time) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.behind.IsZero() {
		return 0
	}
	return now.Sub(l.behind).Seconds()
}

// fresh reports whether the engine caught up once since start and has
// not been behind for ReadyLag or more since.
func (l *lagState) fresh(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.caughtUp && (l.behind.IsZero() || now.Sub(l.behind) < ReadyLag)
}

// lagCollectors are the engine's lag behind the database, read at scrape
// time.
func (d *Daemon) lagCollectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chiso_engine_lag_revisions",
			Help: "Observation revisions the database held at the last look that this daemon's engine has not read yet."},
			func() float64 {
				if d.src == nil {
					return 0
				}
				return float64(d.lag.ids(d.src.last()))
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chiso_engine_lag_seconds",
			Help: "How long this daemon's engine has been behind the database (0 when caught up), on this daemon's clock."},
			func() float64 { return d.lag.seconds(time.Now()) }),
	}
}
