package periodictest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/periodic-go/periodic"
)

// Locker is an in-memory periodic.Locker for tests of replicated
// schedulers in one process: share one Locker between several schedulers
// and each (job, tick) runs on one of them. Claims are kept for the
// Locker's life and never deleted. Fail makes claims fail, as an
// unreachable Redis would. It is safe for use by several goroutines; the
// zero value is ready to use.
type Locker struct {
	mu     sync.Mutex // guards the fields below
	claims map[string]int
	fail   error
	n      int
}

// NewLocker returns an empty Locker.
func NewLocker() *Locker { return &Locker{} }

// Claim claims (job, tick) for the caller. The first claim of a pair wins;
// later ones fail with an error wrapping periodic.ErrClaimed.
func (l *Locker) Claim(_ context.Context, job string, tick time.Time) (periodic.Lease, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return nil, l.fail
	}
	key := job + "@" + tick.UTC().Format(time.RFC3339Nano)
	if l.claims == nil {
		l.claims = make(map[string]int)
	}
	if _, taken := l.claims[key]; taken {
		return nil, fmt.Errorf("%w: %s", periodic.ErrClaimed, key)
	}
	l.n++
	l.claims[key] = l.n
	return lease{}, nil
}

// Fail makes every later claim fail with err, or succeed again when err is
// nil.
func (l *Locker) Fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fail = err
}

// Claims returns how many claims were won.
func (l *Locker) Claims() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// lease is a won claim; releasing it keeps the claim.
type lease struct{}

// Release does nothing: claims are never deleted.
func (lease) Release(context.Context) error { return nil }
