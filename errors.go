package periodic

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrInvalidState is returned by Result and Err on a pending future,
	// by Resolve and Reject on a promise that is already settled, and by
	// Spawn on a Group whose Wait has returned.
	ErrInvalidState = errors.New("periodic: invalid state")

	// ErrCancelled is the error of a cancelled future. It wraps
	// context.Canceled, so errors.Is(err, context.Canceled) holds for it.
	ErrCancelled = fmt.Errorf("periodic: cancelled: %w", context.Canceled)

	// ErrClosed is returned for work refused because the scheduler is
	// shutting down or has shut down.
	ErrClosed = errors.New("periodic: scheduler closed")

	// ErrRemoved is returned for work refused because its job was
	// removed (Job.Remove, Scheduler.RemoveByTag) while the scheduler
	// goes on: RunNow and Backfill on a removed job, and the runs of the
	// job that were waiting to start. It wraps ErrClosed, since the
	// refusal has the same cause for the job (it takes no more work), so
	// errors.Is(err, ErrClosed) holds for it and code written for ErrClosed
	// keeps working; test ErrRemoved first to tell the two apart.
	ErrRemoved error = &wrapped{msg: "periodic: job removed", err: ErrClosed}

	// ErrSkipped is the error of the future of a tick that did not run
	// because of the job's overlap or misfire policy.
	ErrSkipped = errors.New("periodic: tick skipped")

	// ErrGoexit is wrapped by the error of a run or Go task whose function
	// (or a hook on its goroutine) called runtime.Goexit, as t.FailNow
	// does in a test, instead of returning: its books close and its future
	// settles with it, rather than never.
	ErrGoexit = errors.New("periodic: runtime.Goexit called: the function did not return")

	// ErrClaimed is the error of the future of a tick that another
	// replica claimed through the scheduler's Locker.
	ErrClaimed = errors.New("periodic: tick claimed by another replica")

	// ErrStalled is wrapped by the error of Shutdown on a scheduler that
	// periodictest drives, when its runs wait for deadlines of its clock
	// and nothing else can wake them: only the test moves that clock, and
	// the test is waiting in Shutdown. Shutdown then cancels the runs,
	// whatever its context, waits for them, and names each blocked run
	// (its job, and its tick or the time RunNow started it) and what it
	// waited for.
	ErrStalled = errors.New("periodic: stalled: runs wait for a clock that nobody moves")

	// ErrInvalid is wrapped by every error about bad input: a bad option,
	// trigger, cron expression or argument. The message names the value.
	ErrInvalid = errors.New("periodic: invalid argument")
)

// wrapf returns an error that wraps err and reads "periodic: " followed by
// the formatted context and err's text, with err's own "periodic: "
// prefix dropped, so that the package's name is read once: "periodic:
// Schedule: scheduler closed", never "periodic: Schedule: periodic:
// scheduler closed". errors.Is and errors.As see err through it.
func wrapf(err error, format string, args ...any) error {
	msg := "periodic: " + fmt.Sprintf(format, args...) + ": " + strings.TrimPrefix(err.Error(), "periodic: ")
	return &wrapped{msg: msg, err: err}
}

// wrapped is the error of wrapf.
type wrapped struct {
	msg string
	err error
}

// Error returns the message.
func (w *wrapped) Error() string { return w.msg }

// Unwrap returns the wrapped error.
func (w *wrapped) Unwrap() error { return w.err }
