package periodic

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// awaitRuns is Shutdown's wait for the goroutines of the scheduler. If ctx
// ends first, it cancels the runs and returns ctx.Err() at once.
// On a scheduler that periodictest drives, with a ctx that can never end
// (context.Background()), it also releases the deadlines
// due at the clock's current time, as WaitIdle does, and when the runs
// left wait only for later deadlines of the clock, which nothing will
// move, it cancels them, waits for them, and returns an error wrapping
// ErrStalled that names them.
func (s *Scheduler) awaitRuns(ctx context.Context) error {
	for {
		if ctx.Done() == nil && s.isDriven() { // a ctx that ends bounds the wait itself
			if err := s.WaitIdle(ctx); err == nil {
				if err := s.stalled(); err != nil {
					s.cancelRuns()
					<-s.done // the runs wait in Sleep or Await: cancelled, they return
					return err
				}
			}
		}
		changed := s.changes()
		select {
		case <-s.done:
			return nil
		case <-ctx.Done():
			s.cancelRuns() // as http.Server.Shutdown: return at once; Done tells the end
			return ctx.Err()
		case <-changed:
		}
	}
}

// isDriven reports whether periodictest drives the scheduler's deadlines.
func (s *Scheduler) isDriven() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.driven || s.drivenNow
}

// changes returns a channel closed at the next change of the idle state,
// or nil when only done matters: a scheduler nobody drives.
func (s *Scheduler) changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.driven && !s.drivenNow {
		return nil
	}
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// stalled returns an error wrapping ErrStalled if the scheduler is idle,
// some of its goroutines are left, and a deadline of its clock is pending:
// the goroutines wait, directly or through the futures they await, for a
// time that nobody will reach. It returns nil otherwise, for instance when
// a run awaits a promise that another goroutine may still resolve.
func (s *Scheduler) stalled() error {
	s.mu.Lock()
	if s.live == 0 || !s.idleLocked() || s.heap.peek() == nil {
		s.mu.Unlock()
		return nil
	}
	now := s.cfg.clock.Now()
	waits := make([]*waiter, 0, len(s.waiters))
	for w := range s.waiters {
		waits = append(waits, w)
	}
	s.mu.Unlock() // the names below take it
	slices.SortFunc(waits, func(a, b *waiter) int {
		return cmp.Or(comparePlaces(place{by: a.by}, place{by: b.by}), a.until.Compare(b.until))
	})
	lines := make([]string, 0, len(waits))
	for _, w := range waits {
		lines = append(lines, w.describe(now))
	}
	return fmt.Errorf("%w (Shutdown at %s); move it with periodictest.Advance before Shutdown, or give Shutdown a context that ends; %d blocked: %s",
		ErrStalled, now.Format(time.RFC3339Nano), len(lines), strings.Join(lines, "; "))
}

// describe names the waiter's run and what it waits for; now is the
// clock's time.
func (w *waiter) describe(now time.Time) string {
	r := w.r
	what := "Await or a combinator"
	if !w.until.IsZero() {
		what = fmt.Sprintf("Sleep until %s (%v ahead)", w.until.Format(time.RFC3339Nano), w.until.Sub(now))
	}
	who := "the run"
	if w.by != &r.origin {
		who = "a Go task"
	}
	return fmt.Sprintf("job %q tick %s: %s in %s", r.named.Name(), r.tick.Format(time.RFC3339Nano), who, what)
}
