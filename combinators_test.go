package periodic_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// newPromises returns n pending promises and their futures.
func newPromises(n int) ([]*periodic.Promise[int], []*periodic.Future[int]) {
	ps := make([]*periodic.Promise[int], n)
	fs := make([]*periodic.Future[int], n)
	for i := range ps {
		ps[i] = periodic.NewPromise[int]()
		fs[i] = ps[i].Future()
	}
	return ps, fs
}

// inRun runs body as a run of a job on a scheduler on a mock clock,
// advances the clock by d through periodictest, checks that the run has
// succeeded, and returns the lines the body printed.
func inRun(t *testing.T, d time.Duration, body func(ctx context.Context, e *env) error) []string {
	t.Helper()
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (struct{}, error) {
		return struct{}{}, body(ctx, e)
	})
	require.NoError(t, err)
	e.s.Start()
	f := job.RunNow()
	e.advance(d)
	requireValue(t, f, struct{}{})
	return e.lines()
}

// sleepThen starts a helper of the run in ctx that sleeps sec seconds on
// the scheduler's clock and returns v and err, or, if cancelled first,
// prints so and returns the context's error.
func sleepThen(ctx context.Context, e *env, sec, v int, err error) *periodic.Future[int] {
	return periodic.Go(ctx, func(ctx context.Context) (int, error) {
		if err := periodic.Sleep(ctx, time.Duration(sec)*time.Second); err != nil {
			e.printf("helper %d cancelled", v)
			return 0, err
		}
		return v, err
	})
}

// blockUntilCancelled returns a function that, once its context is
// cancelled, closes saw, waits for release and returns what ret returns.
func blockUntilCancelled(saw, release chan struct{}, ret func(ctx context.Context) (int, error)) periodic.Func[int] {
	return func(ctx context.Context) (int, error) {
		<-ctx.Done()
		close(saw)
		<-release
		return ret(ctx)
	}
}

func TestCombinatorsBadInput(t *testing.T) {
	m := clock.NewMock()
	f := periodic.NewPromise[int]().Future()
	ctx := context.Background()
	waitErr := func(ctx context.Context, mode periodic.WaitMode, fs ...*periodic.Future[int]) func() error {
		return func() error {
			done, pending, err := periodic.Wait(ctx, mode, fs...)
			require.Nil(t, done)
			require.Nil(t, pending)
			return err
		}
	}
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"Gather", periodic.Gather(f, nil).Err, "Gather: future 1 is nil"},
		{"AllSettled", periodic.AllSettled[int](nil).Err, "AllSettled: future 0 is nil"},
		{"Shield", periodic.Shield[int](nil).Err, "Shield: future is nil"},
		{"Timeout nil context", periodic.Timeout(nilCtx, f, time.Second).Err, "Timeout: nil context"},
		{"Timeout nil future", periodic.Timeout[int](ctx, nil, time.Second).Err, "Timeout: future is nil"},
		{"Timeout negative", periodic.Timeout(ctx, f, -time.Second).Err, "Timeout(-1s): the duration is negative"},
		{"TimeoutOn nil clock", periodic.TimeoutOn(nil, f, time.Second).Err, "TimeoutOn: clock is nil"},
		{"TimeoutOn nil future", periodic.TimeoutOn[int](m, nil, time.Second).Err, "TimeoutOn: future is nil"},
		{"TimeoutOn negative", periodic.TimeoutOn(m, f, -2*time.Second).Err, "TimeoutOn(-2s)"},
		{"Wait nil future", waitErr(ctx, periodic.FirstCompleted, f, f, nil), "Wait: future 2 is nil"},
		{"Wait nil context", waitErr(nilCtx, periodic.AllCompleted, f), "Wait: nil context"},
		{"Wait unknown mode", waitErr(ctx, periodic.WaitMode(7), f), "Wait: unknown mode WaitMode(7)"},
		{"Wait negative mode", waitErr(ctx, periodic.WaitMode(-1), f), "Wait: unknown mode WaitMode(-1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			require.ErrorIs(t, err, periodic.ErrInvalid)
			require.Contains(t, err.Error(), tc.want)
		})
	}
	requirePending(t, f)
}

