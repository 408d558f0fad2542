package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// WithHooks calls functions as runs start and finish and ticks are
// skipped; here a job every 10 s whose runs take 15 s, with OverlapSkip.
func ExampleWithHooks() {
	ctx := context.Background()
	m, printf := clockAt()
	show := func(ev periodic.Event) {
		printf("%s %s tick %s err=%v", ev.Kind, ev.Job, ev.Tick.Format("15:04:05"), ev.Err)
	}
	s := periodic.New(periodic.WithClock(m), periodic.WithLogger(slog.New(slog.DiscardHandler)),
		periodic.WithHooks(periodic.Hooks{BeforeRun: show, AfterRun: show, OnSkip: show}))
	_, _ = periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		return 0, periodic.Sleep(ctx, 15*time.Second)
	}, periodic.WithName("report"), periodic.WithOverlap(periodic.OverlapSkip), periodic.WithLimit(2))
	s.Start()
	_ = periodictest.Advance(ctx, s, m, time.Minute)
	_ = s.Shutdown(ctx)
	// Output:
	// 00:00:10 start report tick 00:00:10 err=<nil>
	// 00:00:20 skip report tick 00:00:20 err=periodic: tick skipped: job "report" tick 2026-03-27T00:00:20Z: a run is in flight
	// 00:00:25 finish report tick 00:00:10 err=<nil>
	// 00:00:30 start report tick 00:00:30 err=<nil>
	// 00:00:45 finish report tick 00:00:30 err=<nil>
}

// WithLogger takes a *slog.Logger. The scheduler logs failures, retries
// and misfires at Warn, panics at Error, and the rest at Debug; records
// are stamped with the scheduler's clock, here a mock.
func ExampleWithLogger() {
	ctx := context.Background()
	m, _ := clockAt()
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := periodic.New(periodic.WithClock(m), periodic.WithLogger(log))
	_, _ = periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		return 0, errors.New("disk full")
	}, periodic.WithName("backup"), periodic.WithLimit(1))
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 10*time.Second)
	_ = s.Shutdown(ctx)
	// Output:
	// time=2026-03-27T00:00:10.000Z level=DEBUG msg="periodic: run started" job=backup tick=2026-03-27T00:00:10.000Z
	// time=2026-03-27T00:00:10.000Z level=WARN msg="periodic: run failed" job=backup tick=2026-03-27T00:00:10.000Z duration=0s error="disk full"
}

// Shutdown with a deadline, as http.Server.Shutdown: it stops the ticks
// and waits for the runs in flight; when the deadline passes first, it
// cancels their contexts and returns the context's error. A run's future
// tells when the run itself has returned, and Done when all have.
func ExampleScheduler_Shutdown() {
	m, printf := clockAt()
	s := periodic.New(periodic.WithClock(m), periodic.WithLogger(slog.New(slog.DiscardHandler)))
	job, _ := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		<-ctx.Done() // a run that waits for its cancellation, as a slow call would
		return 0, ctx.Err()
	})
	s.Start()
	run := job.RunNow()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	printf("shutdown: %v", s.Shutdown(ctx)) // returns when ctx ends, having cancelled the run
	<-s.Done()                              // the run has returned
	_, err := run.Await(context.Background())
	printf("run: %v", err)
	// Output:
	// 00:00:00 shutdown: context deadline exceeded
	// 00:00:00 run: periodic: cancelled: context canceled
}

// WithLocation sets the zone of calendar triggers; a CRON_TZ= prefix fixes
// the zone of one expression. Paris moves to summer time on March 29th,
// 2026: its 09:00 runs move from 08:00 to 07:00 UTC, while New York's
// stay at 13:00 UTC (it changed on March 8th).
func ExampleWithLocation() {
	ctx := context.Background()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	m, printf := clockAt() // Friday, March 27th, 2026, 00:00 UTC
	s := periodic.New(periodic.WithClock(m), periodic.WithLocation(paris),
		periodic.WithLogger(slog.New(slog.DiscardHandler)))
	for _, expr := range []string{"0 9 * * *", "CRON_TZ=America/New_York 0 9 * * *"} {
		_, err := periodic.Schedule(s, periodic.MustCron(expr), func(ctx context.Context) (int, error) {
			printf("UTC: %-36q local: %s", expr, periodic.TickFrom(ctx).Format("Mon 15:04 MST"))
			return 0, nil
		})
		if err != nil {
			panic(err)
		}
	}
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 3*24*time.Hour)
	_ = s.Shutdown(ctx)
	// Output:
	// 08:00:00 UTC: "0 9 * * *"                          local: Fri 09:00 CET
	// 13:00:00 UTC: "CRON_TZ=America/New_York 0 9 * * *" local: Fri 09:00 EDT
	// 08:00:00 UTC: "0 9 * * *"                          local: Sat 09:00 CET
	// 13:00:00 UTC: "CRON_TZ=America/New_York 0 9 * * *" local: Sat 09:00 EDT
	// 07:00:00 UTC: "0 9 * * *"                          local: Sun 09:00 CEST
	// 13:00:00 UTC: "CRON_TZ=America/New_York 0 9 * * *" local: Sun 09:00 EDT
}

