//go:build race

package testenv

// RaceEnabled reports whether the test binary was built with -race. The
// race detector changes what allocates (sync.Pool drops a quarter of its
// Puts at random, instrumentation allocates shadow state), so allocation
// counts are only meaningful without it.
const RaceEnabled = true
