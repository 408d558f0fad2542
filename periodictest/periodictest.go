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
// no longer releases them until the next Advance.
//
// Replicas of a service are schedulers on clocks of their own sharing one
// Store, the in-memory periodic.Store that every backend is measured
// against (package storetest holds the conformance suite).
package periodictest

import (
	"context"
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
// in the order they were registered: a job's tick when the previous tick
// fired, a sleeper when it called periodic.Sleep. Idle is defined by
// periodic.Scheduler.WaitIdle. Advance returns ctx.Err() if ctx ends
// first; it is meant for one goroutine, the test's.
//
// m is usually a *clock.Mock, whose Set sleeps a millisecond of real time
// per step; a Clock from this package does not.
func Advance(ctx context.Context, s *periodic.Scheduler, m Settable, d time.Duration) error {
	drive.Drive(s)
	if err := s.WaitIdle(ctx); err != nil {
		return err
	}
	target := m.Now().Add(d)
	for {
		next, ok := drive.Next(s)
		if !ok || next.After(target) {
			break
		}
		if next.After(m.Now()) {
			m.Set(next)
		}
		if err := s.WaitIdle(ctx); err != nil {
			return err
		}
	}
	if target.After(m.Now()) {
		m.Set(target)
	}
	return s.WaitIdle(ctx)
}

// WaitIdle makes the test drive s and waits until it is idle, releasing
// the deadlines due at the clock's current time: Advance by zero.
func WaitIdle(ctx context.Context, s *periodic.Scheduler) error {
	drive.Drive(s)
	return s.WaitIdle(ctx)
}
