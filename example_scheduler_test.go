package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// clockAt returns a mock clock at midnight UTC and a function printing a
// line stamped with the mock's time of day.
func clockAt() (*clock.Mock, func(format string, args ...any)) {
	m := clock.NewMock()
	m.Set(time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC))
	return m, func(format string, args ...any) {
		fmt.Printf("%s %s\n", m.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

// The seed scenario: every 10 s a job is spawned that takes a random
// 5-15 s, and the jobs run concurrently. A mock clock and a seeded random
// source make the output exact.
func Example() {
	ctx := context.Background()
	m, printf := clockAt()
	rng := rand.New(rand.NewPCG(1, 2))
	s := periodic.New(periodic.WithClock(m))
	_, err := periodic.Schedule(s, periodic.Every(10*time.Second),
		func(ctx context.Context) (int, error) {
			delay := 5 + rng.IntN(11)
			printf("sleep for %d seconds", delay)
			if err := periodic.Sleep(ctx, time.Duration(delay)*time.Second); err != nil {
				return 0, err
			}
			printf("finished (%d sec)", delay)
			return delay, nil
		},
		periodic.WithName("run_job"), periodic.StartImmediately(), periodic.WithLimit(4))
	if err != nil {
		panic(err)
	}
	s.Start()
	_ = periodictest.Advance(ctx, s, m, time.Minute)
	_ = s.Shutdown(ctx)
	// Output:
	// 00:00:00 sleep for 13 seconds
	// 00:00:10 sleep for 11 seconds
	// 00:00:13 finished (13 sec)
	// 00:00:20 sleep for 13 seconds
	// 00:00:21 finished (11 sec)
	// 00:00:30 sleep for 13 seconds
	// 00:00:33 finished (13 sec)
	// 00:00:43 finished (13 sec)
}

// RunNow starts a run outside the trigger; Await waits for its result.
func ExampleJob_RunNow() {
	ctx := context.Background()
	m, printf := clockAt()
	s := periodic.New(periodic.WithClock(m))
	job, _ := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (string, error) {
		printf("working")
		if err := periodic.Sleep(ctx, 5*time.Second); err != nil {
			return "", err
		}
		return "report ready", nil
	})
	s.Start()
	f := job.RunNow()
	_ = periodictest.Advance(ctx, s, m, 5*time.Second)
	v, err := f.Await(ctx)
	printf("%s, %v", v, err)
	_ = s.Shutdown(ctx)
	// Output:
	// 00:00:00 working
	// 00:00:05 report ready, <nil>
}

// OnRun sees every run of a job as it starts, with its future, and every
// skipped tick.
func ExampleJob_OnRun() {
	ctx := context.Background()
	m, printf := clockAt()
	s := periodic.New(periodic.WithClock(m))
	job, _ := periodic.Schedule(s, periodic.Every(time.Minute), func(ctx context.Context) (time.Time, error) {
		return periodic.TickFrom(ctx), nil
	}, periodic.WithLimit(3))
	job.OnRun(func(tick time.Time, f *periodic.Future[time.Time]) {
		f.OnDone(func(f *periodic.Future[time.Time]) {
			v, _ := f.Result()
			printf("run for tick %s done", v.UTC().Format("15:04"))
		})
	})
	s.Start()
	_ = periodictest.Advance(ctx, s, m, time.Hour)
	_ = s.Shutdown(ctx)
	// Output:
	// 00:01:00 run for tick 00:01 done
	// 00:02:00 run for tick 00:02 done
	// 00:03:00 run for tick 00:03 done
}

// OverlapSkip skips a tick that comes while the previous run is still in
// flight; the skipped tick's future fails with ErrSkipped.
func ExampleOverlapSkip() {
	ctx := context.Background()
	m, printf := clockAt()
	s := periodic.New(periodic.WithClock(m))
	job, _ := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		printf("start")
		return 0, periodic.Sleep(ctx, 15*time.Second)
	}, periodic.WithOverlap(periodic.OverlapSkip), periodic.WithLimit(2))
	job.OnRun(func(tick time.Time, f *periodic.Future[int]) {
		if errors.Is(f.Err(), periodic.ErrSkipped) {
			printf("tick %s skipped", tick.UTC().Format("15:04:05"))
		}
	})
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 45*time.Second)
	_ = s.Shutdown(ctx)
	// Output:
	// 00:00:10 start
	// 00:00:20 tick 00:00:20 skipped
	// 00:00:30 start
}

