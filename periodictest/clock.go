package periodictest

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic/internal/drive"
)

// Clock is a fake clock.Clock for schedulers driven by Advance. Unlike
// *clock.Mock, moving it costs no real time while no timer was made
// through it, so a test can advance a day of once-a-second ticks in a
// second or two. A scheduler on a Clock leaves all its deadlines to
// Advance from the start.
//
// Timers made through the Clock by user code (AfterFunc, Timer, After,
// Sleep, Ticker, Tick, WithTimeout, WithDeadline) follow the same
// timeline as on a *clock.Mock: each fires at its exact instant, the
// clock reads that instant while its function runs, and timers armed or
// reset by that function count from it. Advance stops at each of them, one
// at a time, before the scheduler's deadlines of the same instant (as the
// mock fires its timers before the scheduler sees the new time), and waits
// for an AfterFunc's function to return, then for the scheduler to be
// idle, before it moves on. An AfterFunc's function therefore must not
// wait for the clock to move. Timers due at one instant fire in the order
// they were made, a timer that fired and was reset counting as made when
// it fired; so a function may stop a timer of its own instant, where the
// mock leaves that to a race.
//
// Timers are served by an inner *clock.Mock, so once the first is made,
// the Clock moves at the mock's pace of about a millisecond of real time
// per step. To find the next expiry, the Clock moves the mock ahead to
// the next step and back to the first expiry it saw, re-arming the timers
// that fired beyond it, so that a function may still stop or reset them.
// Ticks of a Ticker are sent by the mock as it passes them, which may be
// during such a look ahead: their values are their own instants. Stop and
// Reset called, while Advance runs, from goroutines that neither the
// scheduler nor the Clock runs may count from the mock's time ahead. A
// timer made by AfterFunc or Timer is watched for the Clock's life, as it
// may be reset, and each step looks at all of them: in long simulations
// prefer After, Sleep and contexts, which are let go once they end.
//
// A Clock is safe for use by several goroutines; create one with NewClock.
type Clock struct {
	//lint:ignore U1000 used: its promoted method makes Clock a drive.Driven
	marker // tells the scheduler that Advance moves this clock; unexported, so not in the docs

	// mu guards the fields below. It is never held while user code runs.
	mu     sync.Mutex
	now    time.Time
	mock   *clock.Mock // serves the timers; stands at mockAt
	mockAt time.Time   // now, or later after a look ahead that found nothing
	follow bool        // a timer was made: the mock must follow now
	stale  bool        // timers may be due at mockAt unfired: set the mock even there
	timers []*timerRec // timers whose expiry the Clock delivers itself
	seq    uint64      // numbers timers in the order they were made or last fired
}

// timerRec is a timer of the inner mock whose expiry the Clock delivers
// itself, so that it can stop the mock at each one.
type timerRec struct {
	seq   uint64
	h     *clock.Timer     // the mock's timer, which the user may Stop or Reset
	fired <-chan time.Time // the mock's channel of h, seen only by the Clock
	fn    func()           // AfterFunc's function, or nil
	out   chan time.Time   // the channel the user reads, or nil
	once  bool             // no handle was given out: forget it once delivered
	at    time.Time        // when it fired, while the Clock delivers it
}

// marker is drive.Marker under an unexported name: embedded, it gives
// Clock the method that marks it as driven without showing the internal
// type in Clock's documentation.
//
//lint:ignore U1000 used through Clock's embedded field
type marker = drive.Marker