func TestGatherInputOrder(t *testing.T) {
	ps, fs := newPromises(3)
	g := periodic.Gather(fs...)
	for _, i := range []int{2, 0} {
		require.NoError(t, ps[i].Resolve(10+i))
		requirePending(t, g)
	}
	require.NoError(t, ps[1].Resolve(11))
	requireValue(t, g, []int{10, 11, 12})
}

func TestGatherSettledInputs(t *testing.T) {
	ps, fs := newPromises(2)
	require.NoError(t, ps[0].Resolve(1))
	require.NoError(t, ps[1].Resolve(2))
	requireValue(t, periodic.Gather(fs...), []int{1, 2})

	requireValue(t, periodic.Gather[int](), []int{})
	v, _ := periodic.Gather[int]().Result()
	require.NotNil(t, v, "an empty slice, not nil")
}

// TestGatherFailsFast checks that the first failure settles the gathered
// future at once and cancels none of the others.
func TestGatherFailsFast(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fail  func(p *periodic.Promise[int])
		check func(t *testing.T, f *periodic.Future[[]int])
	}{
		{"failed", func(p *periodic.Promise[int]) { require.NoError(t, p.Reject(errFut)) },
			func(t *testing.T, f *periodic.Future[[]int]) { requireFailed(t, f, errFut) }},
		{"cancelled", func(p *periodic.Promise[int]) { p.Future().Cancel() }, requireCancelled[[]int]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, fs := newPromises(3)
			g := periodic.Gather(fs...)
			require.NoError(t, ps[0].Resolve(1))
			tc.fail(ps[1])
			tc.check(t, g)
			requirePending(t, fs[2])
			require.NoError(t, ps[2].Reject(fmt.Errorf("later: %w", errFut)))
			tc.check(t, g)
			require.False(t, g.Cancel())
		})
	}
}

func TestGatherCancelCancelsChildren(t *testing.T) {
	ps, fs := newPromises(3)
	require.NoError(t, ps[0].Resolve(1))
	g := periodic.Gather(fs...)
	require.True(t, g.Cancel())
	requireCancelled(t, g)
	requireValue(t, fs[0], 1)
	requireCancelled(t, fs[1])
	requireCancelled(t, fs[2])
	require.False(t, g.Cancel())
}

// TestGatherCancelGo checks that Cancel on a gather of Go futures cancels
// their contexts and that the gathered future then settles as cancelled
// once they return, whatever they return (asyncio, bpo-32684).
func TestGatherCancelGo(t *testing.T) {
	value := func(v int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) { return v, nil }
	}
	cancelled := func(ctx context.Context) (int, error) { return 0, ctx.Err() }
	failing := func(context.Context) (int, error) { return 0, errFut }
	for _, tc := range []struct {
		name string
		rets []func(context.Context) (int, error)
	}{
		{"a child returns ctx.Err", []func(context.Context) (int, error){value(1), cancelled}},
		{"all children ignore the cancel", []func(context.Context) (int, error){value(1), value(2)}},
		{"a child fails", []func(context.Context) (int, error){value(1), failing}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			var saws []chan struct{}
			var fs []*periodic.Future[int]
			for _, ret := range tc.rets {
				saw := make(chan struct{})
				saws = append(saws, saw)
				fs = append(fs, periodic.Go(context.Background(), blockUntilCancelled(saw, release, ret)))
			}
			g := periodic.Gather(fs...)
			require.True(t, g.Cancel())
			for _, saw := range saws {
				<-saw
			}
			requirePending(t, g)
			close(release)
			<-g.Done()
			requireCancelled(t, g)
			for _, f := range fs {
				<-f.Done()
			}
		})
	}
}

// TestGatherInRun checks that a run blocked on a gather counts as idle and
// wakes at the exact instant the last helper returns.
func TestGatherInRun(t *testing.T) {
	lines := inRun(t, 5*time.Second, func(ctx context.Context, e *env) error {
		g := periodic.Gather(sleepThen(ctx, e, 3, 3, nil), sleepThen(ctx, e, 1, 1, nil), sleepThen(ctx, e, 2, 2, nil))
		v, err := g.Await(ctx)
		e.printf("gathered %v %v", v, err)
		return err
	})
	require.Equal(t, []string{"  3s gathered [3 1 2] <nil>"}, lines)
}

