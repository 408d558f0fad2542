package pgstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/periodic-go/periodic/periodictest/storetest"
)

// BenchmarkClaims measures claims on a PostgreSQL on loopback, with one
// and three replicas racing for each tick:
//
//	scripts/with-postgres.sh go test -run '^$' -bench Claims ./pgstore
func BenchmarkClaims(b *testing.B) {
	pool := newPool(b)
	for _, r := range []int{1, 3} {
		b.Run(fmt.Sprintf("replicas=%d", r), func(b *testing.B) { storetest.BenchClaims(b, newStore(b, pool), r) })
	}
}

// BenchmarkRuns runs b.N runs spread over 1 or 10,000 jobs and reports
// the rows per job in the store's tables, which must not grow with the
// runs. Its connections commit with synchronous_commit off, which changes
// how fast a million runs go, not the rows they leave (the claims
// benchmark measures the durable speed):
//
//	scripts/with-postgres.sh go test -run '^$' -bench Runs -benchtime 1000000x -timeout 1h ./pgstore
func BenchmarkRuns(b *testing.B) {
	cfg, err := pgxpool.ParseConfig(need(b, "POSTGRES_DSN"))
	if err != nil {
		b.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	for _, jobs := range []int{1, 10_000} {
		b.Run(fmt.Sprintf("jobs=%d", jobs), func(b *testing.B) {
			st := newStore(b, pool)
			storetest.BenchRuns(b, st, "job", jobs)
			var rows int64
			err := pool.QueryRow(context.Background(), `SELECT
				(SELECT count(*) FROM periodic_jobs WHERE ns = $1) +
				(SELECT count(*) FROM periodic_history WHERE ns = $1) +
				(SELECT count(*) FROM periodic_ranges WHERE ns = $1)`, st.ns).Scan(&rows)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(rows)/float64(jobs), "rows/job")
			b.ReportMetric(float64(b.N)/float64(jobs), "runs/job")
		})
	}
}
