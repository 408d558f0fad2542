package storetest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// day is the cluster tests' epoch, midnight, a multiple of every
// interval they use since the Unix epoch.
var day = time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)

// cluster is replicas of one service sharing a Store, each on its own
// mock clock, skewed from the true time, advanced together.
type cluster struct {
	t    *testing.T
	st   periodic.Store
	now  time.Duration // true time since day
	reps []*replica
	job  string // the name of the job schedule schedules

	mu    sync.Mutex // guards lines and calls
	lines []string
	calls map[string]int // job calls per tick, all replicas
}

// replica is one scheduler of the cluster.
type replica struct {
	c    *cluster
	name string
	skew time.Duration
	clk  *periodictest.Clock
	s    *periodic.Scheduler
	dead bool // killed: its clock no longer moves
}

// newCluster returns a cluster on st whose true time is day+at.
func newCluster(t *testing.T, st periodic.Store, at time.Duration) *cluster {
	return &cluster{t: t, st: st, now: at, job: "job", calls: map[string]int{}}
}

// add starts a replica whose clock is skew ahead of the true time. Its
// scheduler is shut down at cleanup.
func (c *cluster) add(name string, skew time.Duration, opts ...periodic.Option) *replica {
	r := &replica{c: c, name: name, skew: skew, clk: periodictest.NewClock(day.Add(c.now + skew))}
	base := []periodic.Option{periodic.WithClock(r.clk), periodic.WithLocation(time.UTC), periodic.WithStore(c.st),
		periodic.WithReplica(name), periodic.WithLogger(slog.New(slog.DiscardHandler))}
	r.s = periodic.New(append(base, opts...)...)
	c.t.Cleanup(func() { r.stop() })
	c.reps = append(c.reps, r)
	return r
}

// stop shuts the replica down, cancelling its runs, and waits for them.
func (r *replica) stop() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = r.s.Shutdown(ctx) // waits for the runs, cancelled, to return
	r.dead = true
}

// advance moves the true time by d in steps of step; in each step every
// live replica's clock moves in turn, in the order they were added.
func (c *cluster) advance(d, step time.Duration) {
	c.t.Helper()
	for end := c.now + d; c.now < end; {
		s := min(step, end-c.now)
		c.now += s
		for _, r := range c.reps {
			if !r.dead {
				require.NoError(c.t, periodictest.Advance(context.Background(), r.s, r.clk, s))
			}
		}
	}
}

// at formats the true time t (since day) as a clock reading.
func at(t time.Duration) string { return day.Add(t).Format("15:04:05") }

// trueNow is the replica's true time, since day.
func (r *replica) trueNow() time.Duration { return r.clk.Now().Sub(day) - r.skew }

// logf records a line stamped with the replica's true time.
func (r *replica) logf(format string, args ...any) {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	r.c.lines = append(r.c.lines, at(r.trueNow())+" "+r.name+" "+fmt.Sprintf(format, args...))
}

// schedule schedules the job "job" on r: each run logs its start, sleeps
// took on the replica's clock and logs how it ended; each tick that did
// not call the job logs why (claim lost, skipped, buffered, paused, store
// error).
func (r *replica) schedule(trig periodic.Trigger, took time.Duration, opts ...periodic.JobOption) *periodic.Job[int] {
	c := r.c
	fn := func(ctx context.Context) (int, error) {
		tick := periodic.TickFrom(ctx).Sub(day)
		c.mu.Lock()
		c.calls[at(tick)]++
		c.mu.Unlock()
		r.logf("start %s", at(tick))
		if err := periodic.Sleep(ctx, took); err != nil {
			r.logf("cancelled %s", at(tick))
			return 0, err
		}
		r.logf("end %s", at(tick))
		return 1, nil
	}
	job, err := periodic.Schedule(r.s, trig, fn, append([]periodic.JobOption{periodic.WithName(c.job)}, opts...)...)
	require.NoError(c.t, err)
	job.OnRun(func(tick time.Time, f *periodic.Future[int]) {
		f.OnDone(func(f *periodic.Future[int]) {
			if why := refusal(f.Err()); why != "" {
				r.logf("%s %s", why, at(tick.Sub(day)))
			}
		})
	})
	return job
}

// refusal names why a tick did not call the job, or "".
func refusal(err error) string {
	switch {
	case errors.Is(err, periodic.ErrStore):
		return "store-error"
	case errors.Is(err, periodic.ErrPaused):
		return "paused"
	case errors.Is(err, periodic.ErrSkipped):
		return "skipped"
	case errors.Is(err, periodic.ErrClaimed) && contains(err.Error(), "buffered in the cluster"):
		return "buffered"
	case errors.Is(err, periodic.ErrClaimed):
		return "lost"
	}
	return ""
}

// timeline returns the lines so far, sorted (lines of one instant are
// ordered by replica and text, not by which goroutine logged first), and
// clears them.
func (c *cluster) timeline() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.lines)
	c.lines = nil
	slices.Sort(out)
	return out
}

// without drops the lines that contain "lost": which replica loses a
// claim is an exact but noisy part of a timeline.
func without(lines []string, word string) []string {
	return slices.DeleteFunc(lines, func(l string) bool { return contains(l, word) })
}

// contains reports whether s contains sub.
func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// maxCalls returns the largest number of calls of one tick.
func (c *cluster) maxCalls() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tick, n := "", 0
	for k, v := range c.calls {
		if v > n {
			tick, n = k, v
		}
	}
	return tick, n
}