func TestAllSettled(t *testing.T) {
	ps, fs := newPromises(3)
	a := periodic.AllSettled(fs...)
	require.NoError(t, ps[1].Reject(errFut))
	require.NoError(t, ps[0].Resolve(7))
	requirePending(t, a)
	fs[2].Cancel()
	out, err := a.Result()
	require.NoError(t, err)
	require.Len(t, out, 3)
	require.Equal(t, periodic.Outcome[int]{Value: 7}, out[0])
	require.ErrorIs(t, out[1].Err, errFut)
	require.ErrorIs(t, out[2].Err, periodic.ErrCancelled)

	requireValue(t, periodic.AllSettled[int](), []periodic.Outcome[int]{})
}

func TestAllSettledCancel(t *testing.T) {
	ps, fs := newPromises(2)
	require.NoError(t, ps[0].Resolve(1))
	a := periodic.AllSettled(fs...)
	require.True(t, a.Cancel())
	requireCancelled(t, fs[1])
	requireCancelled(t, a)
	require.False(t, a.Cancel())
}

// catchCancel starts five helpers of the run in ctx: the even ones sleep
// until cancelled and then return 100+i, the odd ones ignore the cancel,
// sleep i+1 seconds and return 10+i.
func catchCancel(ctx context.Context) []*periodic.Future[int] {
	fs := make([]*periodic.Future[int], 5)
	for i := range fs {
		fs[i] = periodic.Go(ctx, func(ctx context.Context) (int, error) {
			if i%2 == 0 {
				_ = periodic.Sleep(ctx, time.Hour)
				return 100 + i, nil
			}
			_ = periodic.Sleep(context.WithoutCancel(ctx), time.Duration(i+1)*time.Second)
			return 10 + i, nil
		})
	}
	return fs
}

// TestCombinatorCancelWins checks, in a run on the mock clock, that a
// gather or settled-all cancelled at 1 s settles as cancelled although
// every child returns a value, [100 11 102 13 104], as in CPython
// (bpo-32684): each settles when its last child has returned, at 4 s.
func TestCombinatorCancelWins(t *testing.T) {
	for _, tc := range []struct {
		name    string
		combine func(fs []*periodic.Future[int]) (cancel func() bool, await func(context.Context) error)
	}{
		{"Gather", func(fs []*periodic.Future[int]) (func() bool, func(context.Context) error) {
			g := periodic.Gather(fs...)
			return g.Cancel, func(ctx context.Context) error { _, err := g.Await(ctx); return err }
		}},
		{"AllSettled", func(fs []*periodic.Future[int]) (func() bool, func(context.Context) error) {
			a := periodic.AllSettled(fs...)
			return a.Cancel, func(ctx context.Context) error { _, err := a.Await(ctx); return err }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := inRun(t, 10*time.Second, func(ctx context.Context, e *env) error {
				fs := catchCancel(ctx)
				cancel, await := tc.combine(fs)
				if err := periodic.Sleep(ctx, time.Second); err != nil {
					return err
				}
				e.printf("cancel: %v", cancel())
				err := await(ctx)
				vals := make([]int, len(fs))
				for i, f := range fs {
					vals[i], _ = f.Result()
				}
				e.printf("children %v; combined: %v", vals, err)
				return nil
			})
			require.Equal(t, []string{
				"  1s cancel: true",
				"  4s children [100 11 102 13 104]; combined: periodic: cancelled: context canceled",
			}, lines)
		})
	}
}

func TestShield(t *testing.T) {
	for _, tc := range []struct {
		name  string
		do    func(p *periodic.Promise[int])
		check func(t *testing.T, f *periodic.Future[int])
	}{
		{"resolved", func(p *periodic.Promise[int]) { require.NoError(t, p.Resolve(4)) },
			func(t *testing.T, f *periodic.Future[int]) { requireValue(t, f, 4) }},
		{"rejected", func(p *periodic.Promise[int]) { require.NoError(t, p.Reject(errFut)) },
			func(t *testing.T, f *periodic.Future[int]) { requireFailed(t, f, errFut) }},
		{"inner cancelled", func(p *periodic.Promise[int]) { p.Future().Cancel() }, requireCancelled[int]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := periodic.NewPromise[int]()
			s := periodic.Shield(p.Future())
			requirePending(t, s)
			tc.do(p)
			tc.check(t, s)
		})
	}
}

