//go:build !race

package daemon

// raceEnabled tells tests that the race detector slows them about
// twentyfold, so that large ones shrink their data.
const raceEnabled = false
