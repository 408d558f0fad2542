package redislock

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/benbjohnson/clock"
	"github.com/redis/go-redis/v9"
)

// Lease is a claim won by Locker.Claim, held while the run lasts. Until
// Release, a goroutine owned by the Lease renews the tick's lease key
// every renew interval (see WithRenewInterval), which tells the other
// replicas that the holder is alive. Renewals that fail because Redis is
// unreachable are retried at the next interval; renewal stops when the
// client is closed or when the claim turns out to be someone else's.
//
// Release stops the renewal and marks the claim done; it never deletes the
// claim. A Lease is safe for use by several goroutines.
type Lease struct {
	client  redis.UniversalClient
	keys    []string // the claim key, then the lease key
	token   string
	ttl     int64 // lease TTL in ms
	onRenew func(held bool, err error)

	cancel context.CancelFunc // stops the renewal goroutine
	done   chan struct{}      // closed when the renewal goroutine returned

	lost     chan struct{} // closed once the claim is known to be lost
	lostOnce sync.Once

	releaseOnce sync.Once
	releaseErr  error // written once, inside releaseOnce
}

// newLease returns the lease of a won claim and starts its renewal. The
// ticker is made here, before Claim returns, so that a mock clock moved
// right after Claim already paces it.
func (l *Locker) newLease(ctx context.Context, keys []string, token string) *Lease {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ls := &Lease{
		client:  l.client,
		keys:    keys,
		token:   token,
		ttl:     ms(l.cfg.leaseTTL),
		onRenew: l.cfg.onRenew,
		cancel:  cancel,
		done:    make(chan struct{}),
		lost:    make(chan struct{}),
	}
	t := l.cfg.clock.Ticker(l.cfg.renew)
	go ls.keepAlive(ctx, t)
	return ls
}

// keepAlive renews the lease at every tick of t until ctx ends, the claim
// is lost or the client is closed.
func (ls *Lease) keepAlive(ctx context.Context, t *clock.Ticker) {
	defer close(ls.done)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		held, err := ls.renew(ctx)
		if ls.onRenew != nil {
			ls.onRenew(held, err)
		}
		if err == nil && !held {
			ls.markLost()
			return
		}
		if errors.Is(err, redis.ErrClosed) {
			return
		}
	}
}

// renew rewrites the lease key with a fresh TTL if the claim is ours.
func (ls *Lease) renew(ctx context.Context) (held bool, err error) {
	res, err := renewScript.Run(ctx, ls.client, ls.keys, ls.token, ls.ttl).Int()
	return res == 1, err
}

// markLost closes the lost channel, once.
func (ls *Lease) markLost() {
	ls.lostOnce.Do(func() { close(ls.lost) })
}

// Lost returns a channel that is closed when this replica learns that the
// claim is no longer its own: a renewal or Release found another token in
// the claim key, or no claim key at all. It is never closed otherwise.
// Code that calls Claim itself can stop its work early when it closes;
// that happens only with WithAtLeastOnce, or when Redis lost its data.
func (ls *Lease) Lost() <-chan struct{} {
	return ls.lost
}

// Release stops the renewal, waits for the renewal goroutine to return,
// then, in one atomic step, marks the claim done (it keeps it until its
// retention ends) and deletes the lease key. It returns an error wrapping
// ErrLeaseLost when the claim was no longer this replica's, or the Redis
// error, naming the key, when Redis could not be reached. Release blocks
// for one round trip and honours ctx; calls after the first return the
// first call's result.
func (ls *Lease) Release(ctx context.Context) error {
	ls.releaseOnce.Do(func() {
		ls.cancel()
		<-ls.done
		ls.releaseErr = ls.release(ctx)
	})
	return ls.releaseErr
}

// release runs releaseScript.
func (ls *Lease) release(ctx context.Context) error {
	res, err := releaseScript.Run(ctx, ls.client, ls.keys, ls.token).Int()
	if err != nil {
		return fmt.Errorf("redislock: release %s: %w", ls.keys[0], err)
	}
	if res == 0 {
		ls.markLost()
		return fmt.Errorf("%w: %s is no longer held by this replica", ErrLeaseLost, ls.keys[0])
	}
	return nil
}
