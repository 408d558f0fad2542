package periodictest

import (
	"context"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic/internal/drive"
)

// Clock is a fake clock.Clock for schedulers driven by Advance. Unlike
// *clock.Mock, moving it costs no real time, so a test can advance a day
// of once-a-second ticks in a second or two. A scheduler on a Clock leaves
// all its deadlines to Advance from the start.
//
// Timers, tickers and sleeps created through the Clock by code other than
// the scheduler are served by an inner *clock.Mock, which then follows the
// Clock (at a millisecond of real time per move, as the mock does).
// Prefer periodic.Sleep inside jobs. A Clock is safe for use by several
// goroutines; create one with NewClock.
type Clock struct {
	//lint:ignore U1000 used: its promoted method makes Clock a drive.Driven
	marker // tells the scheduler that Advance moves this clock; unexported, so not in the docs

	// mu guards now and timers.
	mu     sync.Mutex
	now    time.Time
	timers bool // the inner mock serves timers and must follow
	mock   *clock.Mock
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
	m.Set(start)
	return &Clock{now: start, mock: m}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t, firing the inner mock's timers on the way.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	follow := c.timers
	c.mu.Unlock()
	if follow {
		c.mock.Set(t)
	}
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// Since returns the time elapsed since t.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Until returns the duration until t.
func (c *Clock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// inner returns the mock, brought up to the clock's time.
func (c *Clock) inner() *clock.Mock {
	c.mu.Lock()
	now, first := c.now, !c.timers
	c.timers = true
	c.mu.Unlock()
	if first || c.mock.Now().Before(now) {
		c.mock.Set(now)
	}
	return c.mock
}

// After is clock.Mock's After at the clock's time.
func (c *Clock) After(d time.Duration) <-chan time.Time { return c.inner().After(d) }

// AfterFunc is clock.Mock's AfterFunc at the clock's time.
func (c *Clock) AfterFunc(d time.Duration, f func()) *clock.Timer {
	return c.inner().AfterFunc(d, f)
}

// Sleep is clock.Mock's Sleep at the clock's time.
func (c *Clock) Sleep(d time.Duration) { c.inner().Sleep(d) }

// Tick is clock.Mock's Tick at the clock's time.
func (c *Clock) Tick(d time.Duration) <-chan time.Time { return c.inner().Tick(d) }

// Ticker is clock.Mock's Ticker at the clock's time.
func (c *Clock) Ticker(d time.Duration) *clock.Ticker { return c.inner().Ticker(d) }

// Timer is clock.Mock's Timer at the clock's time.
func (c *Clock) Timer(d time.Duration) *clock.Timer { return c.inner().Timer(d) }

// WithDeadline is clock.Mock's WithDeadline at the clock's time.
func (c *Clock) WithDeadline(parent context.Context, d time.Time) (context.Context, context.CancelFunc) {
	return c.inner().WithDeadline(parent, d)
}

// WithTimeout is clock.Mock's WithTimeout at the clock's time.
func (c *Clock) WithTimeout(parent context.Context, t time.Duration) (context.Context, context.CancelFunc) {
	return c.inner().WithTimeout(parent, t)
}