// NewClock returns a Clock set to start.
func NewClock(start time.Time) *Clock {
	m := clock.NewMock()
	return &Clock{now: start, mock: m, mockAt: m.Now()}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t. On the way it fires, in order, the timers made
// through the clock that are due by t, each at its own instant, waiting
// for an AfterFunc's function to return before the next.
func (c *Clock) Set(t time.Time) {
	for c.fireNext(t) {
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	if c.follow {
		c.moveMockLocked(t)
	}
}

// Add moves the clock forward by d, as Set does.
func (c *Clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// Since returns the time elapsed since t.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Until returns the duration until t.
func (c *Clock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// AfterFunc calls f in its own goroutine once d has passed on the clock.
// The returned timer's Stop and Reset work as on *clock.Mock; its C is
// nil.
func (c *Clock) AfterFunc(d time.Duration, f func()) *clock.Timer {
	r := c.newTimer(d, f, nil, false)
	r.h.C = nil
	return r.h
}

// Timer returns a timer that sends the time on its channel once d has
// passed on the clock.
func (c *Clock) Timer(d time.Duration) *clock.Timer {
	out := make(chan time.Time, 1)
	r := c.newTimer(d, nil, out, false)
	r.h.C = out
	return r.h
}

// After returns a channel on which the time is sent once d has passed on
// the clock.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	out := make(chan time.Time, 1)
	c.newTimer(d, nil, out, true)
	return out
}

// Sleep blocks until d has passed on the clock; another goroutine must
// move it.
func (c *Clock) Sleep(d time.Duration) { <-c.After(d) }

// Ticker is clock.Mock's Ticker at the clock's time.
func (c *Clock) Ticker(d time.Duration) *clock.Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.followLocked()
	return c.mock.Ticker(d)
}

// Tick is clock.Mock's Tick at the clock's time.
func (c *Clock) Tick(d time.Duration) <-chan time.Time { return c.Ticker(d).C }

// newTimer arms a timer of the mock for now+d whose expiry the Clock
// delivers: by calling fn, or by sending on out.
func (c *Clock) newTimer(d time.Duration, fn func(), out chan time.Time, once bool) *timerRec {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.followLocked()
	c.seq++
	c.stale = true
	h := c.mock.Timer(max(d, 0)) // the mock would step back for a negative d
	r := &timerRec{seq: c.seq, h: h, fired: h.C, fn: fn, out: out, once: once}
	c.timers = append(c.timers, r)
	return r
}

// followLocked makes the mock serve timers from the clock's time on, and
// brings it back to now after a look ahead.
func (c *Clock) followLocked() {
	c.follow = true
	c.moveMockLocked(c.now)
}

// moveMockLocked sets the mock to t; the mock fires its timers due by t.
func (c *Clock) moveMockLocked(t time.Time) {
	if c.stale || !t.Equal(c.mockAt) {
		c.mock.Set(t)
		c.mockAt, c.stale = t, false
	}
}

// fireNext delivers the earliest expiry, due by limit, of the timers made
// through the clock, and reports whether there was one. It moves the clock
// to that instant first. Expiries of one instant are delivered one per
// call, in the order the timers were made or last fired, so that one may
// stop another.
func (c *Clock) fireNext(limit time.Time) bool {
	c.mu.Lock()
	if !c.follow || limit.Before(c.now) {
		c.mu.Unlock()
		return false
	}
	c.moveMockLocked(limit) // look ahead: the mock fires what is due by limit
	fired := c.collectLocked()
	if len(fired) == 0 {
		c.mu.Unlock() // the mock stays ahead, at limit, for the next Set
		return false
	}
	first := fired[0]
	first.at = maxTime(first.at, c.now)
	c.now = first.at
	c.moveMockLocked(first.at) // back to the first expiry, as if the rest had not fired
	for _, r := range fired[1:] {
		r.h.Reset(max(r.at.Sub(first.at), 0))
	}
	c.stale = true // the re-armed, and what the delivery arms or resets
	if first.once {
		c.timers = slices.DeleteFunc(c.timers, func(r *timerRec) bool { return r == first })
	}
	c.seq++
	first.seq = c.seq // if reset, it comes after the timers made so far
	c.mu.Unlock()
	first.deliver()
	return true
}

// maxTime returns the later of a and b.
func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// collectLocked returns the timers that fired in the mock, earliest first,
// then in the order they were made.
func (c *Clock) collectLocked() []*timerRec {
	var fired []*timerRec
	for _, r := range c.timers {
		select {
		case r.at = <-r.fired:
			fired = append(fired, r)
		default:
		}
	}
	slices.SortFunc(fired, func(a, b *timerRec) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.seq, b.seq)) })
	return fired
}

// forget drops r, a timer of the Clock's own (a context's deadline).
func (c *Clock) forget(r *timerRec) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r.h.Stop()
	c.timers = slices.DeleteFunc(c.timers, func(x *timerRec) bool { return x == r })
}

// deliver hands the expiry over: it calls fn in its own goroutine and
// waits for it to return, or sends the time on out if it has room, as the
// channel of a timer does.
func (r *timerRec) deliver() {
	if r.fn != nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.fn()
		}()
		<-done
		return
	}
	select {
	case r.out <- r.at:
	default:
	}
}

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
	r := c.newTimer(dur, func() { ctx.cancel(context.DeadlineExceeded) }, nil, true)
	ctx.onEnd(func() { c.forget(r) })
	return ctx, func() { ctx.cancel(context.Canceled) }
}

// WithTimeout is WithDeadline at the clock's time plus t.
func (c *Clock) WithTimeout(parent context.Context, t time.Duration) (context.Context, context.CancelFunc) {
	return c.WithDeadline(parent, c.Now().Add(t))
}
