package periodic

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Locker coordinates replicas of a service that each run the same
// scheduler, so that every tick of a job runs on exactly one of them.
//
// Before a run of a scheduled tick starts, the scheduler calls Claim with
// the job's name and the tick. The replica that wins the claim runs the
// tick; the others see an error that wraps ErrClaimed and do not run it.
// A claim names the tick, not the job, so replicas whose clocks differ
// still agree: the second claim of the same (job, tick) always loses, even
// long after the first run finished. Implementations must therefore keep a
// claim for a retention period longer than any clock skew and never delete
// it when the run ends.
//
// Claim must be safe to call from several goroutines. A Claim that panics,
// or returns neither a lease nor an error, fails the run with an error
// that says so; a Release that panics is logged. Neither stops the
// scheduler. The context Claim gets is the run's, with its deadline
// (WithTimeout) already fixed.
type Locker interface {
	// Claim claims the run of the named job at tick for this replica. It
	// returns a Lease when this replica won, an error wrapping ErrClaimed
	// when another replica holds the claim, or any other error when the
	// claim could not be decided (the run does not start either).
	Claim(ctx context.Context, job string, tick time.Time) (Lease, error)
}

// Lease is a won claim. The scheduler calls Release exactly once, when the
// run has returned. Release must not delete the claim: it only stops
// whatever keeps the claim alive while the run lasts.
type Lease interface {
	Release(ctx context.Context) error
}

// claimErr is the error of a run whose claim of tick failed with err: err
// as it is when another replica won, else wrapped in ErrStore too.
func claimErr(job string, tick time.Time, err error) error {
	at := tick.Format(time.RFC3339Nano)
	if !errors.Is(err, ErrClaimed) {
		err = fmt.Errorf("%w: %w", ErrStore, err)
	}
	return wrapf(err, "job %q tick %s", job, at)
}
