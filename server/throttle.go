package server

import (
	"net"
	"sync"
	"time"
)

// The throttle's defaults: how many failed attempts an address has free,
// the first delay after them (doubled with each further failure, up to
// throttleMaxDelay), how long an address's failures are remembered, and
// how many addresses are.
const (
	throttleFree      = 5
	throttleBaseDelay = time.Second
	throttleMaxDelay  = 5 * time.Minute
	throttleForget    = 15 * time.Minute
	throttleAddresses = 10000
)

// throttle holds back addresses that failed to authenticate: after free
// failures each further one closes the address for a delay that doubles,
// during which its requests are refused (429) without their token being
// looked at, so that guessing gets slow. Nobody waits on the server: a
// refused request costs it nothing.
//
// Its memory is bounded: at most max addresses are remembered; IPv6
// addresses count by their /64, which one host usually holds whole. When
// the table is full and nothing in it can be forgotten, every new address
// shares one slot: an attacker with many addresses is slowed as one, at
// the price of holding back newcomers while the attack lasts; the addresses
// already known keep their own slots.
type throttle struct {
	mu       sync.Mutex
	now      func() time.Time
	max      int
	slots    map[string]*strikes
	overflow strikes
	swept    time.Time // when forgetQuiet last ran
}

// strikes are an address's recent failures.
type strikes struct {
	n     int       // failures since the last quiet spell of throttleForget
	last  time.Time // of the last failure
	until time.Time // refused until then; zero: open
}

func newThrottle(now func() time.Time, max int) *throttle {
	return &throttle{now: now, max: max, slots: map[string]*strikes{}}
}

// wait returns how long the address remote stays closed; zero when it is
// open.
func (t *throttle) wait(remote string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	st := t.lookup(addressKey(remote), false)
	if st == nil || !now.Before(st.until) {
		return 0
	}
	return st.until.Sub(now)
}

// fail counts a failed attempt from remote.
func (t *throttle) fail(remote string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	st := t.lookup(addressKey(remote), true)
	if now.Sub(st.last) > throttleForget {
		st.n = 0
	}
	st.n++
	st.last = now
	if st.n > throttleFree {
		st.until = now.Add(min(throttleBaseDelay<<min(st.n-throttleFree-1, 20), throttleMaxDelay))
	}
}

// lookup returns the slot of an address key; with add it makes one,
// forgetting quiet addresses when the table is full, or hands out the
// shared overflow slot.
func (t *throttle) lookup(key string, add bool) *strikes {
	if st, ok := t.slots[key]; ok {
		return st
	}
	if len(t.slots) >= t.max {
		t.forgetQuiet()
	}
	if len(t.slots) >= t.max {
		return &t.overflow
	}
	if !add {
		return nil
	}
	st := &strikes{}
	t.slots[key] = st
	return st
}

// forgetQuiet drops the addresses that are open and failed last more than
// throttleForget ago: their next failure would start from zero anyway.
func (t *throttle) forgetQuiet() {
	now := t.now()
	if now.Sub(t.swept) < time.Second { // a full table under attack: not a scan per request
		return
	}
	t.swept = now
	for k, st := range t.slots {
		if now.Sub(st.last) > throttleForget && !now.Before(st.until) {
			delete(t.slots, k)
		}
	}
}

// size returns how many addresses the throttle remembers.
func (t *throttle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.slots)
}

// addressKey is the throttle's key of a remote address: the IPv4 address,
// or the /64 of an IPv6 one; the text itself when it is no IP address.
func addressKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return host
	case ip.To4() != nil:
		return ip.To4().String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
