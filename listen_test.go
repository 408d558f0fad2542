package periodic

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// listenerCount returns the number of listeners of a pending future.
func (f *Future[T]) listenerCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.w == nil {
		return 0
	}
	return len(f.w.listeners)
}

// TestWaitersLeaveNoListeners checks that Wait and AsCompleted remove their
// listeners from the futures when they return: 10,000 calls of each on one
// pending future leave none behind (issue #11, item 16).
func TestWaitersLeaveNoListeners(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	pending := NewPromise[int]().Future()
	settled := NewPromise[int]()
	require.NoError(t, settled.Resolve(1))
	for _, tc := range []struct {
		name string
		call func()
	}{
		{"Wait, context ended", func() { _, _, _ = Wait(ended, AllCompleted, pending) }},
		{"Wait FirstCompleted, one settled", func() {
			_, _, _ = Wait(context.Background(), FirstCompleted, pending, settled.Future())
		}},
		{"AsCompleted, context ended", func() {
			for range AsCompleted(ended, pending) {
			}
		}},
		{"AsCompleted, break after the first", func() {
			for range AsCompleted(context.Background(), settled.Future(), pending) {
				break
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 10_000 {
				tc.call()
			}
			require.Zero(t, pending.listenerCount())
		})
	}
}
