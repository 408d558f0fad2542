package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/periodic-go/periodic/periodictest/storetest"
)

// BenchmarkClaims measures claims on a Redis on loopback, with one and
// three replicas racing for each tick:
//
//	scripts/with-redis.sh go test -run '^$' -bench Claims ./redisstore
func BenchmarkClaims(b *testing.B) {
	addr := need(b, "REDIS_ADDR")
	for _, r := range []int{1, 3} {
		b.Run(fmt.Sprintf("replicas=%d", r), func(b *testing.B) { storetest.BenchClaims(b, newStore(b, addr), r) })
	}
}

// BenchmarkRuns runs b.N runs spread over 1 or 10,000 jobs on a private
// redis-server and reports its used_memory per job and the keys per job,
// which must not grow with the runs:
//
//	scripts/with-redis.sh go test -run '^$' -bench Runs -benchtime 1000000x ./redisstore
func BenchmarkRuns(b *testing.B) {
	for _, jobs := range []int{1, 10_000} {
		b.Run(fmt.Sprintf("jobs=%d", jobs), func(b *testing.B) {
			srv := startServer(b, false)
			c := newClient(b, srv.addr())
			st := newStore(b, srv.addr())
			ctx := context.Background()
			for _, s := range []*redis.Script{claimScript, renewScript, releaseScript, rangeScript} {
				if err := s.Load(ctx, c).Err(); err != nil {
					b.Fatal(err)
				}
			}
			before := usedMemory(b, c)
			storetest.BenchRuns(b, st, "job", jobs)
			keys, err := c.DBSize(ctx).Result()
			if err != nil {
				b.Fatal(err)
			}
			var usage int64
			sample := min(jobs, 100)
			for i := range sample {
				for _, k := range []string{st.Key(fmt.Sprint("job-", i)), st.Key(fmt.Sprint("job-", i)) + ":h"} {
					usage += c.MemoryUsage(ctx, k, 0).Val()
				}
			}
			b.ReportMetric(float64(usage)/float64(sample), "key-B/job")
			b.ReportMetric(float64(usedMemory(b, c)-before)/float64(jobs), "used_memory-B/job")
			b.ReportMetric(float64(keys)/float64(jobs), "keys/job")
			b.ReportMetric(float64(b.N)/float64(jobs), "runs/job")
		})
	}
}

// usedMemory returns the server's used_memory.
func usedMemory(b *testing.B, c *redis.Client) int64 {
	info, err := c.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	b.Fatal("no used_memory in INFO")
	return 0
}
