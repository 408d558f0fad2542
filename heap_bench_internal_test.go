package periodic

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
)

// BenchmarkHeapBurst is the heap's part of a burst: 10,000 jobs' ticks
// due at one instant, each popped as the releaser does and pushed back
// one period later, as its fire does. It reports the time per tick.
func BenchmarkHeapBurst(b *testing.B) {
	const n = 10_000
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := clock.NewMock()
	m.Set(t0)
	s := New(WithClock(m), WithLocation(time.UTC), WithLogger(slog.New(slog.DiscardHandler)))
	for range n {
		if _, err := Schedule(s, Every(time.Second), func(context.Context) (int, error) { return 0, nil }); err != nil {
			b.Fatal(err)
		}
	}
	s.Start()
	b.ReportAllocs()
	b.ResetTimer()
	s.mu.Lock()
	for b.Loop() {
		for range n {
			e := s.heap.peek()
			s.heap.remove(e)
			e.when = e.when.Add(time.Second)
			s.seq++
			e.seq = s.seq
			s.heap.push(e)
		}
	}
	s.mu.Unlock()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/tick")
	_ = s.Shutdown(context.Background())
}
