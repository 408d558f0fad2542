package redisstore

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
	redis.SetLogger(quiet{}) // dial failures are expected in the outage tests
	goleak.VerifyTestMain(m)
}

// quiet is a go-redis logger that prints nothing.
type quiet struct{}

// Printf discards its arguments.
func (quiet) Printf(context.Context, string, ...any) {}

// need returns the environment variable name (set by
// scripts/with-redis.sh). Without it the test is skipped, except with
// CI=true, where a missing Redis is a failure rather than a silent skip.
func need(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(name + " not set: run through scripts/with-redis.sh")
		}
		t.Skip(name + " not set: run through scripts/with-redis.sh")
	}
	return v
}

// newClient returns a client of its own to addr, closed at cleanup, that
// fails fast when the server is down.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second, PoolSize: 64})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newStore returns a Store on addr in a namespace unique to the test.
func newStore(t testing.TB, addr string) *Store {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	st, err := New(newClient(t, addr), "test-"+hex.EncodeToString(b[:]))
	require.NoError(t, err)
	return st
}

// redisServer is a private redis-server of the test, with an append-only
// file synced at every write, that the test can kill and start again.
type redisServer struct {
	t       testing.TB
	bin     string
	dir     string
	port    int
	cmd     *exec.Cmd
	durable bool // append-only file, synced at every write
}

// startServer starts a private redis-server from REDIS_SERVER_BIN on a
// free port, durable or not, and stops it at cleanup.
func startServer(t testing.TB, durable bool) *redisServer {
	t.Helper()
	bin := need(t, "REDIS_SERVER_BIN")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	s := &redisServer{t: t, bin: bin, dir: t.TempDir(), port: port, durable: durable}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// addr returns the server's address.
func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// start runs the server and waits until it answers PING: Redis decides
// that in real time, so this polls, at most 10 s.
func (s *redisServer) start() {
	s.t.Helper()
	aof := []string{"--appendonly", "no"}
	if s.durable {
		aof = []string{"--appendonly", "yes", "--appendfsync", "always"}
	}
	s.cmd = exec.Command(s.bin, append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port), "--save", "",
		"--dir", s.dir, "--logfile", ""}, aof...)...)
	require.NoError(s.t, s.cmd.Start())
	probe := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1, DialerRetries: 1})
	defer probe.Close()
	deadline := time.Now().Add(10 * time.Second)
	for probe.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %s did not answer", s.addr())
		}
		time.Sleep(10 * time.Millisecond)
	}
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
