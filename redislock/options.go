package redislock

import (
	"fmt"
	"strings"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/periodic-go/periodic"
)

// Defaults of the options, listed in New's doc comment.
const (
	defaultNamespace = "periodic"
	defaultRetention = 24 * time.Hour
	defaultLeaseTTL  = 30 * time.Second
)

// Option configures a Locker; pass options to New.
type Option func(*config)

// config is what the options set. New validates it as a whole, so the order
// of the options does not matter; when an option is given twice, the last
// one wins.
type config struct {
	namespace   string
	retention   time.Duration
	leaseTTL    time.Duration
	renew       time.Duration // zero: leaseTTL / 3
	clock       clock.Clock
	atLeastOnce bool

	// onRenew, when set (by tests only), is called by a lease's renewal
	// goroutine after each renewal attempt with its outcome.
	onRenew func(held bool, err error)
}

// WithNamespace sets the prefix of every key the Locker writes, so that
// several applications can share one Redis. It must be non-empty and
// must not contain '{' or '}', which would break the keys' hash tags.
// Replicas that run the same jobs must use the same namespace.
func WithNamespace(ns string) Option {
	return func(c *config) { c.namespace = ns }
}

// WithRetention sets how long a claim is kept after it was made. A claim
// is what stops a second replica from running the same tick, so retention
// must exceed the largest clock skew between replicas plus the longest
// time a replica may run a tick late (its misfire window: at least the
// longest interval of any job, and the whole catch-up span for jobs that
// use periodic.MisfireCatchUp). It must also exceed the lease TTL. Once a
// claim has expired, the same tick can run again.
func WithRetention(d time.Duration) Option {
	return func(c *config) { c.retention = d }
}

// WithLeaseTTL sets the time to live of a lease key, which a running
// replica keeps renewing while its run lasts; the key disappears that long
// after the replica stopped renewing it (it died, or lost Redis). It must
// be at least a millisecond.
func WithLeaseTTL(d time.Duration) Option {
	return func(c *config) { c.leaseTTL = d }
}

// WithRenewInterval sets how often a lease is renewed while its run lasts.
// It must be positive and shorter than the lease TTL; the default is a
// third of the lease TTL, which survives one failed renewal.
func WithRenewInterval(d time.Duration) Option {
	return func(c *config) { c.renew = d }
}

// WithClock sets the clock that paces lease renewal. The default is the
// real clock, clock.New(); tests pass a *clock.Mock. Key expiry is always
// Redis' own, in real time.
func WithClock(c clock.Clock) Option {
	return func(cfg *config) { cfg.clock = c }
}

// WithAtLeastOnce lets a Claim take over a tick whose holder stopped
// renewing its lease before it released the claim, most likely because
// it died mid-run. The tick then runs again on the replica whose Claim
// came after the lease expired. Without this option a tick whose replica
// died mid-run is not run again (at most once). Runs that finished, and
// released their lease, are never taken over. All replicas of a job must
// agree on this option.
//
// A replica cut off from Redis for longer than the lease TTL looks dead
// too, so with this option a tick may run twice; jobs must be idempotent.
func WithAtLeastOnce() Option {
	return func(c *config) { c.atLeastOnce = true }
}

// newConfig applies opts over the defaults and validates the result.
func newConfig(opts []Option) (config, error) {
	c := config{
		namespace: defaultNamespace,
		retention: defaultRetention,
		leaseTTL:  defaultLeaseTTL,
		clock:     clock.New(),
	}
	for _, opt := range opts {
		if opt == nil {
			return config{}, fmt.Errorf("%w: redislock.New: nil Option", periodic.ErrInvalid)
		}
		opt(&c)
	}
	if c.renew == 0 && c.leaseTTL > 0 {
		c.renew = c.leaseTTL / 3
	}
	return c, c.validate()
}

// validate reports the first bad value, naming the option that set it.
func (c *config) validate() error {
	switch {
	case c.namespace == "":
		return invalid("WithNamespace(%q): the namespace must not be empty", c.namespace)
	case strings.ContainsAny(c.namespace, "{}"):
		return invalid("WithNamespace(%q): the namespace must not contain '{' or '}'", c.namespace)
	case c.leaseTTL < time.Millisecond:
		return invalid("WithLeaseTTL(%v): the lease TTL must be at least 1ms", c.leaseTTL)
	case c.renew <= 0 || c.renew >= c.leaseTTL:
		return invalid("WithRenewInterval(%v): the renew interval must be positive and shorter than the lease TTL (%v)", c.renew, c.leaseTTL)
	case c.retention <= c.leaseTTL:
		return invalid("WithRetention(%v): the retention must be longer than the lease TTL (%v)", c.retention, c.leaseTTL)
	case c.clock == nil:
		return invalid("WithClock(nil): the clock must not be nil")
	}
	return nil
}

// invalid returns an error wrapping periodic.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: redislock."+format, append([]any{periodic.ErrInvalid}, args...)...)
}
