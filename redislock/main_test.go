package redislock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	redis.SetLogger(quiet{}) // dial failures are expected in these tests
	goleak.VerifyTestMain(m)
}

// quiet is a go-redis logger that prints nothing.
type quiet struct{}

// Printf discards its arguments.
func (quiet) Printf(context.Context, string, ...any) {}

// redisAddr returns the Redis to test against, from REDIS_ADDR (set by
// scripts/with-redis.sh). Without it the test is skipped, except on CI,
// where a missing Redis is a failure rather than a silent skip.
func redisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("REDIS_ADDR not set: run through scripts/with-redis.sh")
		}
		t.Skip("REDIS_ADDR not set: run through scripts/with-redis.sh")
	}
	return addr
}

// newClient returns a client of its own to addr, closed at cleanup. It
// fails fast when the server is down: one dial, no retries.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:          addr,
		MaxRetries:    -1,
		DialerRetries: 1,
		DialTimeout:   time.Second,
		PoolSize:      64, // dial errors never reach PoolSize: no background re-dialer
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newLocker returns a Locker on client in a namespace unique to the test,
// so runs against a long-lived Redis never see each other's keys.
func newLocker(t testing.TB, client redis.UniversalClient, ns string, opts ...Option) *Locker {
	t.Helper()
	l, err := New(client, append([]Option{WithNamespace(ns)}, opts...)...)
	require.NoError(t, err)
	return l
}

// uniqueNS returns a fresh namespace.
func uniqueNS(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "test-" + hex.EncodeToString(b[:])
}

// withRenewHook reports each renewal attempt of the Locker's leases.
func withRenewHook(f func(held bool, err error)) Option {
	return func(c *config) { c.onRenew = f }
}

// abandon stops a lease's renewal without releasing it, as if its replica
// had died mid-run.
func (ls *Lease) abandon() {
	ls.cancel()
	<-ls.done
}

// waitFor polls cond every few milliseconds until it holds, for at most
// 10 s. It is for conditions that Redis decides in real time (key expiry,
// a server accepting connections), never for the code under test.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// waitGone waits until key has expired (PTTL -2).
func waitGone(t testing.TB, c redis.UniversalClient, key string) {
	t.Helper()
	waitFor(t, key+" to expire", func() bool {
		d, err := c.PTTL(context.Background(), key).Result()
		require.NoError(t, err)
		return d == -2*time.Nanosecond
	})
}

// freePort returns a loopback port that nothing listens on right now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

// redisServer is a redis-server child of the test, on a fixed port, that
// the test can stop and start again.
type redisServer struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	args []string // extra arguments
	cmd  *exec.Cmd
}

// startRedisServer starts a private redis-server from REDIS_SERVER_BIN on
// a free port, with args added to its command line, and stops it at
// cleanup.
func startRedisServer(t testing.TB, args ...string) *redisServer {
	t.Helper()
	redisAddr(t) // same skip rule as every Redis test
	bin := os.Getenv("REDIS_SERVER_BIN")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("REDIS_SERVER_BIN not set: run through scripts/with-redis.sh")
		}
		t.Skip("REDIS_SERVER_BIN not set: run through scripts/with-redis.sh")
	}
	s := &redisServer{t: t, bin: bin, dir: t.TempDir(), port: freePort(t), args: args}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// addr returns the server's address.
func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// start runs the server and waits until it answers PING.
func (s *redisServer) start() {
	s.t.Helper()
	args := append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--logfile", ""}, s.args...)
	s.cmd = exec.Command(s.bin, args...)
	require.NoError(s.t, s.cmd.Start())
	probe := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1, DialerRetries: 1, PoolSize: 1000})
	defer probe.Close()
	waitFor(s.t, "redis-server on "+s.addr(), func() bool {
		return probe.Ping(context.Background()).Err() == nil
	})
}

// stop kills the server, if running, and waits for it to exit.
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}
