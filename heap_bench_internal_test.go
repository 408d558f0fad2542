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

// BenchmarkHeapLoneTick is the heap's part of one ticking job among
// 100,000 idle ones: its tick popped and its next tick pushed, the
// earliest again. "slot" pops as the releaser does, leaving the root's
// slot to the push (fillWith); "two-walks" takes the root out and pushes
// from a leaf, as before the slot, the comparison in the same run.
func BenchmarkHeapLoneTick(b *testing.B) {
	benchHeapTicks(b, time.Hour, func(e *entry) time.Time { return e.when.Add(time.Millisecond) })
}

// BenchmarkHeapStaggeredTick times what TestHeapStaggeredTickComparisons
// counts: 100,000 jobs ticking in turn, each one's next tick the latest.
func BenchmarkHeapStaggeredTick(b *testing.B) {
	benchHeapTicks(b, 0, func(e *entry) time.Time { return e.when.Add(100_000 * time.Millisecond) })
}

// benchHeapTicks fills a heap with 100,000 entries a millisecond apart
// from t0+idleFrom, plus one at t0 when idleFrom is not zero, then pops
// the earliest and pushes it back at next(e), in both modes.
func benchHeapTicks(b *testing.B, idleFrom time.Duration, next func(e *entry) time.Time) {
	const idle = 100_000
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, mode := range []string{"slot", "two-walks"} {
		b.Run(mode, func(b *testing.B) {
			var h deadlines
			var seq uint64
			for i := range idle {
				seq++
				h.push(&entry{when: t0.Add(idleFrom + time.Duration(i)*time.Millisecond), seq: seq, index: -1, ev: &fakeEvent{}})
			}
			if idleFrom != 0 {
				h.push(&entry{when: t0, index: -1, ev: &fakeEvent{}})
			}
			b.ReportAllocs()
			for b.Loop() {
				var e *entry
				if mode == "slot" {
					e = h.pop()
				} else {
					e = h.peek()
					h.remove(e)
				}
				seq++
				e.when, e.seq = next(e), seq
				h.push(e)
			}
		})
	}
}
