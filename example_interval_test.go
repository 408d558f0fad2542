package periodic_test

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// EveryRandom fires at random intervals between a minimum and a maximum,
// drawn from the scheduler's random source: seeded, the ticks repeat, and
// Describe shows them before they run.
func ExampleEveryRandom() {
	s, m, printf := exampleScheduler(periodic.WithRand(rand.New(rand.NewPCG(7, 7))))
	job, _ := periodic.Schedule(s, periodic.EveryRandom(10*time.Second, 20*time.Second), func(ctx context.Context) (int, error) {
		printf("tick %s", periodic.TickFrom(ctx).Format("15:04:05.000"))
		return 0, nil
	})
	s.Start()
	for _, next := range job.Describe(2).NextRuns {
		printf("next %s", next.Format("15:04:05.000"))
	}
	_ = periodictest.Advance(context.Background(), s, m, time.Minute)
	_ = s.Shutdown(context.Background())
	// Output:
	// 00:00:00 next 00:00:17.552
	// 00:00:00 next 00:00:27.766
	// 00:00:17 tick 00:00:17.552
	// 00:00:27 tick 00:00:27.766
	// 00:00:38 tick 00:00:38.152
	// 00:00:56 tick 00:00:56.405
}

// WithIntervalFromCompletion counts each interval from the end of the
// previous run: a 3 s run on Every(10s) starts 13 s after the last one
// started, and the next tick is known once the run ends.
func ExampleWithIntervalFromCompletion() {
	s, m, printf := exampleScheduler()
	job, _ := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		printf("run of tick %s", periodic.TickFrom(ctx).Format("15:04:05"))
		return 0, periodic.Sleep(ctx, 3*time.Second)
	}, periodic.WithIntervalFromCompletion())
	s.Start()
	for range 3 {
		_ = periodictest.Advance(context.Background(), s, m, 13*time.Second)
		printf("next %s", job.NextRun().Format("15:04:05"))
	}
	_ = s.Shutdown(context.Background())
	// Output:
	// 00:00:10 run of tick 00:00:10
	// 00:00:13 next 00:00:23
	// 00:00:23 run of tick 00:00:23
	// 00:00:26 next 00:00:36
	// 00:00:36 run of tick 00:00:36
	// 00:00:39 next 00:00:49
}

// Update redefines a job in place: here a job every 10 s becomes one
// every 4 s at 00:00:25, and keeps its name and its counters.
func ExampleJob_Update() {
	s, m, printf := exampleScheduler()
	job, _ := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		printf("tick %s", periodic.TickFrom(ctx).Format("15:04:05"))
		return 0, nil
	}, periodic.WithName("report"))
	s.Start()
	_ = periodictest.Advance(context.Background(), s, m, 25*time.Second)
	if err := job.Update(periodic.Every(4 * time.Second)); err != nil {
		printf("update: %v", err)
	}
	_ = periodictest.Advance(context.Background(), s, m, 10*time.Second)
	printf("%s: %d runs, next %s", job.Name(), job.Stats().Runs, job.NextRun().Format("15:04:05"))
	_ = s.Shutdown(context.Background())
	// Output:
	// 00:00:10 tick 00:00:10
	// 00:00:20 tick 00:00:20
	// 00:00:29 tick 00:00:29
	// 00:00:33 tick 00:00:33
	// 00:00:35 report: 4 runs, next 00:00:37
}
