//go:build race

package collector

// raceEnabled is set when the race detector runs: it slows every run
// several times, so rate assertions are skipped.
const raceEnabled = true
