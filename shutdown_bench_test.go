package periodic_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
)

// BenchmarkShutdownIdle times Shutdown of a started scheduler with n idle
// jobs (every hour, none due); building the jobs, and collecting after
// them, is not timed.
func BenchmarkShutdownIdle(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := periodic.New()
				for k := 0; k < n; k++ {
					if _, err := periodic.Schedule(s, periodic.Every(time.Hour), nop); err != nil {
						b.Fatal(err)
					}
				}
				s.Start()
				runtime.GC() // the collection the jobs call for, out of the timing
				b.StartTimer()
				if err := s.Shutdown(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
