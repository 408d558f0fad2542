package redislock

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// The helpers below run replicas of one service in a test: each its own
// scheduler on its own mock clock (skewed from the "true" time of the
// test), its own Redis client and its own Locker, all running the same
// job, every 100 ms. The test moves true time in small steps and every
// live replica's clock with it, in lockstep, through periodictest.Advance.

const (
	jobName  = "heartbeat"
	interval = 100 * time.Millisecond
)

// fleet is a set of replicas and what their job did.
type fleet struct {
	t    *testing.T
	ctx  context.Context
	addr string
	ns   string
	opts []Option // for every replica's Locker
	now  time.Time
	step int
	mu   sync.Mutex // guards runs
	runs []ran      // calls of the job's function, all replicas
	live []*replica
	all  []*replica
	hold func(r *replica, tick time.Time) bool // the run blocks in periodic.Sleep
}

// ran is one call of the job's function.
type ran struct {
	replica int
	tick    time.Time
}

// replica is one replica of the service.
type replica struct {
	id      int
	skew    time.Duration
	clock   *clock.Mock
	client  *redis.Client
	locker  *Locker
	s       *periodic.Scheduler
	job     *periodic.Job[int]
	mu      sync.Mutex // guards futures
	futures map[int64]*periodic.Future[int]
}

// newFleet returns a fleet whose true time starts at start.
func newFleet(t *testing.T, addr string, start time.Time, opts ...Option) *fleet {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	f := &fleet{t: t, ctx: ctx, addr: addr, ns: uniqueNS(t), opts: opts, now: start}
	t.Cleanup(f.shutdownAll)
	return f
}

// testLog writes log lines to the test's log: t.Output for Go 1.24, the
// lowest version the module needs.
type testLog struct{ t *testing.T }

// Write logs p, one call per line the handler writes.
func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// start starts a replica whose clock is skew ahead of true time.
func (f *fleet) start(skew time.Duration, lockerOpts ...Option) *replica {
	t := f.t
	r := &replica{id: len(f.all), skew: skew, clock: clock.NewMock(),
		client: newClient(t, f.addr), futures: map[int64]*periodic.Future[int]{}}
	r.clock.Set(f.now.Add(skew))
	opts := append([]Option{WithClock(r.clock)}, f.opts...)
	r.locker = newLocker(t, r.client, f.ns, append(opts, lockerOpts...)...)
	logger := slog.New(slog.NewTextHandler(testLog{t}, nil)) // shown on failure or with -v
	r.s = periodic.New(periodic.WithClock(r.clock), periodic.WithLocker(r.locker), periodic.WithLogger(logger))
	job, err := periodic.Schedule(r.s, periodic.Every(interval), f.jobFunc(r), periodic.WithName(jobName))
	require.NoError(t, err)
	r.job = job
	job.OnRun(func(tick time.Time, fut *periodic.Future[int]) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, dup := r.futures[tick.UnixNano()]; dup {
			t.Errorf("replica %d saw tick %v twice", r.id, tick)
		}
		r.futures[tick.UnixNano()] = fut
	})
	r.s.Start()
	f.live = append(f.live, r)
	f.all = append(f.all, r)
	return r
}

// jobFunc returns the job of replica r: it records its tick, and blocks
// in periodic.Sleep when f.hold says so.
func (f *fleet) jobFunc(r *replica) periodic.Func[int] {
	return func(ctx context.Context) (int, error) {
		tick := periodic.TickFrom(ctx)
		f.mu.Lock()
		f.runs = append(f.runs, ran{r.id, tick})
		f.mu.Unlock()
		if f.hold != nil && f.hold(r, tick) {
			return r.id, periodic.Sleep(ctx, 24*time.Hour)
		}
		return r.id, nil
	}
}

// advance moves true time forward by d in steps of step, each live
// replica's clock with it; the order of the replicas rotates at each step,
// so that replicas whose clocks cross a tick in the same step take turns
// at claiming it first.
func (f *fleet) advance(d, step time.Duration) {
	f.t.Helper()
	end := f.now.Add(d)
	for f.now.Before(end) {
		f.now = minTime(f.now.Add(step), end)
		f.step++
		for i := range f.live {
			r := f.live[(i+f.step)%len(f.live)]
			f.advanceReplica(r)
		}
	}
}

