package redislock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/periodic-go/periodic"
)

// ErrLeaseLost is returned by Lease.Release, wrapped, when the claim was
// no longer this replica's by the end of the run: another replica took it
// over (see WithAtLeastOnce), or Redis lost it (a restart without
// persistence, an eviction, a FLUSHALL). The run has happened all the
// same; the error is for logs and metrics.
var ErrLeaseLost = errors.New("redislock: lease lost")

// Locker is a periodic.Locker backed by Redis: each tick of a job runs on
// the one replica whose Claim wrote the tick's claim key first. Pass it to
// periodic.New with periodic.WithLocker on every replica.
//
// A Locker is safe for use by several goroutines and holds no goroutine of
// its own; each won Lease owns one renewal goroutine until it is released.
// The zero value is not usable: create Lockers with New.
type Locker struct {
	client redis.UniversalClient
	cfg    config
}

var _ periodic.Locker = (*Locker)(nil)

// New returns a Locker that keeps its claims in the Redis reached by
// client, which the caller keeps owning (and closes after the scheduler
// has shut down). Any client works: a *redis.Client, a *redis.ClusterClient
// (a job's keys share a hash slot) or a *redis.Ring. The server must be
// Redis 6.0 or later.
//
// Defaults: namespace "periodic", retention 24h, lease TTL 30s, renewal
// every third of the lease TTL, the real clock, at most once per tick.
// New returns an error wrapping periodic.ErrInvalid, naming the bad value,
// for a nil client or a bad option value. It does not contact Redis.
func New(client redis.UniversalClient, opts ...Option) (*Locker, error) {
	if isNil(client) {
		return nil, fmt.Errorf("%w: redislock.New: nil Redis client", periodic.ErrInvalid)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Locker{client: client, cfg: cfg}, nil
}

// isNil reports a nil client, including a typed nil of go-redis' clients.
func isNil(c redis.UniversalClient) bool {
	switch c := c.(type) {
	case nil:
		return true
	case *redis.Client:
		return c == nil
	case *redis.ClusterClient:
		return c == nil
	case *redis.Ring:
		return c == nil
	}
	return false
}

// Claim claims the run of the named job at tick for this replica, in one
// atomic step that writes the tick's claim key (kept for the retention
// period) and its lease key. It returns a *Lease, whose renewal goroutine
// runs until Release, when the tick was free (or, with WithAtLeastOnce,
// abandoned by a holder that stopped renewing its lease). It returns an
// error wrapping periodic.ErrClaimed when another replica holds or held
// the tick, and another error, naming the key, when Redis could not be
// reached or answered with an error; the tick does not run then.
//
// Claim blocks for one round trip to Redis and honours ctx. An empty job
// name or a zero tick is an error wrapping periodic.ErrInvalid. Claim is
// safe to call from several goroutines.
func (l *Locker) Claim(ctx context.Context, job string, tick time.Time) (periodic.Lease, error) {
	if job == "" {
		return nil, fmt.Errorf("%w: redislock.Claim: empty job name", periodic.ErrInvalid)
	}
	if tick.IsZero() {
		return nil, fmt.Errorf("%w: redislock.Claim(%q): zero tick", periodic.ErrInvalid, job)
	}
	keys := []string{l.ClaimKey(job, tick), l.LeaseKey(job, tick)}
	token := newToken()
	takeOver := "0"
	if l.cfg.atLeastOnce {
		takeOver = "1"
	}
	res, err := claimScript.Run(ctx, l.client, keys, token,
		ms(l.cfg.retention), ms(l.cfg.leaseTTL), takeOver).Int()
	if err != nil {
		return nil, fmt.Errorf("redislock: claim %s: %w", keys[0], err)
	}
	if res == 0 {
		return nil, fmt.Errorf("%w: %s at %s (key %s)", periodic.ErrClaimed,
			job, tick.UTC().Format(time.RFC3339Nano), keys[0])
	}
	return l.newLease(ctx, keys, token), nil
}

// ClaimKey returns the key of the claim of job at tick:
// "<namespace>:{<job>}:tick:<tick in Unix nanoseconds>". Its value is the
// holder's token while the run lasts and "done:<token>" after Release; it
// expires at the end of the retention period.
func (l *Locker) ClaimKey(job string, tick time.Time) string {
	return l.key(job, "tick", tick)
}

// LeaseKey returns the key of the lease of job at tick:
// "<namespace>:{<job>}:lease:<tick in Unix nanoseconds>". It holds the
// holder's token, exists while the run lasts and is renewed, and is gone
// a lease TTL after the holder stopped renewing it, or at Release.
func (l *Locker) LeaseKey(job string, tick time.Time) string {
	return l.key(job, "lease", tick)
}

// key builds "<namespace>:{<job>}:<kind>:<unixnano>". The braces are a
// Redis Cluster hash tag: every key of a job lives in the same slot.
func (l *Locker) key(job, kind string, tick time.Time) string {
	b := make([]byte, 0, len(l.cfg.namespace)+len(job)+len(kind)+26)
	b = append(b, l.cfg.namespace...)
	b = append(b, ":{"...)
	b = append(b, job...)
	b = append(b, "}:"...)
	b = append(b, kind...)
	b = append(b, ':')
	b = strconv.AppendInt(b, tick.UnixNano(), 10)
	return string(b)
}

// newToken returns 128 random bits in hex, unique to one claim.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails, per crypto/rand
	return hex.EncodeToString(b[:])
}

// ms returns d in whole milliseconds, as Redis' PX wants, at least 1.
func ms(d time.Duration) int64 {
	return max(d.Milliseconds(), 1)
}
