package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
)

// BenchClaims measures the claims of one job's ticks by replicas
// replicas racing on st, as replicas do: each claims every tick in turn,
// and the winner releases it (a run shorter than a lease renewal, so no
// renewal). One op is one tick. It reports ticks/s, claims/s and the
// store round trips per tick (replicas claims plus one release).
func BenchClaims(b *testing.B, st periodic.Store, replicas int) {
	ctx := context.Background()
	job := fmt.Sprintf("bench-claims-%d-%d", replicas, rand.Uint64()) // a fresh job per run
	t0 := time.Unix(1_900_000_000, 0)
	var calls atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for r := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holder := fmt.Sprint("r", r)
			for k := 1; k <= b.N; k++ {
				tick := t0.Add(time.Duration(k) * time.Second)
				c := periodic.Claim{Job: job, Tick: tick, Holder: holder, Token: fmt.Sprint(holder, k), Now: tick, TTL: time.Minute}
				g, err := st.Claim(ctx, c)
				calls.Add(1)
				if err != nil {
					b.Error(err)
					return
				}
				if g.Status != periodic.StatusWon {
					continue
				}
				if _, err := st.Release(ctx, g.Lease, periodic.RunRecord{Tick: tick, Start: tick, End: tick}, 8, periodic.Claim{}); err != nil {
					b.Error(err)
					return
				}
				calls.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/elapsed, "ticks/s")
	b.ReportMetric(float64(b.N*replicas)/elapsed, "claims/s")
	b.ReportMetric(float64(calls.Load())/float64(b.N), "roundtrips/tick")
}

// BenchRuns runs b.N runs (a claim and a release with a history of 8)
// spread round-robin over jobs jobs named prefix-0 to prefix-(jobs-1),
// one replica. The caller measures what the backend holds afterwards.
func BenchRuns(b *testing.B, st periodic.Store, prefix string, jobs int) {
	ctx := context.Background()
	t0 := time.Unix(1_900_000_000, 0)
	names := make([]string, jobs)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tick := t0.Add(time.Duration(i/jobs+1) * time.Second)
		c := periodic.Claim{Job: names[i%jobs], Tick: tick, Holder: "r", Token: "t", Now: tick, TTL: time.Minute}
		g, err := st.Claim(ctx, c)
		if err != nil || g.Status != periodic.StatusWon {
			b.Fatalf("run %d: %v %v", i, g.Status, err)
		}
		if _, err := st.Release(ctx, g.Lease, periodic.RunRecord{Tick: tick, Start: tick, End: tick}, 8, periodic.Claim{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
}
