package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// need returns the environment variable name (set by
// scripts/with-postgres.sh). Without it the test is skipped, except with
// CI=true, where a missing server is a failure rather than a silent skip.
func need(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(name + " not set: run through scripts/with-postgres.sh")
		}
		t.Skip(name + " not set: run through scripts/with-postgres.sh")
	}
	return v
}

// newPool returns a pool on POSTGRES_DSN, closed at cleanup.
func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), need(t, "POSTGRES_DSN"))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// newStore returns a migrated Store in a namespace unique to the test.
func newStore(t testing.TB, pool *pgxpool.Pool) *Store {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	st, err := New(pool, "test-"+hex.EncodeToString(b[:]))
	require.NoError(t, err)
	require.NoError(t, st.Migrate(context.Background()))
	return st
}

// pgctl runs POSTGRES_PGCTL (pg_ctl, as the postgres user when we are
// root) on the test server's data directory, its output and the server's
// going to the server's log (a pipe would be held open by the server).
func pgctl(t testing.TB, args ...string) {
	t.Helper()
	cmd := strings.Fields(need(t, "POSTGRES_PGCTL"))
	cmd = append(cmd, "-D", need(t, "POSTGRES_PGDATA"), "-l", need(t, "POSTGRES_PGLOG"), "-w", "-t", "30")
	require.NoError(t, exec.Command(cmd[0], append(cmd[1:], args...)...).Run(), "pg_ctl %v", args)
}
