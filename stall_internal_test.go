package periodic

import (
	"context"
	"testing"

	"github.com/periodic-go/periodic/internal/drive"
	"github.com/stretchr/testify/require"
)

// TestChangesBeforeDrivingWakeWhenDrivingStarts: Shutdown waits on the
// channel changes returns, taken before each look. On a scheduler nobody
// drives yet, the channel must close when periodictest starts driving it
// (drive.Drive, as WaitIdle and Advance do), so that a Shutdown that
// looked before then looks again and can fail with ErrStalled instead of
// waiting for its ctx. It was nil: nothing woke that Shutdown.
func TestChangesBeforeDrivingWakeWhenDrivingStarts(t *testing.T) {
	_, _, s, _ := everySecondJob(t)
	ch, driven := s.changes()
	require.False(t, driven)
	select {
	case <-ch:
		t.Fatal("closed before anything changed")
	default:
	}
	drive.Drive(s)
	select {
	case <-ch:
	default:
		t.Fatal("the start of the driving did not close the channel taken before it")
	}
	_, driven = s.changes()
	require.True(t, driven)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
	<-s.Done()
}