// advanceReplica brings r's clock to true time plus its skew.
func (f *fleet) advanceReplica(r *replica) {
	f.t.Helper()
	d := f.now.Add(r.skew).Sub(r.clock.Now())
	require.NoError(f.t, periodictest.Advance(f.ctx, r.s, r.clock, d))
}

// stop shuts replica r down and stops moving its clock.
func (f *fleet) stop(r *replica) {
	f.t.Helper()
	require.NoError(f.t, r.s.Shutdown(f.ctx))
	f.freeze(r)
}

// freeze stops moving r's clock, as if the replica had hung or died.
func (f *fleet) freeze(r *replica) {
	f.live = slices.DeleteFunc(f.live, func(x *replica) bool { return x == r })
}

// shutdownAll shuts every replica down, cancelling runs still held.
func (f *fleet) shutdownAll() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // runs held in periodic.Sleep are cancelled, and waited for
	for _, r := range f.all {
		_ = r.s.Shutdown(ctx)
	}
	f.live = nil
}

// ranBy returns, for each tick, the replicas whose job function ran it.
func (f *fleet) ranBy() map[int64][]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	by := map[int64][]int{}
	for _, r := range f.runs {
		by[r.tick.UnixNano()] = append(by[r.tick.UnixNano()], r.replica)
	}
	return by
}

// onceEach returns the ticks of by in order, in UTC, and fails if any ran
// more than once.
func onceEach(t *testing.T, by map[int64][]int) []time.Time {
	t.Helper()
	var ticks []time.Time
	for tick, replicas := range by {
		require.Len(t, replicas, 1, "tick %v ran on replicas %v", time.Unix(0, tick).UTC(), replicas)
		ticks = append(ticks, time.Unix(0, tick).UTC())
	}
	slices.SortFunc(ticks, time.Time.Compare)
	return ticks
}

// outcomes returns, for each tick, the error of each replica's run of it
// (nil for the one that ran it). Call it after the replicas shut down.
func (f *fleet) outcomes() map[int64]map[int]error {
	f.t.Helper()
	out := map[int64]map[int]error{}
	for _, r := range f.all {
		r.mu.Lock()
		for tick, fut := range r.futures {
			select {
			case <-fut.Done():
			default:
				f.t.Fatalf("replica %d: the run of %v is still pending", r.id, time.Unix(0, tick))
			}
			if out[tick] == nil {
				out[tick] = map[int]error{}
			}
			out[tick][r.id] = fut.Err()
		}
		r.mu.Unlock()
	}
	return out
}

// requireContiguous checks that ticks are exactly interval apart.
func requireContiguous(t *testing.T, ticks []time.Time) {
	t.Helper()
	require.NotEmpty(t, ticks)
	for i := 1; i < len(ticks); i++ {
		require.Equal(t, interval, ticks[i].Sub(ticks[i-1]), "between %v and %v", ticks[i-1], ticks[i])
	}
}

// requireOneWinner checks that a tick's runs are one success and, on the
// other replicas, failures wrapping periodic.ErrClaimed; it returns the
// winner.
func requireOneWinner(t *testing.T, tick int64, errs map[int]error) int {
	t.Helper()
	winner := -1
	for id, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "tick %v: two winners: %v", time.Unix(0, tick).UTC(), errs)
			winner = id
			continue
		}
		require.ErrorIs(t, err, periodic.ErrClaimed, "tick %v, replica %d", time.Unix(0, tick).UTC(), id)
	}
	require.NotEqual(t, -1, winner, "tick %v: no winner: %v", time.Unix(0, tick).UTC(), errs)
	return winner
}

// ticksBetween returns the multiples of interval in (from, to].
func ticksBetween(from, to time.Time) []time.Time {
	var ts []time.Time
	for t := from.Truncate(interval).Add(interval); !t.After(to); t = t.Add(interval) {
		ts = append(ts, t.UTC())
	}
	return ts
}

// minTime returns the earlier of a and b.
func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
