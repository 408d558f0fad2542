package periodictest

import (
	"context"
	"sync"
	"time"

	"github.com/periodic-go/periodic/internal/drive"
)

// deadlineCtx is a context that ends at a deadline of a Clock, or with its
// parent, or when cancelled. Contexts derived from it see its error.
type deadlineCtx struct {
	parent   context.Context
	deadline time.Time
	done     chan struct{}

	// mu guards the fields below.
	mu      sync.Mutex
	err     error
	ends    []func() // called once it ends
	unwatch func() bool
}

// newDeadlineCtx returns a pending context that ends with parent.
func newDeadlineCtx(parent context.Context, d time.Time) *deadlineCtx {
	c := &deadlineCtx{parent: parent, deadline: d, done: make(chan struct{})}
	stop := context.AfterFunc(parent, func() { c.cancel(parent.Err()) })
	c.mu.Lock()
	c.unwatch = stop
	c.mu.Unlock()
	return c
}

// onEnd arranges for f to be called once the context ends, at once if it
// has.
func (c *deadlineCtx) onEnd(f func()) {
	c.mu.Lock()
	if c.err == nil {
		c.ends = append(c.ends, f)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	f()
}

// cancel ends the context with err, once.
func (c *deadlineCtx) cancel(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	close(c.done)
	ends, unwatch := c.ends, c.unwatch
	c.ends = nil
	c.mu.Unlock()
	if unwatch != nil {
		unwatch()
	}
	for _, f := range ends {
		f()
	}
}

// Deadline returns the deadline.
func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Done returns a channel closed when the context ends.
func (c *deadlineCtx) Done() <-chan struct{} { return c.done }

// Err returns nil until the context ends, then why it ended.
func (c *deadlineCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Value defers to the parent.
func (c *deadlineCtx) Value(key any) any { return c.parent.Value(key) }

// WithDeadline returns a copy of parent that ends at d on the clock, with
// context.DeadlineExceeded, as clock.Mock's WithDeadline does. The
// returned cancel function releases its timer.
func (c *Clock) WithDeadline(parent context.Context, d time.Time) (context.Context, context.CancelFunc) {
	if cur, ok := parent.Deadline(); ok && cur.Before(d) {
		return context.WithCancel(parent) // the parent ends sooner
	}
	ctx := newDeadlineCtx(parent, d)
	dur := d.Sub(c.Now())
	if dur <= 0 {
		ctx.cancel(context.DeadlineExceeded)
		return ctx, func() { ctx.cancel(context.Canceled) }
	}
	var place any
	if drive.Place != nil {
		place = drive.Place(parent)
	}
	r := c.newOnce(dur, func() { ctx.cancel(context.DeadlineExceeded) }, nil, place)
	ctx.onEnd(func() { c.forget(r) })
	return ctx, func() { ctx.cancel(context.Canceled) }
}

// WithTimeout is WithDeadline at the clock's time plus t.
func (c *Clock) WithTimeout(parent context.Context, t time.Duration) (context.Context, context.CancelFunc) {
	return c.WithDeadline(parent, c.Now().Add(t))
}
