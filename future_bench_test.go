package periodic_test

import (
	"context"
	"testing"

	"github.com/periodic-go/periodic"
)

// The costs of futures, to compare with BenchmarkBareGoroutine: go
// test -run '^$' -bench 'Promise|Go|OnDone|Gather' -benchmem .

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
