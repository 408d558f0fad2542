package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// orderLog records, in order, what tasks did; several goroutines write it.
type orderLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *orderLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *orderLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, " ")
}

// sleeper returns a Func that sleeps d and then logs name.
func sleeper(log *orderLog, name string, d time.Duration) periodic.Func[int] {
	return func(ctx context.Context) (int, error) {
		err := periodic.Sleep(ctx, d)
		log.add("%s", name)
		return 0, err
	}
}

// sameInstantCases are scenarios whose deadlines meet at one instant,
// registered by goroutines that the test does not order. Each schedules
// its jobs on s, then runs for 10 s on the mock clock.
var sameInstantCases = []struct {
	name  string
	setup func(t *testing.T, s *periodic.Scheduler, log *orderLog)
	want  string
}{{
	// The seed of issue 12: five Go tasks sleep 2, 1, 2, 1, 2 s and the
	// run takes them as they complete.
	name: "siblings", want: "1 3 0 2 4",
	setup: func(t *testing.T, s *periodic.Scheduler, log *orderLog) {
		once(t, s, func(ctx context.Context) (int, error) {
			var fs []*periodic.Future[int]
			for i, sec := range []int{2, 1, 2, 1, 2} {
				fs = append(fs, periodic.Go(ctx, func(ctx context.Context) (int, error) {
					return i, periodic.Sleep(ctx, time.Duration(sec)*time.Second)
				}))
			}
			for f := range periodic.AsCompleted(ctx, fs...) {
				i, _ := f.Result()
				log.add("%d", i)
			}
			return 0, nil
		})
	},
}, {
	// Go inside Go: a task's children come before its later siblings, and
	// a parent's deadline registered after it started them comes last.
	name: "nested", want: "a1 a2 b1 run",
	setup: func(t *testing.T, s *periodic.Scheduler, log *orderLog) {
		once(t, s, func(ctx context.Context) (int, error) {
			spawn := func(names ...string) periodic.Func[int] {
				return func(ctx context.Context) (int, error) {
					var fs []*periodic.Future[int]
					for _, n := range names {
						fs = append(fs, periodic.Go(ctx, sleeper(log, n, time.Second)))
					}
					_, err := periodic.Gather(fs...).Await(ctx)
					return 0, err
				}
			}
			a := periodic.Go(ctx, spawn("a1", "a2"))
			b := periodic.Go(ctx, spawn("b1"))
			_, _ = sleeper(log, "run", time.Second)(ctx)
			_, err := periodic.Gather(a, b).Await(ctx)
			return 0, err
		})
	},
}, {
	// A retry's wait, a sleep and a run's timeout, in three jobs: by the
	// order the jobs were scheduled, whatever their runs did first.
	name: "retry sleep timeout", want: "retry:2 sleep timeout",
	setup: func(t *testing.T, s *periodic.Scheduler, log *orderLog) {
		_, err := periodic.Schedule(s, periodic.Every(time.Minute), func(ctx context.Context) (int, error) {
			if periodic.Attempt(ctx) == 1 {
				return 0, errors.New("first attempt fails")
			}
			log.add("retry:%d", periodic.Attempt(ctx))
			return 0, nil
		}, periodic.StartImmediately(), periodic.WithLimit(1),
			periodic.WithRetry(periodic.Retry{Retries: 1, Initial: time.Second}))
		require.NoError(t, err)
		_, err = periodic.Schedule(s, periodic.Every(time.Minute), sleeper(log, "sleep", time.Second),
			periodic.StartImmediately(), periodic.WithLimit(1))
		require.NoError(t, err)
		_, err = periodic.Schedule(s, periodic.Every(time.Minute), func(ctx context.Context) (int, error) {
			err := periodic.Sleep(ctx, time.Hour)
			log.add("timeout")
			return 0, err
		}, periodic.StartImmediately(), periodic.WithLimit(1), periodic.WithTimeout(time.Second))
		require.NoError(t, err)
	},
}, {
	// Timeout on sibling tasks: by the order the tasks were created, not
	// the order the Timeouts were asked for.
	name: "timeouts", want: "p q",
	setup: func(t *testing.T, s *periodic.Scheduler, log *orderLog) {
		once(t, s, func(ctx context.Context) (int, error) {
			hour := func(ctx context.Context) (int, error) { return 0, periodic.Sleep(ctx, time.Hour) }
			p, q := periodic.Go(ctx, hour), periodic.Go(ctx, hour)
			tq := periodic.Timeout(ctx, q, time.Second)
			tp := periodic.Timeout(ctx, p, time.Second)
			names := map[*periodic.Future[int]]string{tp: "p", tq: "q"}
			for f := range periodic.AsCompleted(ctx, tq, tp) {
				log.add("%s", names[f])
			}
			return 0, nil
		})
	},
}}