// TestShieldCancel checks that cancelling the shield settles it at once
// and leaves the inner function running to its end.
func TestShieldCancel(t *testing.T) {
	release := make(chan struct{})
	f := periodic.Go(context.Background(), func(ctx context.Context) (int, error) {
		<-release
		return 8, ctx.Err()
	})
	s := periodic.Shield(f)
	require.True(t, s.Cancel())
	requireCancelled(t, s)
	requirePending(t, f)
	close(release)
	<-f.Done()
	requireValue(t, f, 8)
	requireCancelled(t, s)
}

// timerClock is a mock clock that keeps the timers of its AfterFunc.
type timerClock struct {
	*clock.Mock
	mu     sync.Mutex
	timers []*clock.Timer
}

func newTimerClock() *timerClock { return &timerClock{Mock: clock.NewMock()} }

// AfterFunc is the mock's AfterFunc, remembering the timer.
func (c *timerClock) AfterFunc(d time.Duration, fn func()) *clock.Timer {
	t := c.Mock.AfterFunc(d, fn)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = append(c.timers, t)
	return t
}

// requireStopped checks that the clock's one timer was stopped before it
// fired; the clock must not have reached its deadline.
func (c *timerClock) requireStopped(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	require.Len(t, c.timers, 1)
	require.False(t, c.timers[0].Stop(), "the timer was still armed")
}

// requireTimedOut checks that f failed with a timeout that names d.
func requireTimedOut[T any](t *testing.T, f *periodic.Future[T], d time.Duration) {
	t.Helper()
	requireFailed(t, f, context.DeadlineExceeded)
	require.Contains(t, f.Err().Error(), "timed out after "+d.String())
}

func TestTimeoutOnExpires(t *testing.T) {
	c := newTimerClock()
	p := periodic.NewPromise[int]()
	out := periodic.TimeoutOn(c, p.Future(), 3*time.Second)
	c.Add(2 * time.Second)
	requirePending(t, out)
	c.Add(time.Second)
	<-out.Done()
	requireTimedOut(t, out, 3*time.Second)
	requireCancelled(t, p.Future())
}

// TestTimeoutOnCancelsAndWaits checks that on expiry the timeout cancels
// f, stays pending until f returns, and then settles by what f returned.
func TestTimeoutOnCancelsAndWaits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ret   func(ctx context.Context) (int, error)
		check func(t *testing.T, f *periodic.Future[int])
	}{
		{"cancelled", func(ctx context.Context) (int, error) { return 0, ctx.Err() },
			func(t *testing.T, f *periodic.Future[int]) { requireTimedOut(t, f, time.Second) }},
		{"the value wins", func(context.Context) (int, error) { return 9, nil },
			func(t *testing.T, f *periodic.Future[int]) { requireValue(t, f, 9) }},
		{"another error wins", func(context.Context) (int, error) { return 0, errFut },
			func(t *testing.T, f *periodic.Future[int]) {
				requireFailed(t, f, errFut)
				require.NotErrorIs(t, f.Err(), context.DeadlineExceeded)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTimerClock()
			saw, release := make(chan struct{}), make(chan struct{})
			f := periodic.Go(context.Background(), blockUntilCancelled(saw, release, tc.ret))
			out := periodic.TimeoutOn(c, f, time.Second)
			c.Add(time.Second)
			<-saw
			requirePending(t, out)
			close(release)
			<-out.Done()
			tc.check(t, out)
		})
	}
}

// TestTimeoutOnSettlesFirst checks that f settling first settles the
// timeout with f's outcome and stops the timer.
func TestTimeoutOnSettlesFirst(t *testing.T) {
	for _, tc := range []struct {
		name  string
		do    func(p *periodic.Promise[int])
		check func(t *testing.T, f *periodic.Future[int])
	}{
		{"resolved", func(p *periodic.Promise[int]) { require.NoError(t, p.Resolve(4)) },
			func(t *testing.T, f *periodic.Future[int]) { requireValue(t, f, 4) }},
		{"rejected", func(p *periodic.Promise[int]) { require.NoError(t, p.Reject(errFut)) },
			func(t *testing.T, f *periodic.Future[int]) { requireFailed(t, f, errFut) }},
		{"timeout cancelled", func(p *periodic.Promise[int]) {}, requireCancelled[int]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTimerClock()
			p := periodic.NewPromise[int]()
			out := periodic.TimeoutOn(c, p.Future(), time.Second)
			tc.do(p)
			if !isDone(p.Future()) {
				require.True(t, out.Cancel())
				requireCancelled(t, p.Future())
			}
			tc.check(t, out)
			c.requireStopped(t)
		})
	}
}

