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

// soak runs cfg and fails if the heap or the goroutines grow: after
// Shutdown the heap must be within 10% plus 1 MiB plus 3 KiB a job of the
// heap before Start; and, unless the machine could not keep up (runs per second fell
// by a fifth), the mean of the second half of the samples must stay within
// 10% plus 1 MiB (heap), or 25% plus a tenth of the jobs (goroutines), of
// the mean of the first half. Before the Previous chain was cut, the heap grew about 1.2 MiB a
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
	base := heapNow()
	s.Start()
	start := time.Now()
	<-time.After(cfg.warmUp) // the soak's length, not a timing assertion
	var samples []soakSample
	for next := cfg.every; next <= cfg.duration; next += cfg.every {
		<-time.After(time.Until(start.Add(cfg.warmUp + next)))
		samples = append(samples, soakSample{at: next, heap: heapNow(), goroutines: runtime.NumGoroutine(), runs: runs.Load()})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	<-s.Done()
	end := heapNow()
	runtime.KeepAlive(s)
	require.Positive(t, read.Load())
	// Every run has returned: what the jobs still hold is their books, a
	// bounded history and their last future (about 2 KiB a job here),
	// never the chain of runs. This holds however loaded the
	// machine was.
	t.Logf("heap %.2f MiB before Start, %.2f MiB after Shutdown", float64(base)/(1<<20), float64(end)/(1<<20))
	require.LessOrEqual(t, float64(end), 1.10*float64(base)+float64(1<<20+cfg.jobs*3<<10), "heap kept after Shutdown: %d then %d bytes", base, end)
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
	rate := func(ss []soakSample) float64 {
		return float64(ss[len(ss)-1].runs-ss[0].runs) / max(1, (ss[len(ss)-1].at-ss[0].at).Seconds())
	}
	if len(samples) >= 4 && rate(samples[half:]) < 0.8*rate(samples[:half]) {
		// A machine too busy to keep up piles runs in flight: heap and
		// goroutines grow with the backlog, not with a leak. The check
		// after Shutdown above still judges the leak.
		t.Logf("overloaded (runs per second fell from %.0f to %.0f): trend not judged", rate(samples[:half]), rate(samples[half:]))
		return samples
	}
	require.LessOrEqual(t, h2, 1.10*h1+1<<20, "heap grew: %.0f then %.0f bytes", h1, h2)
	require.LessOrEqual(t, g2, 1.25*g1+float64(cfg.jobs)/10, "goroutines grew: %.0f then %.0f", g1, g2)
	return samples
}

// heapNow returns HeapAlloc after two collections.
func heapNow() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestSoakShort is the soak's short version, part of every test run:
// 1,000 jobs every 100 ms to 1 s for a few seconds of real time.
func TestSoakShort(t *testing.T) {
	soak(t, soakConfig{jobs: 1000, min: 100 * time.Millisecond, warmUp: time.Second, duration: 4 * time.Second, every: 500 * time.Millisecond})
}
