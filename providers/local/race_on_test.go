//go:build race

package local

// raceEnabled: the race detector is on. It changes what allocates (and
// sync.Pool drops items at random under it), so tests that count bytes
// allocated only hold without it; the plain test run checks them.
const raceEnabled = true
