package emulator

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its test: each one
// must have an owner that stops it and waits.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
