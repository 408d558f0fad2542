package periodic

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/periodic-go/periodic/internal/drive"
)

// awaitRuns is Shutdown's wait for the goroutines of the scheduler. If ctx
// ends first, it cancels the runs and returns ctx.Err() at once.
// On a scheduler that periodictest drives, with a ctx that can never end
// (context.Background()), it also releases the deadlines
// due at the clock's current time, as WaitIdle does, and when the runs
// left wait only for later deadlines of the clock, which nothing will
// move, it cancels them, waits for them, and returns an error wrapping
// ErrStalled that names them, whatever ctx. If instead some goroutine of
// the scheduler is not idle while timers of a periodictest.Clock are
// pending, it logs once, at Warn, what is not idle: a run blocked on one
// of that clock's channels waits for a move that will not come.
func (s *Scheduler) awaitRuns(ctx context.Context) error {
	warned := false
	var made <-chan struct{} // a timer was made on the clock: look again
	for {
		// Taken before the look, so that a change after the look closes
		// it: taken after, a run that blocked in between (Sleep) would
		// have changed the books before there was a channel to close, and
		// nothing would wake this wait.
		changed, driven := s.changes()
		if ctx.Err() == nil && driven && s.releaseWhileIdle() {
			if err := s.stalled(); err != nil {
				s.cancelRuns()
				<-s.done // the runs wait in Sleep or Await: cancelled, they return
				return err
			}
		}
		made = nil
		if !warned && driven {
			warned, made = s.warnNotIdle()
		}
		select {
		case <-s.done:
			return nil
		case <-made:
		case <-ctx.Done():
			s.cancelRuns() // as http.Server.Shutdown: return at once; Done tells the end
			return ctx.Err()
		case <-changed:
		}
	}
}

// releaseWhileIdle releases the deadlines due at the clock's time, one at
// a time, as WaitIdle does, while the scheduler is idle, and reports
// whether it is idle with nothing due. Unlike WaitIdle it never waits: a
// goroutine that is not idle makes it return false.
func (s *Scheduler) releaseWhileIdle() bool {
	for {
		s.mu.Lock()
		idle, nothingDue := s.idleLocked(), s.nothingDueLocked()
		if !idle || nothingDue {
			s.mu.Unlock()
			return idle
		}
		if !s.releaseDueLocked() { // it unlocks mu when it releases
			s.mu.Unlock()
			return false
		}
	}
}

// warnNotIdle logs what keeps a driven scheduler from being idle, if
// timers of its clock that periodictest moves are pending, and reports
// whether it did. If it did not, it returns a channel closed when a timer
// is next made on that clock, or nil.
func (s *Scheduler) warnNotIdle() (bool, <-chan struct{}) {
	if drive.ClockPending == nil {
		return false, nil
	}
	timers, made := drive.ClockPending(s.cfg.clock)
	if timers == "" {
		return false, made
	}
	busy := s.notIdle()
	if busy == "" {
		return false, made
	}
	s.cfg.log.Warn("periodic: Shutdown waits for goroutines that are not idle while timers of the clock are pending; "+
		"only the test moves a periodictest.Clock, so a goroutine blocked on one of its channels never returns",
		"busy", busy, "timers", timers)
	return true, nil
}

// settle waits until the scheduler is idle, without releasing the
// deadlines due, or until ctx ends (then it returns ctx.Err()).
// periodictest calls it after a timer of its Clock fired, so that all the
// timers of an instant are delivered before the scheduler's deadlines of
// that instant.
func (s *Scheduler) settle(ctx context.Context) error {
	for {
		s.mu.Lock()
		if s.idleLocked() {
			s.mu.Unlock()
			return nil
		}
		if err := s.awaitChangeLocked(ctx); err != nil {
			return err
		}
	}
}

