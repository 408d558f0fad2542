package periodictest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// A job every 10 s whose runs take 15 s, so that they overlap, driven on a
// mock clock: every tick and every Sleep happens at its exact instant, and
// the output is the same on every run.
func ExampleAdvance() {
	ctx := context.Background()
	m := clock.NewMock()
	start := m.Now()
	s := periodic.New(periodic.WithClock(m))
	_, err := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		tick := periodic.TickFrom(ctx).Sub(start)
		fmt.Printf("%v: run of tick %v starts\n", m.Now().Sub(start), tick)
		if err := periodic.Sleep(ctx, 15*time.Second); err != nil {
			return 0, err
		}
		fmt.Printf("%v: run of tick %v ends\n", m.Now().Sub(start), tick)
		return 0, nil
	})
	if err != nil {
		panic(err)
	}
	s.Start()
	if err := periodictest.Advance(ctx, s, m, 35*time.Second); err != nil {
		panic(err)
	}
	// The runs of 30 s and 20 s still sleep, and the mock clock will not
	// wake them: shut down with a context that has ended, which cancels
	// them, instead of waiting for them.
	ended, cancel := context.WithCancel(ctx)
	cancel()
	_ = s.Shutdown(ended)
	// Output:
	// 10s: run of tick 10s starts
	// 20s: run of tick 20s starts
	// 25s: run of tick 10s ends
	// 30s: run of tick 30s starts
	// 35s: run of tick 20s ends
}

// NewClock's Clock moves without real sleeps, so a day of a
// once-a-second job, 86,400 runs, takes a second or two.
func ExampleNewClock() {
	ctx := context.Background()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	c := periodictest.NewClock(day)
	s := periodic.New(periodic.WithClock(c))
	runs := 0
	job, err := periodic.Schedule(s, periodic.Every(time.Second), func(ctx context.Context) (int, error) {
		runs++ // runs do not overlap: each returns at once
		return runs, nil
	})
	if err != nil {
		panic(err)
	}
	s.Start()
	if err := periodictest.Advance(ctx, s, c, 24*time.Hour); err != nil {
		panic(err)
	}
	fmt.Println(runs, "runs; now", c.Now().Format(time.DateTime))
	fmt.Println(job.Stats().Runs, "in the job's stats")
	_ = s.Shutdown(ctx)
	// Output:
	// 86400 runs; now 2026-03-02 00:00:00
	// 86400 in the job's stats
}
