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
// per run: on Clock for a day (86,400 runs, each to idle); on Clock for a
// day with a job that makes a context through the clock at each run
// (s.Clock().WithTimeout), and with an AfterFunc pending beyond the day,
// neither of which moves the inner mock; on Clock with a Ticker (the mock
// then follows, at its pace); and on *clock.Mock, whose 1 ms pause per
// step is the cost to beat.
func BenchmarkAdvance(b *testing.B) {
	cases := []struct {
		name  string
		span  time.Duration
		clock func() periodictest.Settable
		timer string // what user code makes through the clock
	}{
		{"Clock/day", 24 * time.Hour, newClock, ""},
		{"Clock+WithTimeout/day", 24 * time.Hour, newClock, "WithTimeout"},
		{"Clock+AfterFunc/day", 24 * time.Hour, newClock, "AfterFunc"},
		{"Clock+Ticker/minute", time.Minute, newClock, "Ticker"},
		{"Mock/minute", time.Minute, func() periodictest.Settable {
			m := clock.NewMock()
			m.Set(start)
			return m
		}, ""},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			runs := 0
			for range b.N {
				ctx := context.Background()
				c := bc.clock()
				s := periodic.New(periodic.WithClock(c))
				_, err := periodic.Schedule(s, periodic.Every(time.Second), func(ctx context.Context) (int, error) {
					runs++
					if bc.timer == "WithTimeout" {
						ctx, cancel := c.WithTimeout(ctx, 500*time.Millisecond)
						defer cancel()
						return 0, ctx.Err()
					}
					return 0, nil
				})
				if err != nil {
					b.Fatal(err)
				}
				switch bc.timer {
				case "AfterFunc":
					c.AfterFunc(48*time.Hour, func() {})
				case "Ticker":
					defer c.Ticker(time.Hour).Stop()
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

// newClock returns a Clock at start.
func newClock() periodictest.Settable { return periodictest.NewClock(start) }