// WithMisfire decides what runs when ticks were missed, here because the
// clock jumped 35 s over the ticks of 20, 30 and 40 s (a suspended laptop,
// a stopped process): one run for the latest, one per missed tick, or
// none until the next tick.
func ExampleWithMisfire() {
	ctx := context.Background()
	for _, policy := range []periodic.Misfire{periodic.MisfireCoalesce, periodic.MisfireCatchUp, periodic.MisfireSkip} {
		m := clock.NewMock()
		start := m.Now()
		s := periodic.New(periodic.WithClock(m), periodic.WithLogger(slog.New(slog.DiscardHandler)))
		var ran []time.Duration
		_, _ = periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
			ran = append(ran, periodic.TickFrom(ctx).Sub(start)) // runs do not overlap: each returns at once
			return 0, nil
		}, periodic.WithMisfire(policy))
		s.Start()
		_ = periodictest.Advance(ctx, s, m, 10*time.Second)
		m.Add(35 * time.Second) // behind the scheduler's back: 20, 30 and 40 s are missed
		_ = periodictest.Advance(ctx, s, m, 10*time.Second)
		_ = s.Shutdown(ctx)
		fmt.Printf("%-8v ran the ticks of %v\n", policy, ran)
	}
	// Output:
	// coalesce ran the ticks of [10s 40s 50s]
	// catch-up ran the ticks of [10s 20s 30s 40s 50s]
	// skip     ran the ticks of [10s 50s]
}

// Retry.AttemptTimeout bounds each attempt on the scheduler's clock: an
// attempt that hangs is cancelled after 2 s and retried, and the run
// settles with the first attempt that succeeds.
func ExampleRetry_attemptTimeout() {
	ctx := context.Background()
	s, m, printf := exampleScheduler()
	job, _ := periodic.Schedule(s, periodic.Every(time.Minute), func(ctx context.Context) (string, error) {
		n := periodic.Attempt(ctx)
		printf("attempt %d", n)
		if n == 1 { // the first attempt hangs until cancelled
			err := periodic.Sleep(ctx, time.Hour)
			printf("attempt %d: %v", n, err)
			return "", err
		}
		return "fetched", nil
	}, periodic.WithRetry(periodic.Retry{Retries: 3, Initial: time.Second, AttemptTimeout: 2 * time.Second}),
		periodic.WithLimit(1))
	job.OnRun(func(_ time.Time, f *periodic.Future[string]) {
		f.OnDone(func(f *periodic.Future[string]) {
			v, err := f.Result()
			printf("run: %q %v", v, err)
		})
	})
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 2*time.Minute)
	_ = s.Shutdown(ctx)
	// Output:
	// 00:01:00 attempt 1
	// 00:01:02 attempt 1: context canceled
	// 00:01:03 attempt 2
	// 00:01:03 run: "fetched" <nil>
}

// NoResult schedules a job that returns only an error, the usual shape
// of a job in robfig/cron and gocron.
func ExampleNoResult() {
	ctx := context.Background()
	s, m, printf := exampleScheduler()
	cleanup := func(ctx context.Context) error {
		printf("cleaning up")
		return nil
	}
	job, err := periodic.Schedule(s, periodic.Every(time.Hour), periodic.NoResult(cleanup), periodic.WithLimit(1))
	if err != nil {
		panic(err)
	}
	s.Start()
	_ = periodictest.Advance(ctx, s, m, time.Hour)
	printf("last run: %v", job.Last().Err())
	_ = s.Shutdown(ctx)
	// Output:
	// 01:00:00 cleaning up
	// 01:00:00 last run: <nil>
}

// MustCron suits schedules fixed in the program, such as package-level
// variables; it panics on an expression that does not parse.
func ExampleMustCron() {
	nightly := periodic.MustCron("CRON_TZ=Europe/Paris 30 2 * * mon-fri")
	x := time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC) // a Friday
	for range 3 {
		x = nightly.Next(x)
		fmt.Println(x.Format("Mon Jan 2 15:04 MST"))
	}
	// Output:
	// Mon Mar 30 02:30 CEST
	// Tue Mar 31 02:30 CEST
	// Wed Apr 1 02:30 CEST
}

// Timeout asked for inside a run runs on that run's clock, here a mock,
// even for a future of no scheduler such as a Promise's: it fires at
// exactly one hour of virtual time.
func ExampleTimeout() {
	ctx := context.Background()
	s, m, printf := exampleScheduler()
	reply := periodic.NewPromise[string]() // another system resolves it; this time it never does
	_, _ = periodic.Schedule(s, periodic.Every(24*time.Hour), func(ctx context.Context) (string, error) {
		printf("waiting for the reply")
		v, err := periodic.Timeout(ctx, reply.Future(), time.Hour).Await(ctx)
		printf("reply %q, error: %v", v, err)
		return v, err
	}, periodic.StartImmediately(), periodic.WithLimit(1))
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 2*time.Hour)
	_ = s.Shutdown(ctx)
	// Output:
	// 00:00:00 waiting for the reply
	// 01:00:00 reply "", error: periodic: timed out after 1h0m0s: context deadline exceeded
}
