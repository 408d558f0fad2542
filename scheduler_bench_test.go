package periodic_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// nop is a job that does nothing.
func nop(context.Context) (struct{}, error) { return struct{}{}, nil }

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkIdleJob schedules b.N idle jobs on one started scheduler and
// reports the live heap and goroutines per job; the bare-timer variant is
// the floor: one time.AfterFunc per job.
func BenchmarkIdleJob(b *testing.B) {
	b.Run("periodic", func(b *testing.B) {
		s := periodic.New()
		s.Start()
		g0, h0 := runtime.NumGoroutine(), heapInUse()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := periodic.Schedule(s, periodic.Every(time.Hour), nop); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(heapInUse()-h0)/float64(b.N), "heapB/job")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/float64(b.N), "goroutines/job")
		_ = s.Shutdown(context.Background())
	})
	b.Run("bare-timer", func(b *testing.B) {
		timers := make([]*time.Timer, 0, b.N)
		g0, h0 := runtime.NumGoroutine(), heapInUse()
		b.ReportAllocs()
		b.ResetTimer()
		start, d, fn := time.Now(), time.Hour, func() {}
		for i := 0; i < b.N; i++ {
			timers = append(timers, rearming(start, d, fn))
		}
		b.StopTimer()
		b.ReportMetric(float64(heapInUse()-h0)/float64(b.N), "heapB/job")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/float64(b.N), "goroutines/job")
		for _, t := range timers {
			t.Stop()
		}
	})
}

// rearming is the floor's job: a timer that starts fn in a goroutine at
// start+k*d and re-arms itself for the next k.
func rearming(start time.Time, d time.Duration, fn func()) *time.Timer {
	k := 1
	var t *time.Timer
	t = time.AfterFunc(time.Until(start.Add(d)), func() {
		go fn()
		k++
		t.Reset(time.Until(start.Add(time.Duration(k) * d)))
	})
	return t
}

// BenchmarkDueAmongIdle releases one due run among n idle jobs per
// iteration, on the fast test clock: the cost must not grow with n.
func BenchmarkDueAmongIdle(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("idle=%d", n), func(b *testing.B) {
			ctx := context.Background()
			c := periodictest.NewClock(time.Unix(0, 0))
			s := periodic.New(periodic.WithClock(c))
			for i := 0; i < n; i++ {
				if _, err := periodic.Schedule(s, periodic.Every(10_000*time.Hour), nop); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := periodic.Schedule(s, periodic.Every(time.Second), nop); err != nil {
				b.Fatal(err)
			}
			s.Start()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := periodictest.Advance(ctx, s, c, time.Second); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			_ = s.Shutdown(ctx)
		})
	}
}

// cpuTime returns the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const burst = 10_000

// BenchmarkBurst runs bursts of 10,000 runs due at the same instant on the
// real clock, one burst per iteration, and reports CPU per run. The floor
// is 10,000 bare time.AfterFunc timers re-armed at start+k*d that each
// start a goroutine.
func BenchmarkBurst(b *testing.B) {
	const period = 100 * time.Millisecond
	b.Run("periodic", func(b *testing.B) {
		var done atomic.Int64
		var mu sync.Mutex
		cond := sync.NewCond(&mu)
		fn := func(context.Context) (struct{}, error) {
			if done.Add(1)%burst == 0 {
				mu.Lock()
				cond.Broadcast()
				mu.Unlock()
			}
			return struct{}{}, nil
		}
		s := periodic.New()
		start := time.Now().Add(period).Truncate(period)
		for i := 0; i < burst; i++ {
			if _, err := periodic.Schedule(s, periodic.Every(period), fn, periodic.WithStartAt(start)); err != nil {
				b.Fatal(err)
			}
		}
		s.Start()
		measureBursts(b, &done, &mu, cond)
		_ = s.Shutdown(context.Background())
	})
	b.Run("bare-timer", func(b *testing.B) {
		var done atomic.Int64
		var mu sync.Mutex
		cond := sync.NewCond(&mu)
		fn := func() {
			if done.Add(1)%burst == 0 {
				mu.Lock()
				cond.Broadcast()
				mu.Unlock()
			}
		}
		start := time.Now().Add(period).Truncate(period)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < burst; i++ {
			wg.Add(1)
			k := 1
			var t *time.Timer
			t = time.AfterFunc(time.Until(start), func() {
				select {
				case <-stop:
					wg.Done()
					return
				default:
				}
				go fn()
				t.Reset(time.Until(start.Add(time.Duration(k) * period)))
				k++
			})
		}
		measureBursts(b, &done, &mu, cond)
		close(stop)
		wg.Wait()
	})
}

// measureBursts waits for b.N bursts and reports CPU per run.
func measureBursts(b *testing.B, done *atomic.Int64, mu *sync.Mutex, cond *sync.Cond) {
	b.ReportAllocs()
	wait := func(n int64) {
		mu.Lock()
		for done.Load() < n {
			cond.Wait()
		}
		mu.Unlock()
	}
	wait(burst) // the first burst warms up
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		wait(int64(i+2) * burst)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N*burst), "cpu-ns/run")
}

// BenchmarkAdvanceDay advances a day of a once-a-second job: 86,400 runs.
// With the fast periodictest.Clock it takes about a second or two; the
// same span on *clock.Mock would take 86,400 of its 1 ms pauses.
func BenchmarkAdvanceDay(b *testing.B) {
	for i := 0; i < b.N; i++ {
		ctx := context.Background()
		c := periodictest.NewClock(time.Unix(0, 0))
		s := periodic.New(periodic.WithClock(c))
		runs := 0
		_, _ = periodic.Schedule(s, periodic.Every(time.Second), func(context.Context) (int, error) {
			runs++
			return runs, nil
		})
		s.Start()
		if err := periodictest.Advance(ctx, s, c, 24*time.Hour); err != nil {
			b.Fatal(err)
		}
		if runs != 86_400 {
			b.Fatalf("runs = %d, want 86400", runs)
		}
		_ = s.Shutdown(ctx)
	}
}

// BenchmarkAdvanceMinuteMock is the same on *clock.Mock, for a minute.
func BenchmarkAdvanceMinuteMock(b *testing.B) {
	for i := 0; i < b.N; i++ {
		ctx := context.Background()
		m := clock.NewMock()
		s := periodic.New(periodic.WithClock(m))
		_, _ = periodic.Schedule(s, periodic.Every(time.Second), nop)
		s.Start()
		if err := periodictest.Advance(ctx, s, m, time.Minute); err != nil {
			b.Fatal(err)
		}
		_ = s.Shutdown(ctx)
	}
}