// TestTimeoutCancelBeatsDeadline checks that once the timeout is
// cancelled, its deadline passing while f is still returning does not
// turn the cancellation into a timeout.
func TestTimeoutCancelBeatsDeadline(t *testing.T) {
	c := newTimerClock()
	saw, release := make(chan struct{}), make(chan struct{})
	f := periodic.Go(context.Background(), blockUntilCancelled(saw, release,
		func(ctx context.Context) (int, error) { return 0, ctx.Err() }))
	out := periodic.TimeoutOn(c, f, time.Second)
	require.True(t, out.Cancel())
	<-saw
	c.Add(time.Minute)
	requirePending(t, out)
	close(release)
	<-out.Done()
	requireCancelled(t, out)
}

func TestTimeoutZero(t *testing.T) {
	c := newTimerClock()
	p := periodic.NewPromise[int]()
	out := periodic.TimeoutOn(c, p.Future(), 0)
	requireTimedOut(t, out, 0) // at once
	requireCancelled(t, p.Future())

	q := periodic.NewPromise[int]()
	require.NoError(t, q.Resolve(2))
	requireValue(t, periodic.TimeoutOn(c, q.Future(), 0), 2)
	require.Empty(t, c.timers, "no timer for a zero timeout")
}

// TestTimeoutRealClock covers Timeout on a future of no scheduler, whose
// timer runs on the real clock.
func TestTimeoutRealClock(t *testing.T) {
	p := periodic.NewPromise[int]()
	out := periodic.Timeout(context.Background(), p.Future(), time.Nanosecond)
	<-out.Done()
	requireTimedOut(t, out, time.Nanosecond)

	q := periodic.NewPromise[int]()
	out = periodic.Timeout(context.Background(), q.Future(), time.Hour)
	require.NoError(t, q.Resolve(5))
	requireValue(t, out, 5)
}

// TestTimeoutSchedulerClock checks that Timeout on a run's future fires at
// exactly d on the scheduler's mock clock.
func TestTimeoutSchedulerClock(t *testing.T) {
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		if err := periodic.Sleep(ctx, 10*time.Second); err != nil {
			e.printf("run: %v", err)
			return 0, err
		}
		return 1, nil
	})
	require.NoError(t, err)
	e.s.Start()
	out := periodic.Timeout(context.Background(), job.RunNow(), 3*time.Second)
	e.advance(3*time.Second - time.Nanosecond)
	requirePending(t, out)
	e.advance(time.Nanosecond)
	requireTimedOut(t, out, 3*time.Second)
	require.Equal(t, []string{"  3s run: context canceled"}, e.lines())
}

// TestTimeoutRunClock checks that a timeout asked for inside a run, on a
// future of no scheduler (a Promise's), runs on that run's mock clock: it
// fires at exactly 1 h of virtual time, and not at all before.
func TestTimeoutRunClock(t *testing.T) {
	lines := inRun(t, 90*time.Minute, func(ctx context.Context, e *env) error {
		p := periodic.NewPromise[int]()
		if periodic.TickFrom(ctx).After(t0) {
			return nil // the tick at 1 h: only the RunNow run times out
		}
		_, err := periodic.Timeout(ctx, p.Future(), time.Hour).Await(ctx)
		e.printf("timeout: %v; the promise cancelled: %v", err, p.Future().Cancelled())
		return nil
	})
	require.Equal(t, []string{"3600s timeout: periodic: timed out after 1h0m0s: context deadline exceeded; the promise cancelled: true"}, lines)
}

