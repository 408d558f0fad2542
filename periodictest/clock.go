package periodictest

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic/internal/drive"
)

// Clock is a fake clock.Clock for schedulers driven by Advance. Unlike
// *clock.Mock, moving it costs no real time unless a timer made through it
// by AfterFunc, Timer or Ticker fires, so a test can advance a day of
// once-a-second ticks in a second or two. A scheduler on a Clock leaves
// all its deadlines to Advance from the start.
//
// Timers made through the Clock by user code (AfterFunc, Timer, After,
// Sleep, Ticker, Tick, WithTimeout, WithDeadline) follow the same
// timeline as on a *clock.Mock: each fires at its exact instant, the
// clock reads that instant while its function runs, and timers armed or
// reset by that function count from it. Advance stops at each of them, one
// at a time, and after each waits for an AfterFunc's function to return,
// then for the scheduler to be idle, before it moves on. All the timers
// of an instant fire before the scheduler's deadlines of that instant are
// released (as the mock fires its timers before the scheduler sees the new
// time). An AfterFunc's function therefore must not wait for the clock to
// move.
//
// Timers due at one instant fire in an order fixed by the program where
// their creator is known: a WithTimeout or WithDeadline whose parent is
// the context of a run or of a task started with periodic.Go is numbered
// among that task's children, as its Sleeps are (see "The order of one
// instant" in package periodic), and such contexts fire first, in that
// order. The other timers (AfterFunc, Timer, After, Sleep, Ticker, and
// contexts outside runs) fire after them, in the order they were made, a
// timer that fired and was reset counting as made when it fired; so a
// function may stop a timer of its own instant, where the mock leaves that
// to a race. Timers made by several goroutines at one instant through
// these are ordered by who came first: make them in one goroutine's
// program order, or use periodic.Sleep and periodic.Timeout.
//
// After, Sleep and the contexts' deadlines are the Clock's own records and
// cost nothing while they wait. AfterFunc and Timer hand out a
// *clock.Timer, which only an inner *clock.Mock can serve, and moving that
// mock costs a millisecond or two of real time. The Clock moves it only
// when such a timer is due by the instant Advance is going to, as far as
// the Clock knows (the expiry the timer was made with, or last fired at),
// and once more, ahead and back, after such a timer fired, to learn what
// its function reset or stopped (which costs a millisecond more for each
// such timer then pending). So an AfterFunc pending for later, or stopped,
// or fired, costs nothing per step. Stop works from any
// goroutine, and Reset from a timer's function counts from its instant,
// as on the mock; but Reset called by other code (a run, the test) counts
// from the instant the mock last stood at, and the Clock sees the new
// expiry only at its next move: re-arm a timer from its own function, or
// Stop it and make a new one. A Ticker keeps the mock at the clock's time,
// moved at every step, for the Clock's life (Reset from any goroutine then
// counts from the clock's time); its ticks are sent as the mock passes
// them, with their own instants as values.
//
// A Clock is safe for use by several goroutines; create one with NewClock.
type Clock struct {
	//lint:ignore U1000 used: its promoted method makes Clock a drive.Driven
	marker // tells the scheduler that Advance moves this clock; unexported, so not in the docs

	// mu guards the fields below. It is never held while user code runs.
	mu     sync.Mutex
	now    time.Time
	mock   *clock.Mock   // serves AfterFunc, Timer and Ticker; stands at mockAt
	mockAt time.Time     // the mock's time: now, or earlier while no handle is due
	follow bool          // a Ticker was made: the mock follows now, looked at every step
	stale  bool          // timers may be due at mockAt unfired: set the mock even there
	probe  bool          // a handle's function ran: learn the handles' expiries anew
	timers []*timerRec   // timers whose expiry the Clock delivers itself
	seq    uint64        // numbers timers in the order they were made or last fired
	moves  int           // how often the mock was moved; read by tests
	made   chan struct{} // closed when a timer is made, then replaced; may be nil
}

