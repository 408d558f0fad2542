package periodic

import (
	"errors"
	"log/slog"
)

// storeLevel is the log level of the end of a run that the store or the
// cluster decided: Error for a store error, Debug for a lost claim, a
// tick buffered or skipped in the cluster and a paused job, none of them
// failures.
func storeLevel(e *Event) (slog.Level, bool) {
	if e.Kind != EventFinish || e.Err == nil {
		return 0, false
	}
	switch {
	case errors.Is(e.Err, ErrStore):
		return slog.LevelError, true
	case errors.Is(e.Err, ErrClaimed), errors.Is(e.Err, ErrPaused), errors.Is(e.Err, ErrSkipped):
		return slog.LevelDebug, true
	}
	return 0, false
}

// storeMessage is the log message of such a run's end, or "".
func storeMessage(e *Event) string {
	if e.Kind != EventFinish || e.Err == nil {
		return ""
	}
	switch {
	case errors.Is(e.Err, ErrStore):
		return "periodic: store error"
	case errors.Is(e.Err, ErrClaimed):
		return "periodic: claim lost"
	case errors.Is(e.Err, ErrPaused):
		return "periodic: tick refused, job paused"
	case errors.Is(e.Err, ErrSkipped):
		return "periodic: tick skipped"
	}
	return ""
}
