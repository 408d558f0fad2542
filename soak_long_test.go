//go:build soak

package periodic_test

import (
	"flag"
	"testing"
	"time"
)

// soakFor is how long make soak runs, after a warm-up of 10 s.
var (
	soakFor = flag.Duration("soak.duration", 3*time.Minute, "how long TestSoak runs")
	soakMin = flag.Duration("soak.min", 50*time.Millisecond, "the shortest interval of a job in TestSoak")
)

// TestSoak is make soak: 1,000 jobs every 50-500 ms for minutes on the
// real clock, the heap and goroutines sampled every 10 s; it fails if
// either grows.
func TestSoak(t *testing.T) {
	soak(t, soakConfig{jobs: 1000, min: *soakMin, warmUp: 10 * time.Second, duration: *soakFor, every: 10 * time.Second})
}
