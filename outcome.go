package periodic

import "errors"

// The outcomes Event.Outcome names, in the words metrics and traces use
// (periodicotel's periodic.run.outcome, periodicprom's outcome label).
const (
	OutcomeSucceeded        = "succeeded"         // the run returned no error
	OutcomeFailed           = "failed"            // it returned an error, timed out or panicked
	OutcomeCancelled        = "cancelled"         // its context was cancelled (Cancel, OverlapReplace, Shutdown)
	OutcomeSkipped          = "skipped"           // the tick did not run (EventSkip)
	OutcomeClaimedElsewhere = "claimed_elsewhere" // another replica claimed the tick (ErrClaimed): not a run, not a failure
	OutcomeStoreError       = "store_error"       // the Locker or Store could not decide the claim (ErrStore)
)

// Outcome names how the run or the tick that e reports ended, as one of
// the Outcome constants:
//
//   - OutcomeSucceeded: the run returned no error;
//   - OutcomeFailed: it returned an error, timed out or panicked;
//   - OutcomeCancelled: its context was cancelled (Cancel,
//     OverlapReplace, Shutdown);
//   - OutcomeClaimedElsewhere: another replica claimed the tick
//     (ErrClaimed); not a failure, and the job's function did not run;
//   - OutcomeStoreError: the Locker could not decide the claim (ErrStore);
//   - OutcomeSkipped: the tick did not run (EventSkip), or the cluster
//     refused it: paused cluster-wide (ErrPaused) or skipped by the
//     cluster-wide overlap policy (ErrSkipped).
//
// Events that end nothing (EventStart, EventRetry, EventMisfire,
// EventPanic, which an EventFinish follows) give "".
func (e Event) Outcome() string {
	switch {
	case e.Kind == EventSkip:
		return OutcomeSkipped
	case e.Kind != EventFinish:
		return ""
	case e.Err == nil:
		return OutcomeSucceeded
	case errors.Is(e.Err, ErrClaimed):
		return OutcomeClaimedElsewhere
	case isCancel(e.Err):
		return OutcomeCancelled
	case errors.Is(e.Err, ErrStore):
		return OutcomeStoreError
	case errors.Is(e.Err, ErrPaused), errors.Is(e.Err, ErrSkipped):
		return OutcomeSkipped
	}
	return OutcomeFailed
}