// once schedules fn to run once, at the start.
func once(t *testing.T, s *periodic.Scheduler, fn periodic.Func[int]) {
	t.Helper()
	_, err := periodic.Schedule(s, periodic.Every(time.Hour), fn, periodic.StartImmediately(), periodic.WithLimit(1))
	require.NoError(t, err)
}

// TestSameInstantOrder checks that deadlines at one instant are released
// in an order fixed by the program: each scenario, repeated, always logs
// the same line.
func TestSameInstantOrder(t *testing.T) {
	for _, tc := range sameInstantCases {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]int{}
			for range 50 {
				ctx := context.Background()
				m := clock.NewMock()
				m.Set(t0)
				s := periodic.New(periodic.WithClock(m), periodic.WithLogger(discard()))
				log := &orderLog{}
				tc.setup(t, s, log)
				s.Start()
				require.NoError(t, periodictest.Advance(ctx, s, m, 10*time.Second))
				require.NoError(t, s.Shutdown(ctx))
				seen[log.String()]++
			}
			require.Equal(t, map[string]int{tc.want: 50}, seen)
		})
	}
}

// Deadlines due at one instant are released in the order of the tasks
// that registered them: five sibling tasks sleeping 2, 1, 2, 1 and 2 s
// complete as 1 and 3 (at 1 s), then 0, 2 and 4 (at 2 s), by the order
// the run started them, on every run. (asyncio prints 1 3 2 0 4 here: its
// heap of timers does not keep the order of equal deadlines.)
func ExampleAsCompleted_sameInstant() {
	ctx := context.Background()
	m := clock.NewMock()
	start := m.Now()
	s := periodic.New(periodic.WithClock(m))
	job, _ := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		var fs []*periodic.Future[int]
		for i, sec := range []int{2, 1, 2, 1, 2} {
			fs = append(fs, periodic.Go(ctx, func(ctx context.Context) (int, error) {
				return i, periodic.Sleep(ctx, time.Duration(sec)*time.Second)
			}))
		}
		for f := range periodic.AsCompleted(ctx, fs...) {
			i, _ := f.Result()
			fmt.Println(m.Now().Sub(start), "task", i)
		}
		return 0, nil
	})
	s.Start()
	f := job.RunNow()
	_ = periodictest.Advance(ctx, s, m, 2*time.Second)
	fmt.Println(f.Err())
	_ = s.Shutdown(ctx)
	// Output:
	// 1s task 1
	// 1s task 3
	// 2s task 0
	// 2s task 2
	// 2s task 4
	// <nil>
}

// TestDrawsPerRun checks that runs that start together draw the same
// jitter and retry jitter on every repetition: each run's draws are made
// as it starts, in start order, not when its goroutine gets to them.
func TestDrawsPerRun(t *testing.T) {
	seen := map[string]int{}
	for range 30 {
		ctx := context.Background()
		m := clock.NewMock()
		m.Set(t0)
		s := periodic.New(periodic.WithClock(m), periodic.WithLogger(discard()),
			periodic.WithRand(rand.New(rand.NewPCG(1, 2))))
		log := &orderLog{}
		job, err := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
			log.add("%s#%d@%v", periodic.TickFrom(ctx).Sub(t0), periodic.Attempt(ctx), m.Now().Sub(t0))
			return 0, errBoom
		}, periodic.WithJitter(2*time.Second),
			periodic.WithRetry(periodic.Retry{Retries: 2, Initial: time.Second, Jitter: 0.5}))
		require.NoError(t, err)
		s.Start()
		fs, err := job.Backfill(ctx, t0.Add(-4*time.Hour), t0.Add(-time.Hour), periodic.OverlapAllow)
		require.NoError(t, err)
		require.Len(t, fs, 4)
		require.NoError(t, periodictest.Advance(ctx, s, m, 10*time.Second))
		for _, f := range fs {
			require.ErrorIs(t, f.Err(), errBoom)
		}
		require.NoError(t, s.Shutdown(ctx))
		require.Len(t, log.lines, 12)
		seen[log.String()]++
	}
	require.Len(t, seen, 1, "%v", seen)
}
