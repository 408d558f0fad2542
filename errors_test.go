package periodic_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// claimsNothing is a locker whose every claim has gone to another replica.
type claimsNothing struct{}

func (claimsNothing) Claim(ctx context.Context, job string, tick time.Time) (periodic.Lease, error) {
	return nil, periodic.ErrClaimed
}

// TestErrorTexts checks that the errors the scheduler wraps read the
// package's name once, and still match their sentinel.
func TestErrorTexts(t *testing.T) {
	ok := func(context.Context) (int, error) { return 1, nil }
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), ok, periodic.WithName("j"))
	require.NoError(t, err)

	claimed := newEnv(t, quiet, periodic.WithLocker(claimsNothing{}))
	cj, err := periodic.Schedule(claimed.s, periodic.Every(time.Hour), ok, periodic.WithName("c"))
	require.NoError(t, err)
	claimed.s.Start()
	claimed.advance(time.Hour)

	_, badSkip := periodic.Schedule(e.s, periodic.Except(periodic.Every(time.Hour), periodic.Or()), ok)
	e.s.Start()
	require.NoError(t, e.s.Shutdown(context.Background()))
	_, afterShutdown := periodic.Schedule(e.s, periodic.Every(time.Hour), ok)
	_, backfill := job.Backfill(context.Background(), t0.Add(-time.Hour), t0)

	for _, tc := range []struct {
		name     string
		err      error
		sentinel error
		want     string
	}{
		{"Schedule after Shutdown", afterShutdown, periodic.ErrClosed, "periodic: Schedule: scheduler closed"},
		{"RunNow after Shutdown", job.RunNow().Err(), periodic.ErrClosed, `periodic: job "j": RunNow: scheduler closed`},
		{"Backfill after Shutdown", backfill, periodic.ErrClosed, `periodic: job "j": Backfill: scheduler closed`},
		{"a claim lost", cj.Last().Err(), periodic.ErrClaimed,
			`periodic: job "c" tick 2026-01-01T01:00:00Z: tick claimed by another replica`},
		{"a bad skip trigger", badSkip, periodic.ErrInvalid,
			"periodic: invalid argument: Except: skip trigger: Or(): no triggers given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, tc.err, tc.sentinel)
			require.Equal(t, tc.want, tc.err.Error())
			require.Equal(t, 1, strings.Count(tc.err.Error(), "periodic:"), "the prefix is read once")
		})
	}
	require.NoError(t, periodictest.WaitIdle(context.Background(), claimed.s))
}
