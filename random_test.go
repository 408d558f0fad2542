package periodic_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// randomTicks runs EveryRandom(10s, 20s) for 100 s on a scheduler seeded
// with seed and returns the ticks it ran and those Describe showed first.
func randomTicks(t *testing.T, seed uint64) (ran, shown []time.Duration) {
	t.Helper()
	e := newEnv(t, quiet, periodic.WithRand(rand.New(rand.NewPCG(seed, 0))))
	var mu sync.Mutex
	job, err := periodic.Schedule(e.s, periodic.EveryRandom(10*time.Second, 20*time.Second), func(ctx context.Context) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		ran = append(ran, periodic.TickFrom(ctx).Sub(t0))
		return 0, nil
	}, periodic.WithStartAt(t0))
	require.NoError(t, err)
	for _, n := range job.Describe(20).NextRuns {
		if n.Sub(t0) <= 100*time.Second {
			shown = append(shown, n.Sub(t0))
		}
	}
	e.s.Start()
	e.advance(100 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	return ran, shown
}

// Issue #12 item 15: EveryRandom draws each interval in [min, max] from
// the scheduler's seeded source: the same seed gives the same ticks,
// which Describe shows before they run.
func TestEveryRandom(t *testing.T) {
	ran, shown := randomTicks(t, 1)
	require.Equal(t, []time.Duration{
		11702574673 * time.Nanosecond, 25863932562 * time.Nanosecond, 40069820332 * time.Nanosecond,
	}, ran[:3], "seed 1's draws")
	require.Equal(t, shown, ran, "Describe shows the ticks that run")
	prev := time.Duration(0)
	for _, d := range ran {
		require.GreaterOrEqual(t, d-prev, 10*time.Second)
		require.LessOrEqual(t, d-prev, 20*time.Second)
		prev = d
	}
	again, _ := randomTicks(t, 1)
	require.Equal(t, ran, again, "the same seed, the same ticks")
	other, _ := randomTicks(t, 2)
	require.NotEqual(t, ran, other, "another seed, other ticks")
}

// TestEveryRandomBad checks EveryRandom's bad bounds.
func TestEveryRandomBad(t *testing.T) {
	for _, c := range []struct {
		min, max time.Duration
		err      string
	}{
		{0, time.Second, "EveryRandom(0s, 1s): the minimum must be positive"},
		{2 * time.Second, time.Second, "EveryRandom(2s, 1s): the maximum is below the minimum"},
	} {
		e := newEnv(t, quiet)
		_, err := periodic.Schedule(e.s, periodic.EveryRandom(c.min, c.max), e.sleeper(0))
		require.ErrorIs(t, err, periodic.ErrInvalid)
		require.ErrorContains(t, err, c.err)
	}
	require.Equal(t, "every 1s to 2s at random", fmt.Sprint(periodic.EveryRandom(time.Second, 2*time.Second)))
}
