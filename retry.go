package periodic

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Retry is a retry policy for failed runs, set with WithRetry. After a
// failed attempt the run sleeps, on the scheduler's clock, for Initial,
// then Initial*Multiplier, Initial*Multiplier², and so on, each wait capped
// at Max and then shortened by a random share of up to Jitter of itself
// (drawn from WithRand's source). It gives up after Retries retries and
// settles with the last attempt's error; a success settles with that
// attempt's value. Attempt tells the job which attempt it is in.
//
// Neither a panic (a *PanicError: a bug, not a passing failure) nor
// cancellation is retried: once the run's context is done (Cancel,
// OverlapReplace, Shutdown, WithTimeout), the run ends. If that happens
// while it waits to retry, its error wraps both the last failure and the
// context's error, so a cancelled run still settles as cancelled and a
// timed-out one fails with context.DeadlineExceeded. WithTimeout bounds
// the whole run, all attempts and waits included; AttemptTimeout bounds
// each attempt on its own, on the scheduler's clock: an attempt that
// overruns it is cancelled, awaited, and counts as failed with an error
// wrapping context.DeadlineExceeded, which is retried like any other
// failure. With AttemptTimeout, each attempt runs on a helper goroutine
// of the run (as with Go), and the run waits for it to return.
//
// The run stays in flight while it retries, so retries never break the
// job's Overlap policy nor WithMaxConcurrency: OverlapSkip skips a tick
// that comes meanwhile. The zero Retry is not valid.
type Retry struct {
	Retries    int           // retries after the first attempt; at least 1
	Initial    time.Duration // the first wait; positive
	Max        time.Duration // the longest wait, at least Initial; 0 means no cap
	Multiplier float64       // growth per retry, at least 1; 0 means 2
	Jitter     float64       // the random share of each wait, in [0, 1]

	AttemptTimeout time.Duration // bounds each attempt; 0 means no bound
}

// WithRetry retries failed runs as r says. A bad field is reported by
// Schedule, naming it and its value.
func WithRetry(r Retry) JobOption {
	return func(c *jobConfig) {
		if err := r.check(); err != nil {
			c.fail("%v", err)
			return
		}
		if r.Multiplier == 0 {
			r.Multiplier = 2
		}
		c.retry = &r
	}
}

// check reports a bad policy.
func (r Retry) check() error {
	switch {
	case r.Retries < 1:
		return fmt.Errorf("WithRetry: Retries %d: at least 1 retry", r.Retries)
	case r.Initial <= 0:
		return fmt.Errorf("WithRetry: Initial %v: must be positive", r.Initial)
	case r.Max < 0:
		return fmt.Errorf("WithRetry: Max %v: must not be negative", r.Max)
	case r.Max > 0 && r.Max < r.Initial:
		return fmt.Errorf("WithRetry: Max %v is below Initial %v", r.Max, r.Initial)
	case r.Multiplier != 0 && !(r.Multiplier >= 1):
		return fmt.Errorf("WithRetry: Multiplier %v: must be at least 1", r.Multiplier)
	case !(r.Jitter >= 0 && r.Jitter <= 1):
		return fmt.Errorf("WithRetry: Jitter %v: must be within [0, 1]", r.Jitter)
	case r.AttemptTimeout < 0:
		return fmt.Errorf("WithRetry: AttemptTimeout %v: must not be negative", r.AttemptTimeout)
	}
	return nil
}

// wait returns the wait before retry n (1 for the first).
func (r *Retry) wait(draws *rand.Rand, n int) time.Duration {
	w := durationOf(float64(r.Initial) * math.Pow(r.Multiplier, float64(n-1)))
	if r.Max > 0 {
		w = min(w, r.Max)
	}
	if r.Jitter > 0 {
		w -= randDuration(draws, durationOf(float64(w)*r.Jitter))
	}
	return w
}

// durationOf converts f to a duration, saturating at the longest one.
func durationOf(f float64) time.Duration {
	if !(f < math.MaxInt64) {
		return math.MaxInt64
	}
	return time.Duration(f)
}

// retry calls fn in r's context until it succeeds, is cancelled, or the
// policy p (nil for none) gives up.
func retry[T any](r *run[T], p *Retry, fn Func[T]) (T, error) {
	for n := 1; ; n++ {
		r.attempt.Store(int32(n))
		v, err := attempt(r, p, fn)
		if err == nil || p == nil || n > p.Retries || r.Err() != nil || asPanic(err) != nil {
			return v, err
		}
		r.retried(n, err)
		if serr := Sleep(r, p.wait(r.draws(), n)); serr != nil {
			return v, fmt.Errorf("%w; retry abandoned: %w", err, serr)
		}
	}
}

// attempt calls fn once in r's context, bounded by p's AttemptTimeout if
// it has one: fn then runs as a Go helper of the run under Timeout on the
// scheduler's clock, and the run waits for the helper to return even once
// cancelled, so that the run ends after every goroutine of it.
func attempt[T any](r *run[T], p *Retry, fn Func[T]) (T, error) {
	if p == nil || p.AttemptTimeout <= 0 {
		return call(r, fn)
	}
	return Timeout(r, Go(r, fn), p.AttemptTimeout).Await(context.WithoutCancel(r))
}

// retried counts and reports attempt n's failure, which will be retried.
func (r *run[T]) retried(n int, err error) {
	s, j := r.s, r.job
	s.mu.Lock()
	j.l().stats.Retries++
	s.mu.Unlock()
	s.report(&Event{Kind: EventRetry, Job: j.name, Tick: r.tick, Start: s.Now(), Attempt: n, Err: err, Context: r,
		Backfill: r.batch != nil})
}

// randDuration returns a random duration in [0, d) from a run's own
// source (see drawLocked), which only the run's goroutine uses.
func randDuration(draws *rand.Rand, d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(draws.Int64N(int64(d)))
}
