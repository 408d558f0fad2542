package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// soakConfig sizes a soak: jobs every min to 10*min on the real clock, each
// run sleeping 1-20 ms, one in ten failing once and retried, every future
// read through OnRun and OnDone, Describe and Previous called as they go.
type soakConfig struct {
	jobs     int
	min      time.Duration // the shortest interval of a job
	duration time.Duration // after the warm-up
	warmUp   time.Duration
	every    time.Duration // between samples
}

// soakSample is one reading of the process.
type soakSample struct {
	at         time.Duration
	heap       uint64 // HeapAlloc after two collections
	goroutines int
	runs       int64
}

// soak runs cfg and fails if the heap or the goroutines grow: the mean of
// the second half of the samples must stay within 10% plus 1 MiB (heap),
// or 25% plus a tenth of the jobs (goroutines), of the mean of the first
// half. Before the Previous chain was cut, the heap grew about 1.2 MiB a
// second here and failed.
// It returns the samples for the report.
func soak(t *testing.T, cfg soakConfig) []soakSample {
	t.Helper()
	s := periodic.New(quiet)
	var runs, read atomic.Int64
	for i := range cfg.jobs {
		d := cfg.min + rand.N(9*cfg.min)
		attempt := atomic.Int32{}
		job, err := periodic.Schedule(s, periodic.Every(d), func(ctx context.Context) (int, error) {
			runs.Add(1)
			_ = periodic.Previous[int](ctx)
			if i%10 == 0 && attempt.Add(1)%2 == 1 {
				return 0, errors.New("flaky")
			}
			return i, periodic.Sleep(ctx, time.Duration(1+rand.IntN(20))*time.Millisecond)
		}, periodic.WithName(fmt.Sprintf("soak-%d", i)), periodic.WithHistory(4),
			periodic.WithRetry(periodic.Retry{Retries: 1, Initial: time.Millisecond}))
		require.NoError(t, err)
		job.OnRun(func(_ time.Time, f *periodic.Future[int]) {
			f.OnDone(func(f *periodic.Future[int]) {
				if _, err := f.Result(); err == nil {
					read.Add(1)
				}
				if f.Err() == nil && rand.IntN(1000) == 0 {
					_ = job.Describe(2)
				}
			})
		})
	}
	s.Start()
	start := time.Now()
	<-time.After(cfg.warmUp) // the soak's length, not a timing assertion
	var samples []soakSample
	for next := cfg.every; next <= cfg.duration; next += cfg.every {
		<-time.After(time.Until(start.Add(cfg.warmUp + next)))
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		samples = append(samples, soakSample{at: next, heap: ms.HeapAlloc, goroutines: runtime.NumGoroutine(), runs: runs.Load()})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	require.Positive(t, read.Load())
	half := len(samples) / 2
	require.Positive(t, half, "too few samples")
	mean := func(ss []soakSample, f func(soakSample) float64) float64 {
		sum := 0.0
		for _, x := range ss {
			sum += f(x)
		}
		return sum / float64(len(ss))
	}
	heap := func(x soakSample) float64 { return float64(x.heap) }
	gor := func(x soakSample) float64 { return float64(x.goroutines) }
	h1, h2 := mean(samples[:half], heap), mean(samples[half:], heap)
	g1, g2 := mean(samples[:half], gor), mean(samples[half:], gor)
	for _, x := range samples {
		t.Logf("%6.1fs heap %7.2f MiB goroutines %5d runs %9d", x.at.Seconds(), float64(x.heap)/(1<<20), x.goroutines, x.runs)
	}
	require.LessOrEqual(t, h2, 1.10*h1+1<<20, "heap grew: %.0f then %.0f bytes", h1, h2)
	require.LessOrEqual(t, g2, 1.25*g1+float64(cfg.jobs)/10, "goroutines grew: %.0f then %.0f", g1, g2)
	return samples
}

// TestSoakShort is the soak's short version, part of every test run:
// 1,000 jobs every 100 ms to 1 s for a few seconds of real time.
func TestSoakShort(t *testing.T) {
	soak(t, soakConfig{jobs: 1000, min: 100 * time.Millisecond, warmUp: time.Second, duration: 4 * time.Second, every: 500 * time.Millisecond})
}
