package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
)

func TestNewBadInput(t *testing.T) {
	_, err := New(nil, "p")
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.ErrorContains(t, err, "pgstore.New: nil pool")
	pool, err := pgxpool.New(context.Background(), "postgres://127.0.0.1:1/x")
	require.NoError(t, err) // connects lazily
	defer pool.Close()
	_, err = New(pool, "")
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.ErrorContains(t, err, "empty namespace")
}

// TestClosedPool: a closed pool is an error naming the job and saying
// the pool is closed, never a lost claim.
func TestClosedPool(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), "postgres://127.0.0.1:1/x")
	require.NoError(t, err)
	st, err := New(pool, "p")
	require.NoError(t, err)
	pool.Close()
	tick := time.Unix(10, 0)
	_, err = st.Claim(context.Background(), periodic.Claim{Job: "j", Tick: tick, Token: "t", Now: tick, TTL: time.Second})
	require.ErrorContains(t, err, `pgstore: claim "j": closed pool`)
	require.NotErrorIs(t, err, periodic.ErrClaimed)
	_, err = st.Load(context.Background(), "j")
	require.ErrorContains(t, err, `pgstore: load "j"`)
}

// TestRowsPerJob: after many runs a job owns one row and a bounded
// history.
func TestRowsPerJob(t *testing.T) {
	pool := newPool(t)
	st := newStore(t, pool)
	ctx := context.Background()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for k := range 200 {
		tick := t0.Add(time.Duration(k) * time.Second)
		g, err := st.Claim(ctx, periodic.Claim{Job: "j", Tick: tick, Token: "t", Now: tick, TTL: time.Minute})
		require.NoError(t, err)
		require.Equal(t, periodic.StatusWon, g.Status)
		_, err = st.Release(ctx, g.Lease, periodic.RunRecord{Tick: tick}, 8, periodic.Claim{})
		require.NoError(t, err)
	}
	var jobs, hist int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM periodic_jobs WHERE ns = $1`, st.ns).Scan(&jobs))
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM periodic_history WHERE ns = $1`, st.ns).Scan(&hist))
	require.Equal(t, []int{1, 8}, []int{jobs, hist})
}
