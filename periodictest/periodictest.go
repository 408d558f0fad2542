// Package periodictest drives a periodic.Scheduler on a fake clock, so
// that tests see every tick and every periodic.Sleep at its exact instant,
// in a fixed order, with no real sleeps and no polling.
//
// A test builds the scheduler on a *clock.Mock (or on this package's
// faster Clock), starts it, and moves time with Advance:
//
//	m := clock.NewMock()
//	s := periodic.New(periodic.WithClock(m))
//	job, _ := periodic.Schedule(s, periodic.Every(10*time.Second), fn)
//	s.Start()
//	_ = periodictest.Advance(ctx, s, m, time.Minute) // six ticks, each run to idle
//
// Once Advance (or WaitIdle of this package) has been called, the
// scheduler leaves its deadlines to this package: moving the mock by hand
// no longer releases them until the next Advance. Nothing else moves the
// clock then, so a Shutdown whose runs still wait for it does not wait
// forever: it cancels them and returns an error wrapping
// periodic.ErrStalled that names each run and what it waits for. Advance
// far enough before Shutdown to let the runs finish.
//
// For long spans use NewClock: it moves without the mock's real-time
// pauses, and gives the same timeline as the mock for timers that user
// code makes through it (s.Clock().AfterFunc and the like), with Advance
// stopping at each of them. It is also the faithful choice when a run
// waits for such a timer and then sleeps: a *clock.Mock fires the timer
// on its way to the next deadline and stands there before the run goes
// on, so the run's next Sleep counts from that later time.
//
// What Advance orders is the release of deadlines: one at a time, each
// followed by a wait until idle, in the order of one instant. It does not
// order code that runs concurrently with the code a release woke: a task
// that periodic.Go starts runs at once, concurrently with its creator,
// until its first wait; goroutines woken by one event (two awaiters of one
// future) run concurrently until they wait. Log a test's output after a
// wait, or from one goroutine. Timers made through the clock are ordered
// by creation (see Clock for the contexts that are ordered by place).
//
// Replicas of a service are schedulers on clocks of their own sharing one
// Store, the in-memory periodic.Store that every backend is measured
// against (package storetest holds the conformance suite).
package periodictest

import (
	"context"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/internal/drive"
)

// Settable is a clock that a test moves: *clock.Mock and *Clock.
type Settable interface {
	clock.Clock
	Set(t time.Time)
}

// Advance first waits until s is idle, then moves m forward by d, deadline
// by deadline (a deadline at now+d included), waiting until idle after
// each step. Deadlines due at the same instant are released one at a time,
// in an order fixed by the program (see "The order of one instant" in
// package periodic). Idle is defined by periodic.Scheduler.WaitIdle.
// Advance is meant for one goroutine, the test's.
//
// If ctx ends first, Advance returns an error that wraps ctx.Err() and
// names what kept s from being idle, where the scheduler knows it: runs
// busy outside Sleep, Await and the combinators (a bare channel, a
// time.Sleep, a lock), waits about to wake, and how many other goroutines
// of the scheduler were busy. Give it a context with a deadline, so that
// such a run fails the test in seconds.
//
// m is usually a *clock.Mock, whose Set sleeps a millisecond of real time
// per step and fires the timers that user code made through it on the
// way. On a Clock from this package, Advance also stops at each of those
// timers and waits until idle after each, with all the timers of an
// instant delivered before the scheduler's deadlines of that instant; it
// moves without real sleeps unless an AfterFunc or Timer made through it
// is due, or a Ticker was made through it (see Clock).
func Advance(ctx context.Context, s *periodic.Scheduler, m Settable, d time.Duration) error {
	drive.Drive(s)
	if err := s.WaitIdle(ctx); err != nil {
		return notIdle(s, err)
	}
	c, _ := m.(*Clock)
	target := m.Now().Add(d)
	for {
		if err := ctx.Err(); err != nil {
			return notIdle(s, err)
		}
		next, ok := drive.Next(s)
		if c != nil && c.fireNext(earliest(target, next, ok)) {
			// the next timer of this instant, if any, before the
			// scheduler's deadlines of the instant
			if err := drive.Settle(ctx, s); err != nil {
				return notIdle(s, err)
			}
			continue
		}
		if !ok || next.After(target) {
			break
		}
		if next.After(m.Now()) {
			m.Set(next)
		}
		if err := s.WaitIdle(ctx); err != nil {
			return notIdle(s, err)
		}
	}
	if target.After(m.Now()) {
		m.Set(target)
	}
	return notIdle(s, s.WaitIdle(ctx))
}

// notIdle wraps err, if not nil, with what keeps s from being idle.
func notIdle(s *periodic.Scheduler, err error) error {
	if err == nil {
		return nil
	}
	if what := drive.NotIdle(s); what != "" {
		return fmt.Errorf("periodictest: %w; the scheduler is not idle at %s: %s",
			err, s.Now().Format(time.RFC3339Nano), what)
	}
	return err
}

// earliest returns next if ok and before target, else target.
func earliest(target, next time.Time, ok bool) time.Time {
	if ok && next.Before(target) {
		return next
	}
	return target
}

// WaitIdle makes the test drive s and waits until it is idle, releasing
// the deadlines due at the clock's current time: Advance by zero.
func WaitIdle(ctx context.Context, s *periodic.Scheduler) error {
	drive.Drive(s)
	return notIdle(s, s.WaitIdle(ctx))
}
