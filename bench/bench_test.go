package bench

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
)

// allPeers returns every contender and variant.
func allPeers() []Peer {
	return append(Peers(), PeriodicOnDone(), FloorDirect())
}

// TestSmoke runs every workload on every contender at a tiny size, to keep
// the harness working; it asserts no timing.
func TestSmoke(t *testing.T) {
	for _, p := range allPeers() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			if _, err := MeasureIdle(p, 50); err != nil {
				t.Fatal(err)
			}
			if b, err := MeasureBurst(p, 50, 200*time.Millisecond); err != nil {
				t.Fatal(err)
			} else if b.N != 50 || b.Max < b.P50 {
				t.Fatalf("burst: %+v", b)
			}
			if r, err := MeasureTick(p, 10, 20*time.Millisecond, 50*time.Millisecond); err != nil {
				t.Fatal(err)
			} else if r.Every < 20*time.Millisecond {
				t.Fatalf("tick every %v", r.Every)
			}
			ticks := 3
			if p.Quantum > 0 {
				ticks = 1
			}
			if _, err := MeasureDrift(p, 20*time.Millisecond, ticks); err != nil {
				t.Fatal(err)
			}
			if r, err := MeasureSteady(p, 20, 2, 30*time.Millisecond, 100*time.Millisecond); err != nil {
				t.Fatal(err)
			} else if r.N != 20 || r.Ticks != 2 || r.Max < r.P50 || r.Every < 30*time.Millisecond {
				t.Fatalf("steady: %+v", r)
			}
		})
	}
}

func TestPeriodicAnchored(t *testing.T) {
	ok, err := PeriodicAnchored(10*time.Millisecond, 5)
	if err != nil || !ok {
		t.Fatalf("anchored %v, err %v", ok, err)
	}
}

func TestMeasureFuture(t *testing.T) {
	if r := MeasureFuture(100); r.N != 100 || r.GoAllocsPerRun <= 0 {
		t.Fatalf("%+v", r)
	}
}

// BenchmarkRegister registers b.N idle jobs on one started contender
// (robfig: added, then Start) and reports, besides the time and the
// allocations per job, the live heap per job once they are all armed.
func BenchmarkRegister(b *testing.B) {
	for _, p := range Peers() {
		b.Run(p.Name, func(b *testing.B) {
			b.ReportAllocs()
			task := NewTask(func() {})
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			b.ResetTimer()
			c, _, err := Register(p, b.N, IdleEvery, time.Time{}, func(int) *Task { return task })
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			m1 = memAfterGC()
			b.ReportMetric((float64(m1.HeapAlloc)-float64(m0.HeapAlloc))/float64(b.N), "live-B/job")
			c.Stop()
		})
	}
}

// BenchmarkBurst measures bursts of 10,000 runs due at the same instant,
// one burst per iteration. The timer runs from the end of registration,
// through a fixed lead of burstLead, to the last run's start, so ns/op is
// burstLead plus the burst and b.N stays small; the figures to read are
// the metrics: ns/run (wall from the tick to the last start, per run),
// cpu-ns/run (process CPU over the same span), p99-late-ns, and B/op and
// allocs/op, which count the runs only.
func BenchmarkBurst(b *testing.B) {
	const n = 10_000
	for _, p := range append(Peers(), PeriodicOnDone()) {
		b.Run(p.Name, func(b *testing.B) {
			b.ReportAllocs()
			var wall, cpu, p99 time.Duration
			b.StopTimer()
			for range b.N {
				runtime.GC()
				lead := burstLead
				br, err := prepareBurst(p, n, lead)
				for tries := 0; errors.Is(err, errLate) && tries < 3; tries++ {
					lead *= 4
					br, err = prepareBurst(p, n, lead)
				}
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				time.Sleep(time.Until(br.tick) - 5*time.Millisecond)
				c0 := CPUTime()
				err = br.wait(time.Minute)
				c1 := CPUTime()
				b.StopTimer()
				wall += time.Since(br.tick)
				cpu += c1 - c0
				br.c.Stop()
				if err != nil {
					b.Fatal(err)
				}
				p99 += pct(br.lateness(), 99)
			}
			runs := float64(b.N) * n
			b.ReportMetric(float64(wall)/runs, "ns/run")
			b.ReportMetric(float64(cpu)/runs, "cpu-ns/run")
			b.ReportMetric(float64(p99)/float64(b.N), "p99-late-ns")
		})
	}
}

// burstLead is how long after registration a burst's tick comes.
const burstLead = 200 * time.Millisecond

// BenchmarkFuture compares a function started with periodic.Go and
// awaited with a go statement and a WaitGroup: the cost of a run's Future
// outside the scheduler.
func BenchmarkFuture(b *testing.B) {
	ctx := context.Background()
	fn := func(context.Context) (struct{}, error) { return struct{}{}, nil }
	b.Run("periodic.Go+Await", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = periodic.Go(ctx, fn).Await(ctx)
		}
	})
	b.Run("go+WaitGroup", func(b *testing.B) {
		b.ReportAllocs()
		var wg sync.WaitGroup
		for b.Loop() {
			wg.Add(1)
			go func() {
				_, _ = fn(ctx)
				wg.Done()
			}()
			wg.Wait()
		}
	})
}

// BenchmarkRunNow is periodic's per-run path without the dispatcher:
// RunNow on an idle job and Await of its future.
func BenchmarkRunNow(b *testing.B) {
	ctx := context.Background()
	s := periodic.New()
	s.Start()
	defer func() { _ = s.Shutdown(ctx) }()
	j, err := periodic.Schedule(s, periodic.Every(IdleEvery), func(context.Context) (struct{}, error) { return struct{}{}, nil })
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = j.RunNow().Await(ctx)
	}
}
