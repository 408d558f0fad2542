package periodic_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// Issue #12 item 9: one vocabulary. A run's end is counted by Stats,
// named by Event.Outcome and judged by WithPauseOnFailure alike: a
// cancellation is "cancelled", counted in Cancellations, and pauses
// nothing; an error, a timeout or a panic is "failed", counted in
// Failures, and pauses the job.
func TestRunEndVocabulary(t *testing.T) {
	cases := []struct {
		name    string
		fn      periodic.Func[int]
		cancel  bool // the test cancels the run's future at 1 s
		outcome string
		want    periodic.Stats
		paused  bool
	}{
		{"success", func(context.Context) (int, error) { return 1, nil }, false,
			"succeeded", periodic.Stats{Runs: 1, Successes: 1}, false},
		{"error", func(context.Context) (int, error) { return 0, errBoom }, false,
			"failed", periodic.Stats{Runs: 1, Failures: 1}, true},
		{"panic", func(context.Context) (int, error) { panic("boom") }, false,
			"failed", periodic.Stats{Runs: 1, Failures: 1}, true},
		{"timeout", func(ctx context.Context) (int, error) { return 0, periodic.Sleep(ctx, time.Hour) }, false,
			"failed", periodic.Stats{Runs: 1, Failures: 1, LastDuration: 5 * time.Second}, true},
		{"cancel", func(ctx context.Context) (int, error) { return 0, periodic.Sleep(ctx, time.Hour) }, true,
			"cancelled", periodic.Stats{Runs: 1, Cancellations: 1, LastDuration: time.Second}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			var outcomes []string
			e := newEnv(t, quiet, periodic.WithHooks(periodic.Hooks{AfterRun: func(ev periodic.Event) {
				mu.Lock()
				defer mu.Unlock()
				outcomes = append(outcomes, ev.Outcome())
			}}))
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), c.fn,
				periodic.WithPauseOnFailure(), periodic.WithTimeout(5*time.Second))
			require.NoError(t, err)
			e.s.Start()
			e.advance(11 * time.Second)
			if c.cancel {
				require.True(t, job.Last().Cancel())
			}
			e.advance(8 * time.Second) // to 19 s: before the next tick
			st := job.Stats()
			st.LastError = nil
			require.Equal(t, c.want, st)
			require.Equal(t, c.paused, job.Paused())
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, []string{c.outcome}, outcomes)
		})
	}
}
