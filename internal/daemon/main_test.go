package daemon_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives its test: every
// goroutine of the daemon, the core, the history writer and the player
// clients must have an owner that stops it and waits.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
