//go:build !race

package testenv

// RaceEnabled reports whether the test binary was built with -race (see
// race.go).
const RaceEnabled = false