// TestTimeoutInRun checks Timeout on a helper of a run, awaited in the run.
func TestTimeoutInRun(t *testing.T) {
	lines := inRun(t, 10*time.Second, func(ctx context.Context, e *env) error {
		_, err := periodic.Timeout(ctx, sleepThen(ctx, e, 5, 5, nil), 2*time.Second).Await(ctx)
		e.printf("timeout: %v", err)
		v, err := periodic.Timeout(ctx, sleepThen(ctx, e, 1, 1, nil), 2*time.Second).Await(ctx)
		e.printf("value: %v %v", v, err)
		return nil
	})
	require.Equal(t, []string{
		"  2s helper 5 cancelled",
		"  2s timeout: periodic: timed out after 2s: context deadline exceeded",
		"  3s value: 1 <nil>",
	}, lines)
}

func TestWaitModeString(t *testing.T) {
	for mode, want := range map[periodic.WaitMode]string{
		periodic.AllCompleted:   "AllCompleted",
		periodic.FirstCompleted: "FirstCompleted",
		periodic.FirstError:     "FirstError",
		periodic.WaitMode(9):    "WaitMode(9)",
	} {
		require.Equal(t, want, mode.String())
	}
	var zero periodic.WaitMode
	require.Equal(t, periodic.AllCompleted, zero)
}

// TestWaitModes runs Wait in a run over helpers that end at 1 s (value),
// 2 s (b) and 3 s (value), and checks when it returns and what it reports.
func TestWaitModes(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode periodic.WaitMode
		bErr error
		want string
	}{
		{"FirstCompleted", periodic.FirstCompleted, errFut, "  1s done [1] pending [2 3] <nil>"},
		{"FirstError", periodic.FirstError, errFut, "  2s done [1 2] pending [3] <nil>"},
		{"FirstError ignores a cancellation", periodic.FirstError, context.Canceled, "  3s done [1 2 3] pending [] <nil>"},
		{"FirstError with no error", periodic.FirstError, nil, "  3s done [1 2 3] pending [] <nil>"},
		{"AllCompleted", periodic.AllCompleted, errFut, "  3s done [1 2 3] pending [] <nil>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := inRun(t, 5*time.Second, func(ctx context.Context, e *env) error {
				fs := []*periodic.Future[int]{sleepThen(ctx, e, 1, 1, nil), sleepThen(ctx, e, 2, 2, tc.bErr), sleepThen(ctx, e, 3, 3, nil)}
				done, pending, err := periodic.Wait(ctx, tc.mode, fs...)
				e.printf("done %v pending %v %v", indexes(fs, done), indexes(fs, pending), err)
				_, err = periodic.AllSettled(fs...).Await(ctx) // let the others finish
				return err
			})
			require.Equal(t, []string{tc.want}, lines)
		})
	}
}

// indexes returns the 1-based positions of sub in fs.
func indexes[T any](fs, sub []*periodic.Future[T]) []int {
	out := []int{}
	for _, f := range sub {
		out = append(out, slices.Index(fs, f)+1)
	}
	return out
}

func TestWaitOutsideRun(t *testing.T) {
	ps, fs := newPromises(2)
	type result struct {
		done, pending []*periodic.Future[int]
		err           error
	}
	res := make(chan result, 1)
	go func() {
		done, pending, err := periodic.Wait(context.Background(), periodic.FirstCompleted, fs...)
		res <- result{done, pending, err}
	}()
	require.NoError(t, ps[1].Resolve(2))
	r := <-res
	require.NoError(t, r.err)
	require.Equal(t, []*periodic.Future[int]{fs[1]}, r.done)
	require.Equal(t, []*periodic.Future[int]{fs[0]}, r.pending)
}

