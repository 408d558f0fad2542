package periodic_test

import (
	"context"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// TestNoResult checks the adapter for jobs that return only an error: a
// nil error succeeds, an error fails the run, a cancellation cancels it,
// and a nil function is bad input naming it.
func TestNoResult(t *testing.T) {
	e := newEnv(t, quiet)
	outcomes := []error{nil, errBoom}
	runs := 0
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), periodic.NoResult(func(ctx context.Context) error {
		runs++ // runs do not overlap here: the test waits for each
		return outcomes[runs-1]
	}), periodic.WithLimit(1))
	require.NoError(t, err)
	e.s.Start()
	e.advance(10 * time.Second)
	requireValue(t, job.Last(), struct{}{})
	f1 := job.RunNow()
	e.advance(0)
	requireFailed(t, f1, errBoom)

	f := periodic.Go(context.Background(), periodic.NoResult(func(ctx context.Context) error { return context.Canceled }))
	<-f.Done()
	requireCancelled(t, f)

	bad, err := periodic.Schedule(e.s, periodic.Every(time.Second), periodic.NoResult(nil))
	require.Nil(t, bad)
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.ErrorContains(t, err, "nil")
	requireFailed(t, periodic.Go(context.Background(), periodic.NoResult(nil)), periodic.ErrInvalid)
}