// Tests drive the scheduler with periodictest.Advance: each step releases
// one deadline and waits until every run has finished or blocked, so the
// test can assert exact states between steps.
func ExampleScheduler_WaitIdle() {
	ctx := context.Background()
	m := clock.NewMock()
	s := periodic.New(periodic.WithClock(m))
	runs := 0
	job, _ := periodic.Schedule(s, periodic.Every(time.Second), func(ctx context.Context) (int, error) {
		runs++
		return runs, nil
	})
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 3*time.Second)
	fmt.Println("runs after 3s:", runs)
	_ = periodictest.Advance(ctx, s, m, 2*time.Second)
	v, _ := job.Last().Result()
	fmt.Println("last run returned:", v)
	_ = s.Shutdown(ctx)
	// Output:
	// runs after 3s: 3
	// last run returned: 5
}

// A cron job on the mock clock: at 09:30 on weekdays, in New York.
func ExampleCron() {
	ctx := context.Background()
	ny, _ := time.LoadLocation("America/New_York")
	m := clock.NewMock()
	m.Set(time.Date(2026, 3, 6, 0, 0, 0, 0, ny)) // a Friday
	s := periodic.New(periodic.WithClock(m), periodic.WithLocation(ny))
	weekdays, err := periodic.Cron("30 9 * * mon-fri")
	if err != nil {
		panic(err)
	}
	_, _ = periodic.Schedule(s, weekdays, func(ctx context.Context) (int, error) {
		fmt.Println(periodic.TickFrom(ctx).Format("Mon Jan 2 15:04 MST"))
		return 0, nil
	})
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 4*24*time.Hour)
	_ = s.Shutdown(ctx)
	// Output:
	// Fri Mar 6 09:30 EST
	// Mon Mar 9 09:30 EDT
}

// Backfill runs a job for the ticks of a past range, one after another,
// and returns their futures in tick order.
func ExampleJob_Backfill() {
	ctx := context.Background()
	m, printf := clockAt()
	s := periodic.New(periodic.WithClock(m), periodic.WithLocation(time.UTC))
	daily, _ := periodic.Cron("0 6 * * *")
	job, _ := periodic.Schedule(s, daily, func(ctx context.Context) (string, error) {
		day := periodic.TickFrom(ctx).Format("Jan 2")
		printf("report for %s", day)
		return day, periodic.Sleep(ctx, time.Minute)
	})
	s.Start()
	from := m.Now().AddDate(0, 0, -3)
	futures, _ := job.Backfill(ctx, from, m.Now())
	_ = periodictest.Advance(ctx, s, m, 5*time.Minute)
	done, _ := periodic.Gather(futures...).Result()
	fmt.Println(done)
	_ = s.Shutdown(ctx)
	// Output:
	// 00:00:00 report for Mar 24
	// 00:01:00 report for Mar 25
	// 00:02:00 report for Mar 26
	// [Mar 24 Mar 25 Mar 26]
}

// WithPauseOnFailure stops a job after a run fails for good; the reason
// stays readable until Resume.
func ExampleWithPauseOnFailure() {
	ctx := context.Background()
	m, printf := clockAt()
	s := periodic.New(periodic.WithClock(m), periodic.WithLogger(slog.New(slog.DiscardHandler)))
	job, _ := periodic.Schedule(s, periodic.Every(time.Minute), func(ctx context.Context) (int, error) {
		printf("attempt %d", periodic.Attempt(ctx))
		return 0, errors.New("upstream is down")
	}, periodic.WithPauseOnFailure(), periodic.WithRetry(periodic.Retry{Retries: 1, Initial: 10 * time.Second}))
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 5*time.Minute)
	fmt.Println("paused:", job.Paused(), "-", job.PauseReason())
	_ = s.Shutdown(ctx)
	// Output:
	// 00:01:00 attempt 1
	// 00:01:10 attempt 2
	// paused: true - upstream is down
}