// timerRec is a timer whose expiry the Clock delivers itself. A once timer
// (After, Sleep, a context's deadline) is the Clock's own record; a handle
// timer (AfterFunc, Timer) is a timer of the inner mock, so that the user
// may Stop or Reset it.
type timerRec struct {
	seq   uint64
	place any              // its place in the order of one instant (drive.Place), or nil
	at    time.Time        // when it fires: a once timer's expiry, or a handle's as last known
	known bool             // a handle's at is its expiry as far as the Clock knows
	h     *clock.Timer     // the mock's timer of a handle; nil for a once timer
	fired <-chan time.Time // the mock's channel of h, seen only by the Clock
	fn    func()           // the function to call, or nil
	out   chan time.Time   // the channel the user reads, or nil
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
// The returned timer's Stop and Reset work as on *clock.Mock, with the
// limit on Reset given in the type's documentation; its C is nil.
func (c *Clock) AfterFunc(d time.Duration, f func()) *clock.Timer {
	r := c.newHandle(d, f, nil)
	r.h.C = nil
	return r.h
}

// Timer returns a timer that sends the time on its channel once d has
// passed on the clock.
func (c *Clock) Timer(d time.Duration) *clock.Timer {
	out := make(chan time.Time, 1)
	r := c.newHandle(d, nil, out)
	r.h.C = out
	return r.h
}

// After returns a channel on which the time is sent once d has passed on
// the clock.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	out := make(chan time.Time, 1)
	c.newOnce(d, nil, out, nil)
	return out
}

// Sleep blocks until d has passed on the clock; another goroutine must
// move it.
func (c *Clock) Sleep(d time.Duration) { <-c.After(d) }

// Ticker is clock.Mock's Ticker at the clock's time. From then on the
// inner mock follows the clock at every step.
func (c *Clock) Ticker(d time.Duration) *clock.Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.follow = true
	c.moveMockLocked(c.now)
	return c.mock.Ticker(d)
}

// Tick is clock.Mock's Tick at the clock's time.
func (c *Clock) Tick(d time.Duration) <-chan time.Time { return c.Ticker(d).C }

// newOnce records a timer for now+d, placed at place, whose expiry the
// Clock delivers by calling fn or sending on out.
func (c *Clock) newOnce(d time.Duration, fn func(), out chan time.Time, place any) *timerRec {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	r := &timerRec{seq: c.seq, place: place, at: c.now.Add(max(d, 0)), fn: fn, out: out}
	c.timers = append(c.timers, r)
	c.madeLocked()
	return r
}

// newHandle arms a timer of the mock for now+d whose expiry the Clock
// delivers by calling fn or sending on out. The mock may stand behind now:
// the timer is armed for the same instant all the same.
func (c *Clock) newHandle(d time.Duration, fn func(), out chan time.Time) *timerRec {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	d = max(d, 0) // the mock would step back for a negative d
	h := c.mock.Timer(d + c.now.Sub(c.mockAt))
	c.stale = c.stale || d == 0
	r := &timerRec{seq: c.seq, at: c.now.Add(d), known: true, h: h, fired: h.C, fn: fn, out: out}
	c.timers = append(c.timers, r)
	c.madeLocked()
	return r
}

// madeLocked tells those watching the Clock that a timer was made.
func (c *Clock) madeLocked() {
	if c.made != nil {
		close(c.made)
		c.made = nil
	}
}

// moveMockLocked sets the mock to t; the mock fires its timers due by t.
func (c *Clock) moveMockLocked(t time.Time) {
	if c.stale || !t.Equal(c.mockAt) {
		c.mock.Set(t)
		c.mockAt, c.stale = t, false
		c.moves++
	}
}

// forget drops r, a once timer (a context's deadline) that will not be
// needed.
func (c *Clock) forget(r *timerRec) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = slices.DeleteFunc(c.timers, func(x *timerRec) bool { return x == r })
}

// pending names the timers the Clock knows to be pending, or returns "",
// and returns a channel closed when the next timer is made.
func (c *Clock) pending() (string, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.made == nil {
		c.made = make(chan struct{})
	}
	var n int
	var first time.Time
	for _, r := range c.timers {
		if r.h == nil || r.known {
			if n == 0 || r.at.Before(first) {
				first = r.at
			}
			n++
		}
	}
	if n == 0 {
		return "", c.made
	}
	return fmt.Sprintf("%d pending, the first at %s (%v ahead of the clock at %s)",
		n, first.Format(time.RFC3339Nano), first.Sub(c.now), c.now.Format(time.RFC3339Nano)), c.made
}

func init() {
	drive.ClockPending = func(x any) (string, <-chan struct{}) {
		if c, ok := x.(*Clock); ok {
			return c.pending()
		}
		return "", nil
	}
}
