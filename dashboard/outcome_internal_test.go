package dashboard

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// TestOutcome pins the outcome of each kind of run end: ticks the cluster
// refused (paused cluster-wide, skipped by its overlap policy) are
// skipped, not failed.
func TestOutcome(t *testing.T) {
	end := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		err  error
		end  time.Time
		want string
	}{
		{nil, time.Time{}, "running"},
		{nil, end, "succeeded"},
		{errors.New("boom"), end, "failed"},
		{fmt.Errorf("job: %w", periodic.ErrSkipped), end, "skipped"},
		{fmt.Errorf("job: %w", periodic.ErrPaused), end, "skipped"},
		{fmt.Errorf("job: %w", periodic.ErrClaimed), end, "claimed"},
		{periodic.ErrCancelled, end, "cancelled"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, outcome(Run{End: c.end, Err: c.err}), "%v", c.err)
	}
}
