package periodictest_test

import (
	"context"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// BenchmarkAdvance measures Advance over a span of a once-a-second job,
// per run: on Clock for a day (86,400 runs, each to idle), on Clock with a
// timer made through it (the inner mock then follows, at its pace), and on
// *clock.Mock, whose 1 ms pause per step is the cost to beat.
func BenchmarkAdvance(b *testing.B) {
	cases := []struct {
		name  string
		span  time.Duration
		clock func() periodictest.Settable
		timer bool
	}{
		{"Clock/day", 24 * time.Hour, func() periodictest.Settable { return periodictest.NewClock(start) }, false},
		{"Clock+timer/minute", time.Minute, func() periodictest.Settable { return periodictest.NewClock(start) }, true},
		{"Mock/minute", time.Minute, func() periodictest.Settable {
			m := clock.NewMock()
			m.Set(start)
			return m
		}, false},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			runs := 0
			for range b.N {
				ctx := context.Background()
				c := bc.clock()
				s := periodic.New(periodic.WithClock(c))
				_, err := periodic.Schedule(s, periodic.Every(time.Second), func(context.Context) (int, error) {
					runs++
					return 0, nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if bc.timer {
					c.AfterFunc(time.Hour, func() {})
				}
				s.Start()
				if err := periodictest.Advance(ctx, s, c, bc.span); err != nil {
					b.Fatal(err)
				}
				if err := s.Shutdown(ctx); err != nil {
					b.Fatal(err)
				}
			}
			if want := b.N * int(bc.span/time.Second); runs != want {
				b.Fatalf("runs = %d, want %d", runs, want)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(runs), "ns/run")
		})
	}
}
