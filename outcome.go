package periodic

import "errors"

// Outcome names how the run or the tick that e reports ended, in the
// words metrics and traces use (periodicotel, periodicprom):
//
//   - "succeeded": the run returned no error;
//   - "failed": it returned an error, timed out or panicked;
//   - "cancelled": its context was cancelled (Cancel, OverlapReplace,
//     Shutdown);
//   - "claimed_elsewhere": another replica claimed the tick (ErrClaimed);
//     not a failure;
//   - "store_error": the Locker could not decide the claim (ErrStore);
//   - "skipped": the tick did not run (EventSkip), or the cluster
//     refused it: paused cluster-wide (ErrPaused) or skipped by the
//     cluster-wide overlap policy (ErrSkipped).
//
// Events that end nothing (EventStart, EventRetry, EventMisfire,
// EventPanic, which an EventFinish follows) give "".
func (e Event) Outcome() string {
	switch {
	case e.Kind == EventSkip:
		return "skipped"
	case e.Kind != EventFinish:
		return ""
	case e.Err == nil:
		return "succeeded"
	case errors.Is(e.Err, ErrClaimed):
		return "claimed_elsewhere"
	case isCancel(e.Err):
		return "cancelled"
	case errors.Is(e.Err, ErrStore):
		return "store_error"
	case errors.Is(e.Err, ErrPaused), errors.Is(e.Err, ErrSkipped):
		return "skipped"
	}
	return "failed"
}
