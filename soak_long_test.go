//go:build soak

package periodic_test

import (
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// soakFor is how long make soak runs, after a warm-up of 10 s.
var (
	soakFor = flag.Duration("soak.duration", 3*time.Minute, "how long TestSoak runs")
	soakMin = flag.Duration("soak.min", 50*time.Millisecond, "the shortest interval of a job in TestSoak")
)

// TestSoak is make soak: 1,000 jobs every 50-500 ms for minutes on the
// real clock, the heap and goroutines sampled every 10 s, or ten times
// when SOAKTIME is under 100 s; it fails if either grows. A SOAKTIME
// under 1 s is refused, naming it.
func TestSoak(t *testing.T) {
	every, err := soakEvery(*soakFor)
	require.NoError(t, err)
	soak(t, soakConfig{jobs: 1000, min: *soakMin, warmUp: 10 * time.Second, duration: *soakFor, every: every})
}

// soakEvery returns the interval between TestSoak's samples for a soak of
// d: 10 s, or d/10 for a shorter soak, so that any soak of 1 s or more
// takes ten samples at least.
func soakEvery(d time.Duration) (time.Duration, error) {
	if d < time.Second {
		return 0, fmt.Errorf("-soak.duration (SOAKTIME) %v: must be at least 1s, for ten samples of the heap", d)
	}
	return min(10*time.Second, d/10), nil
}

// TestSoakEvery checks the sampling interval of short and long soaks.
func TestSoakEvery(t *testing.T) {
	for _, tc := range []struct {
		d, want time.Duration
		err     string
	}{
		{d: 3 * time.Minute, want: 10 * time.Second},
		{d: 100 * time.Second, want: 10 * time.Second},
		{d: 15 * time.Second, want: 1500 * time.Millisecond},
		{d: time.Second, want: 100 * time.Millisecond},
		{d: 999 * time.Millisecond, err: "-soak.duration (SOAKTIME) 999ms: must be at least 1s"},
	} {
		got, err := soakEvery(tc.d)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, got, "soakEvery(%v)", tc.d)
	}
}
