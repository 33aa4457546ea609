//go:build race

package conformance

// raceEnabled builds the binary with the race detector when the tests
// run with it.
const raceEnabled = true
