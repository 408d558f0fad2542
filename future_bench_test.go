package periodic_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
)

// The costs of futures, to compare with BenchmarkBareGoroutine: go
// test -run '^$' -bench 'Promise|Go|OnDone|Gather|RunFuture|BurstRead' -benchmem .

// BenchmarkPromiseSettle is a new promise resolved once.
func BenchmarkPromiseSettle(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := periodic.NewPromise[int]()
		if err := p.Resolve(i); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareGoroutine is the baseline for BenchmarkGo: a goroutine
// that closes a channel, and a wait for it.
func BenchmarkBareGoroutine(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		done := make(chan struct{})
		go func() { close(done) }()
		<-done
	}
}

// BenchmarkGo is Go with a function that returns at once, and a wait for
// its future.
func BenchmarkGo(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	for b.Loop() {
		<-periodic.Go(ctx, fn).Done()
	}
}

// BenchmarkOnDone is a promise with one callback, resolved, and a wait
// for the callback to have run.
func BenchmarkOnDone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p := periodic.NewPromise[int]()
		ran := make(chan struct{})
		p.Future().OnDone(func(*periodic.Future[int]) { close(ran) })
		if err := p.Resolve(1); err != nil {
			b.Fatal(err)
		}
		<-ran
	}
}

// BenchmarkGather1000 gathers 1000 pending promises and resolves them;
// making the promises is not timed.
func BenchmarkGather1000(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		ps, fs := newPromises(1000)
		b.StartTimer()
		g := periodic.Gather(fs...)
		for i, p := range ps {
			if err := p.Resolve(i); err != nil {
				b.Fatal(err)
			}
		}
		if v, err := g.Result(); err != nil || len(v) != 1000 {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkRunFuture is a run started with RunNow on a started scheduler
// (real clock), and a wait for its end: read through Done, or through
// OnRun + OnDone as cmd/peers' periodic+OnDone reads every run. The
// difference between the two is the cost of reading a run's future with
// a callback.
func BenchmarkRunFuture(b *testing.B) {
	for _, tc := range []struct {
		name   string
		onDone bool
	}{{"Done", false}, {"OnRun+OnDone", true}} {
		b.Run(tc.name, func(b *testing.B) {
			s := periodic.New()
			job, err := periodic.Schedule(s, periodic.Every(time.Hour), nop)
			if err != nil {
				b.Fatal(err)
			}
			ran := make(chan struct{}, 1)
			if tc.onDone {
				job.OnRun(func(_ time.Time, f *periodic.Future[struct{}]) {
					f.OnDone(func(*periodic.Future[struct{}]) { ran <- struct{}{} })
				})
			}
			s.Start()
			b.ReportAllocs()
			for b.Loop() {
				f := job.RunNow()
				if tc.onDone {
					<-ran
				} else {
					<-f.Done()
				}
			}
			if err := s.Shutdown(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkBurstRead is BenchmarkBurst's periodic case, run side by side
// with the same jobs reading every run's future through OnRun + OnDone
// (the steady bursts' periodic+OnDone): one burst of 10,000 runs per
// iteration, CPU per run; a run counts once its callback has run.
func BenchmarkBurstRead(b *testing.B) {
	const period = 100 * time.Millisecond
	for _, read := range []bool{false, true} {
		name := "periodic"
		if read {
			name = "periodic+OnDone"
		}
		b.Run(name, func(b *testing.B) {
			var done atomic.Int64
			var mu sync.Mutex
			cond := sync.NewCond(&mu)
			count := func() {
				if done.Add(1)%burst == 0 {
					mu.Lock()
					cond.Broadcast()
					mu.Unlock()
				}
			}
			fn := func(context.Context) (struct{}, error) {
				if !read {
					count()
				}
				return struct{}{}, nil
			}
			onDone := func(*periodic.Future[struct{}]) { count() }
			s := periodic.New()
			start := time.Now().Add(period).Truncate(period)
			for range burst {
				job, err := periodic.Schedule(s, periodic.Every(period), fn, periodic.WithStartAt(start))
				if err != nil {
					b.Fatal(err)
				}
				if read {
					job.OnRun(func(_ time.Time, f *periodic.Future[struct{}]) { f.OnDone(onDone) })
				}
			}
			s.Start()
			measureBursts(b, &done, &mu, cond)
			_ = s.Shutdown(context.Background())
		})
	}
}
