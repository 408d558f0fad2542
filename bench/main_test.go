package bench

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if goroutines outlive the tests: every contender
// must be stopped.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