func TestWaitContextEnds(t *testing.T) {
	ps, fs := newPromises(3)
	require.NoError(t, ps[1].Resolve(1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done, pending, err := periodic.Wait(ctx, periodic.AllCompleted, fs...)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, []*periodic.Future[int]{fs[1]}, done)
	require.Equal(t, []*periodic.Future[int]{fs[0], fs[2]}, pending)
	requirePending(t, fs[0]) // Wait cancels nothing

	done, pending, err = periodic.Wait(ctx, periodic.FirstCompleted, fs...)
	require.NoError(t, err, "met before looking at ctx")
	require.Len(t, done, 1)
	require.Len(t, pending, 2)
}

func TestWaitEmpty(t *testing.T) {
	for _, mode := range []periodic.WaitMode{periodic.AllCompleted, periodic.FirstCompleted, periodic.FirstError} {
		done, pending, err := periodic.Wait[int](context.Background(), mode)
		require.NoError(t, err)
		require.Empty(t, done)
		require.Empty(t, pending)
	}
}

// TestAsCompletedOrder settles promises in a chosen order, each from the
// loop's body, and checks that the sequence yields them in that order.
func TestAsCompletedOrder(t *testing.T) {
	ps, fs := newPromises(4)
	order := []int{2, 0, 3, 1}
	require.NoError(t, ps[order[0]].Resolve(order[0]))
	var got []int
	for f := range periodic.AsCompleted(context.Background(), fs...) {
		v, err := f.Result()
		require.NoError(t, err)
		got = append(got, v)
		if len(got) < len(order) {
			require.NoError(t, ps[order[len(got)]].Resolve(order[len(got)]))
		}
	}
	require.Equal(t, order, got)

	var again []int // a second range starts afresh
	for f := range periodic.AsCompleted(context.Background(), fs...) {
		v, _ := f.Result()
		again = append(again, v)
		break
	}
	require.Equal(t, []int{0}, again, "settled futures come in input order")
}

// TestAsCompletedInRun checks the waiting side: a run ranging over the
// sequence counts as idle and gets each helper at the instant it returns.
func TestAsCompletedInRun(t *testing.T) {
	lines := inRun(t, 5*time.Second, func(ctx context.Context, e *env) error {
		seq := periodic.AsCompleted(ctx, sleepThen(ctx, e, 3, 3, nil), sleepThen(ctx, e, 1, 1, errFut), sleepThen(ctx, e, 2, 2, nil))
		for f := range seq {
			v, err := f.Result()
			e.printf("%d %v", v, err)
		}
		return ctx.Err()
	})
	require.Equal(t, []string{"  1s 1 boom", "  2s 2 <nil>", "  3s 3 <nil>"}, lines)
}

func TestAsCompletedContextEnds(t *testing.T) {
	ps, fs := newPromises(3)
	require.NoError(t, ps[1].Resolve(1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var got []*periodic.Future[int]
	for f := range periodic.AsCompleted(ctx, fs...) {
		got = append(got, f)
	}
	require.Equal(t, []*periodic.Future[int]{fs[1]}, got, "settled ones, then a stop")
	require.Error(t, ctx.Err())
	requirePending(t, fs[0])
}

func TestAsCompletedBadInput(t *testing.T) {
	p := periodic.NewPromise[int]()
	require.NoError(t, p.Resolve(1))
	var got []*periodic.Future[int]
	for f := range periodic.AsCompleted(context.Background(), p.Future(), nil) {
		got = append(got, f)
	}
	require.Len(t, got, 2)
	require.Same(t, p.Future(), got[0])
	requireFailed(t, got[1], periodic.ErrInvalid)
	require.Contains(t, got[1].Err().Error(), "AsCompleted: future 1 is nil")

	got = nil
	for f := range periodic.AsCompleted(nilCtx, p.Future()) {
		got = append(got, f)
	}
	require.Len(t, got, 1)
	requireFailed(t, got[0], periodic.ErrInvalid)
	require.Contains(t, got[0].Err().Error(), "AsCompleted: nil context")
}

// TestGatherCancelRace cancels gathers while their last child is being
// resolved on another goroutine: whenever Cancel reports that the gather
// was pending, the gather settles as cancelled, never with the values.
func TestGatherCancelRace(t *testing.T) {
	cancelledOnes := 0
	for range 2000 {
		ps, fs := newPromises(2)
		require.NoError(t, ps[0].Resolve(1))
		g := periodic.Gather(fs...)
		a := periodic.AllSettled(fs...)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = ps[1].Resolve(2)
		}()
		gc, ac := g.Cancel(), a.Cancel()
		wg.Wait()
		<-g.Done()
		<-a.Done()
		require.Equal(t, gc, g.Cancelled(), "Gather: Cancel()=%v", gc)
		require.Equal(t, ac, a.Cancelled(), "AllSettled: Cancel()=%v", ac)
		if gc {
			cancelledOnes++
		}
	}
	t.Logf("%d of 2000 gathers were cancelled while pending", cancelledOnes)
}
