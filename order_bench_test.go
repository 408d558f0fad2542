package periodic_test

import (
	"context"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
)

// BenchmarkGoInRun starts and awaits a Go task inside a run, the path
// that gives each task its place in the order of deadlines.
func BenchmarkGoInRun(b *testing.B) {
	ctx := context.Background()
	s := periodic.New(periodic.WithClock(clock.NewMock()))
	job, err := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := periodic.Go(ctx, nopTask).Await(ctx); err != nil {
				return 0, err
			}
		}
		b.StopTimer()
		return 0, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	s.Start()
	if _, err := job.RunNow().Await(ctx); err != nil {
		b.Fatal(err)
	}
	if err := s.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
}

// nopTask returns at once.
func nopTask(context.Context) (int, error) { return 0, nil }
