package periodic

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRunBooksChange checks what a run adds to busy, T - min(W, T), as
// its tokens T and blocked goroutines W change in any order.
func TestRunBooksChange(t *testing.T) {
	var b runBooks
	require.Equal(t, 1, b.change(1, 0))  // the run starts: T=1
	require.Equal(t, 1, b.change(1, 0))  // a Go task: T=2
	require.Equal(t, -1, b.change(0, 1)) // one blocks: W=1
	require.Equal(t, -1, b.change(0, 1)) // both: W=2
	require.Equal(t, 0, b.change(0, 1))  // a plain goroutine waits too: W=3 > T
	require.Equal(t, 0, b.change(-1, 0)) // the task returns: T=1, still none busy
	require.Equal(t, 0, b.change(0, -2)) // W=1
	require.Equal(t, 1, b.change(0, -1)) // the run wakes: W=0
	require.Equal(t, -1, b.change(-1, 0))
	tokens, blocked := b.read()
	require.Equal(t, 0, tokens)
	require.Equal(t, 0, blocked)
}

// TestReleaseRunWithoutLock gives tokens back without s.mu from many
// goroutines at once while Shutdown, or WaitIdle, reads the counters: a
// release that missed the flag its waiter set would leave Shutdown or
// WaitIdle waiting forever (here: until the safety timeout, a failure).
func TestReleaseRunWithoutLock(t *testing.T) {
	const runs = 64
	for _, name := range []string{"Shutdown", "WaitIdle"} {
		t.Run(name, func(t *testing.T) {
			for i := 0; i < 30; i++ {
				s := New()
				var started sync.WaitGroup
				started.Add(runs)
				gate := make(chan struct{})
				j, err := Schedule(s, At(s.Now().Add(time.Hour)), func(context.Context) (int, error) {
					started.Done()
					<-gate
					return 1, nil
				})
				require.NoError(t, err)
				futs := make([]*Future[int], runs)
				for k := range futs {
					futs[k] = j.RunNow()
				}
				started.Wait()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a safety net, not a measure
				close(gate)                                                              // every run ends now, racing with the waiter below
				if name == "WaitIdle" {
					require.NoError(t, s.WaitIdle(ctx))
					for _, f := range futs {
						v, err := f.Result()
						require.NoError(t, err)
						require.Equal(t, 1, v)
					}
				}
				require.NoError(t, s.Shutdown(ctx))
				cancel()
				require.Zero(t, s.live.Load())
				require.Zero(t, s.busy.Load())
			}
		})
	}
}
