package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// exampleScheduler returns a scheduler on a mock clock at midnight UTC
// that logs nothing, and a function printing a line stamped with the
// mock's time of day.
func exampleScheduler(opts ...periodic.Option) (*periodic.Scheduler, *clock.Mock, func(string, ...any)) {
	m := clock.NewMock()
	m.Set(time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC))
	opts = append(opts, periodic.WithClock(m), periodic.WithLogger(slog.New(slog.DiscardHandler)))
	return periodic.New(opts...), m, func(format string, args ...any) {
		fmt.Printf("%s %s\n", m.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

// WithTimeout ends a run's context on the scheduler's clock: a job that
// would sleep 20 s is stopped 5 s after it starts, and its future fails
// with context.DeadlineExceeded.
func ExampleWithTimeout() {
	ctx := context.Background()
	s, m, printf := exampleScheduler()
	job, _ := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (string, error) {
		printf("run started")
		if err := periodic.Sleep(ctx, 20*time.Second); err != nil {
			return "", err
		}
		return "done", nil
	}, periodic.WithTimeout(5*time.Second), periodic.WithLimit(1))
	job.OnRun(func(_ time.Time, f *periodic.Future[string]) {
		f.OnDone(func(f *periodic.Future[string]) {
			printf("run failed: %v", f.Err())
			printf("deadline exceeded: %t", errors.Is(f.Err(), context.DeadlineExceeded))
		})
	})
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 30*time.Second)
	_ = s.Shutdown(ctx)
	// Output:
	// 00:00:10 run started
	// 00:00:15 run failed: periodic: job "job-1": run timed out after 5s: context deadline exceeded
	// 00:00:15 deadline exceeded: true
}

// WithRetry retries a failed run with exponential backoff on the
// scheduler's clock: waits of 1 s, 2 s and 4 s. Attempt tells the job
// which attempt it is in; the future settles once, after the last.
func ExampleWithRetry() {
	ctx := context.Background()
	s, m, printf := exampleScheduler()
	job, _ := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		n := periodic.Attempt(ctx)
		printf("attempt %d", n)
		return 0, fmt.Errorf("attempt %d: service unavailable", n)
	}, periodic.WithRetry(periodic.Retry{Retries: 3, Initial: time.Second}), periodic.WithLimit(1))
	job.OnRun(func(_ time.Time, f *periodic.Future[int]) {
		f.OnDone(func(f *periodic.Future[int]) { printf("run failed: %v", f.Err()) })
	})
	s.Start()
	_ = periodictest.Advance(ctx, s, m, time.Minute)
	_ = s.Shutdown(ctx)
	// Output:
	// 00:00:10 attempt 1
	// 00:00:11 attempt 2
	// 00:00:13 attempt 3
	// 00:00:17 attempt 4
	// 00:00:17 run failed: attempt 4: service unavailable
}

// WithMaxConcurrency caps the runs in flight across all jobs. Here two
// slots serve three jobs whose runs take 15 s: c's first run waits for a
// slot and starts when a's run ends; c's tick at 20 s, which comes while
// that run still waits, is skipped rather than queued.
func ExampleWithMaxConcurrency() {
	ctx := context.Background()
	s, m, printf := exampleScheduler(periodic.WithMaxConcurrency(2))
	for _, name := range []string{"a", "b", "c"} {
		limit := 1
		if name == "c" {
			limit = 2
		}
		job, _ := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
			tk := periodic.TickFrom(ctx).UTC().Format("15:04:05")
			printf("%s@%s started", name, tk)
			err := periodic.Sleep(ctx, 15*time.Second)
			printf("%s@%s finished", name, tk)
			return 0, err
		}, periodic.WithName(name), periodic.WithLimit(limit))
		job.OnRun(func(tick time.Time, f *periodic.Future[int]) {
			if errors.Is(f.Err(), periodic.ErrSkipped) {
				printf("%s@%s skipped", name, tick.UTC().Format("15:04:05"))
			}
		})
	}
	s.Start()
	_ = periodictest.Advance(ctx, s, m, time.Minute)
	_ = s.Shutdown(ctx)
	// Output:
	// 00:00:10 a@00:00:10 started
	// 00:00:10 b@00:00:10 started
	// 00:00:20 c@00:00:20 skipped
	// 00:00:25 a@00:00:10 finished
	// 00:00:25 c@00:00:10 started
	// 00:00:25 b@00:00:10 finished
	// 00:00:30 c@00:00:30 started
	// 00:00:40 c@00:00:10 finished
	// 00:00:45 c@00:00:30 finished
}
