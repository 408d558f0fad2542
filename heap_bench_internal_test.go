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
// slot to the push (replace-top); "two-walks" takes the root out
// and pushes from a leaf, as before, the comparison in the same run.
func BenchmarkHeapLoneTick(b *testing.B) {
	const idle = 100_000
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, mode := range []string{"slot", "two-walks"} {
		b.Run(mode, func(b *testing.B) {
			var h deadlines
			var seq uint64
			for i := range idle {
				seq++
				h.push(&entry{when: t0.Add(time.Hour + time.Duration(i)*time.Millisecond), seq: seq, index: -1, ev: &fakeEvent{}})
			}
			tick := &entry{when: t0, index: -1, ev: &fakeEvent{}}
			h.push(tick)
			b.ReportAllocs()
			for b.Loop() {
				if mode == "slot" {
					h.pop()
				} else {
					h.remove(h.peek())
				}
				seq++
				tick.when, tick.seq = tick.when.Add(time.Millisecond), seq
				h.push(tick)
			}
		})
	}
}
