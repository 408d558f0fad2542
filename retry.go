package periodic

import (
	"fmt"
	"time"
)

// Retry is a retry policy for failed runs, set with WithRetry. After a
// failed attempt the run sleeps, on the scheduler's clock, for Initial,
// then Initial*Multiplier, and so on, capped at Max, each wait shortened by
// up to Jitter of itself at random; it gives up after Retries retries and
// settles with the last error. Cancellation (the run's context ending) is
// never retried. The run stays in flight while it retries, so retries
// never break the job's Overlap policy.
type Retry struct {
	Retries    int           // retries after the first attempt; at least 1
	Initial    time.Duration // the first wait; positive
	Max        time.Duration // the longest wait; 0 means no cap
	Multiplier float64       // growth per retry; 0 means 2
	Jitter     float64       // the random share of each wait, in [0, 1]
}

// WithRetry retries failed runs as r says.
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
	case r.Multiplier != 0 && r.Multiplier < 1:
		return fmt.Errorf("WithRetry: Multiplier %v: must be at least 1", r.Multiplier)
	case r.Jitter < 0 || r.Jitter > 1:
		return fmt.Errorf("WithRetry: Jitter %v: must be within [0, 1]", r.Jitter)
	}
	return nil
}

// wait returns the wait before retry n (1 for the first).
func (r *Retry) wait(s *Scheduler, n int) time.Duration {
	d := float64(r.Initial)
	for i := 1; i < n; i++ {
		d *= r.Multiplier
		if r.Max > 0 && d >= float64(r.Max) {
			break
		}
	}
	if r.Max > 0 && d > float64(r.Max) {
		d = float64(r.Max)
	}
	w := time.Duration(d)
	if r.Jitter > 0 {
		w -= randDuration(s, time.Duration(float64(w)*r.Jitter))
	}
	return w
}

// retry calls fn in r's context until it succeeds, is cancelled, or the
// policy gives up.
func retry[T any](r *run[T], p *Retry, fn Func[T]) (T, error) {
	for n := 1; ; n++ {
		r.attempt.Store(int32(n))
		v, err := call(r, fn)
		if err == nil || p == nil || n > p.Retries || r.Err() != nil {
			return v, err
		}
		r.job.retried(n, err)
		if serr := Sleep(r, p.wait(r.s, n)); serr != nil {
			return v, err
		}
	}
}

// randDuration returns a random duration in [0, d).
func randDuration(s *Scheduler, d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Duration(s.cfg.rand.Int64N(int64(d)))
}
