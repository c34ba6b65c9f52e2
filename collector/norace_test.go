//go:build !race

package collector

// raceEnabled is set when the race detector runs.
const raceEnabled = false
