package periodic

import (
	"fmt"
	"time"
)

// The checks of Schedule and Update: bad input, and ends already past.

// checkSchedule reports the bad arguments of op (Schedule, Update).
func checkSchedule(op string, s *Scheduler, t Trigger, nilFn bool, cfg *jobConfig) error {
	switch {
	case s == nil:
		return fmt.Errorf("%w: %s: nil scheduler", ErrInvalid, op)
	case s.cfg.err != nil:
		return s.cfg.err
	case t == nil:
		return fmt.Errorf("%w: %s: nil trigger", ErrInvalid, op)
	case nilFn:
		return fmt.Errorf("%w: %s: nil function", ErrInvalid, op)
	case cfg.err != nil:
		return cfg.err
	}
	if v, ok := t.(interface{ validate() error }); ok {
		return v.validate()
	}
	return nil
}

// checkPast reports a job that could never tick: At's instants all at or
// before now, or WithStopAt at or before now. now is the scheduler's clock.
func checkPast(now time.Time, t Trigger, cfg *jobConfig) error {
	if a, ok := t.(at); ok && !a.times[len(a.times)-1].After(now) {
		return fmt.Errorf("%w: At(%s): every instant is at or before now (%s); the job would never run",
			ErrInvalid, a.times[len(a.times)-1].Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	if !cfg.stopAt.IsZero() && !cfg.stopAt.After(now) {
		return fmt.Errorf("%w: WithStopAt(%s) is at or before now (%s); the job would never run",
			ErrInvalid, cfg.stopAt.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	return nil
}