// notIdle names what keeps the scheduler from being idle: each run in
// flight whose own goroutine is neither blocked in Sleep, Await or a
// combinator nor finished, each waiter about to wake, and the count of
// other goroutines (Go tasks, OnDone callbacks, events being fired) that
// are busy. It returns "" when the scheduler is idle.
func (s *Scheduler) notIdle() string {
	s.mu.Lock()
	if s.idleLocked() {
		s.mu.Unlock()
		return ""
	}
	now := s.cfg.clock.Now()
	blocked := make(map[*origin]bool, len(s.waiters))
	var waking []*waiter
	for w := range s.waiters {
		blocked[w.by] = true
		if w.ready() {
			waking = append(waking, w)
		}
	}
	var busyRuns []*runBase
	for r := s.running.head; r != nil; r = r.next {
		if !blocked[&r.origin] {
			busyRuns = append(busyRuns, r)
		}
	}
	others := int(s.busy.Load()) - len(busyRuns)
	s.mu.Unlock() // the names below take it
	var parts []string
	for _, r := range busyRuns {
		parts = append(parts, r.describe()+": the run is busy (not in Sleep, Await or a combinator)")
	}
	for _, w := range waking {
		parts = append(parts, w.describe(now)+", about to wake")
	}
	if others > 0 {
		parts = append(parts, fmt.Sprintf("%d other busy goroutines (Go tasks, OnDone callbacks or deadlines being released)", others))
	}
	if len(parts) == 0 {
		parts = append(parts, "a goroutine of the scheduler is busy")
	}
	return strings.Join(parts, "; ")
}

// changes reports whether periodictest drives the scheduler and returns
// a channel closed at the next change of the idle state, or, if nobody
// drives it yet, one closed when periodictest starts driving it: until
// then only done matters.
func (s *Scheduler) changes() (ch <-chan struct{}, driven bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.driven && !s.drivenNow {
		if s.driveStart == nil {
			s.driveStart = make(chan struct{})
		}
		return s.driveStart, false
	}
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed, true
}

// stalled returns an error wrapping ErrStalled if the scheduler is idle,
// some of its goroutines are left, and a deadline of its clock is pending:
// the goroutines wait, directly or through the futures they await, for a
// time that nobody will reach. It returns nil otherwise, for instance when
// a run awaits a promise that another goroutine may still resolve.
func (s *Scheduler) stalled() error {
	s.mu.Lock()
	if s.live.Load() == 0 || !s.idleLocked() || s.heap.peek() == nil {
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
	return fmt.Errorf("%w (Shutdown at %s); move it with periodictest.Advance before Shutdown: on a driven scheduler Shutdown assumes its caller moves the clock, so it does not wait, whatever its context; %d blocked: %s",
		ErrStalled, now.Format(time.RFC3339Nano), len(lines), strings.Join(lines, "; "))
}

// describe names the waiter's run and what it waits for; now is the
// clock's time.
func (w *waiter) describe(now time.Time) string {
	what := "Await or a combinator"
	if !w.until.IsZero() {
		what = fmt.Sprintf("Sleep until %s (%v ahead)", w.until.Format(time.RFC3339Nano), w.until.Sub(now))
	}
	who := "the run"
	if w.by != &w.r.origin {
		who = "a Go task"
	}
	return fmt.Sprintf("%s: %s in %s", w.r.describe(), who, what)
}

// describe names the run: its job, and its tick or, for a run that RunNow
// started, the time RunNow was called.
func (r *runBase) describe() string {
	if r.ticked {
		return fmt.Sprintf("job %q tick %s", r.self.Name(), r.tick.Format(time.RFC3339Nano))
	}
	return fmt.Sprintf("job %q RunNow at %s", r.self.Name(), r.tick.Format(time.RFC3339Nano))
}

// The hooks periodictest uses to wait for and name the scheduler's state.
func init() {
	drive.Settle = func(ctx context.Context, x any) error { return x.(*Scheduler).settle(ctx) }
	drive.NotIdle = func(x any) string { return x.(*Scheduler).notIdle() }
}
