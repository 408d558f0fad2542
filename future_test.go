package periodic_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

var (
	// errFut is the error the futures' tests fail with.
	errFut = errors.New("boom")
	// nilCtx is a nil context, for the tests of bad input.
	nilCtx context.Context
)

// goroutineID returns the id of the calling goroutine, parsed from its
// stack header "goroutine 42 [running]:".
func goroutineID() uint64 {
	var buf [64]byte
	s := strings.TrimPrefix(string(buf[:runtime.Stack(buf[:], false)]), "goroutine ")
	id, err := strconv.ParseUint(s[:strings.IndexByte(s, ' ')], 10, 64)
	if err != nil {
		panic(err)
	}
	return id
}

// isDone reports whether f's Done channel is closed, without blocking.
func isDone[T any](f *periodic.Future[T]) bool {
	select {
	case <-f.Done():
		return true
	default:
		return false
	}
}

// requirePending checks that f has not settled.
func requirePending[T any](t *testing.T, f *periodic.Future[T]) {
	t.Helper()
	require.False(t, isDone(f), "future settled")
	_, err := f.Result()
	require.ErrorIs(t, err, periodic.ErrInvalidState)
	require.ErrorIs(t, f.Err(), periodic.ErrInvalidState)
	require.False(t, f.Cancelled())
}

// requireValue checks that f has succeeded with want.
func requireValue[T any](t *testing.T, f *periodic.Future[T], want T) {
	t.Helper()
	require.True(t, isDone(f), "future pending")
	v, err := f.Result()
	require.NoError(t, err)
	require.Equal(t, want, v)
	require.NoError(t, f.Err())
	require.False(t, f.Cancelled())
}

// requireFailed checks that f has failed (not been cancelled) with an error
// that is want.
func requireFailed[T any](t *testing.T, f *periodic.Future[T], want error) {
	t.Helper()
	require.True(t, isDone(f), "future pending")
	_, err := f.Result()
	require.ErrorIs(t, err, want)
	require.ErrorIs(t, f.Err(), want)
	require.False(t, f.Cancelled())
}

// requireCancelled checks that f has settled as cancelled.
func requireCancelled[T any](t *testing.T, f *periodic.Future[T]) {
	t.Helper()
	require.True(t, isDone(f), "future pending")
	v, err := f.Result()
	require.Zero(t, v)
	require.ErrorIs(t, err, periodic.ErrCancelled)
	require.ErrorIs(t, err, context.Canceled)
	require.True(t, f.Cancelled())
}

func TestFutureStates(t *testing.T) {
	for _, tc := range []struct {
		name  string
		do    func(p *periodic.Promise[int])
		check func(t *testing.T, f *periodic.Future[int])
	}{
		{"pending", func(*periodic.Promise[int]) {}, requirePending[int]},
		{"succeeded", func(p *periodic.Promise[int]) { require.NoError(t, p.Resolve(7)) },
			func(t *testing.T, f *periodic.Future[int]) { requireValue(t, f, 7) }},
		{"succeeded with zero", func(p *periodic.Promise[int]) { require.NoError(t, p.Resolve(0)) },
			func(t *testing.T, f *periodic.Future[int]) { requireValue(t, f, 0) }},
		{"failed", func(p *periodic.Promise[int]) { require.NoError(t, p.Reject(errFut)) },
			func(t *testing.T, f *periodic.Future[int]) { requireFailed(t, f, errFut) }},
		{"cancelled", func(p *periodic.Promise[int]) { require.True(t, p.Future().Cancel()) }, requireCancelled[int]},
		{"rejected with a cancellation", func(p *periodic.Promise[int]) {
			require.NoError(t, p.Reject(fmt.Errorf("stopped: %w", context.Canceled)))
		}, requireCancelled[int]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := periodic.NewPromise[int]()
			tc.do(p)
			tc.check(t, p.Future())
		})
	}
}

func TestPromiseSettlesOnce(t *testing.T) {
	type op struct {
		name string
		do   func(p *periodic.Promise[int]) error
	}
	resolve := op{"Resolve", func(p *periodic.Promise[int]) error { return p.Resolve(1) }}
	reject := op{"Reject", func(p *periodic.Promise[int]) error { return p.Reject(errFut) }}
	cancel := op{"Cancel", func(p *periodic.Promise[int]) error { p.Future().Cancel(); return nil }}
	for _, first := range []op{resolve, reject, cancel} {
		for _, second := range []op{resolve, reject} {
			t.Run(first.name+" then "+second.name, func(t *testing.T) {
				p := periodic.NewPromise[int]()
				require.NoError(t, first.do(p))
				v1, err1 := p.Future().Result()
				require.ErrorIs(t, second.do(p), periodic.ErrInvalidState)
				v2, err2 := p.Future().Result()
				require.Equal(t, v1, v2)
				require.Equal(t, err1, err2)
				require.False(t, p.Future().Cancel(), "Cancel on a settled future")
			})
		}
	}
}

func TestPromiseRejectNil(t *testing.T) {
	p := periodic.NewPromise[int]()
	err := p.Reject(nil)
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.Contains(t, err.Error(), "Reject(nil)")
	requirePending(t, p.Future())
}

func TestCancelPromise(t *testing.T) {
	p := periodic.NewPromise[int]()
	f := p.Future()
	require.True(t, f.Cancel(), "pending")
	requireCancelled(t, f) // at once, no wait
	require.False(t, f.Cancel(), "twice")
	require.ErrorIs(t, p.Resolve(1), periodic.ErrInvalidState)
	requireCancelled(t, f)

	p = periodic.NewPromise[int]()
	require.NoError(t, p.Resolve(3))
	require.False(t, p.Future().Cancel(), "settled")
	requireValue(t, p.Future(), 3)
}

// TestCancelGo checks that Cancel on a Go future cancels fn's context and
// that the future settles only when fn returns, by what fn returned.
func TestCancelGo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ret   func(ctx context.Context) (int, error)
		check func(t *testing.T, f *periodic.Future[int])
	}{
		{"ignores ctx", func(context.Context) (int, error) { return 5, nil },
			func(t *testing.T, f *periodic.Future[int]) { requireValue(t, f, 5) }},
		{"returns ctx.Err", func(ctx context.Context) (int, error) { return 0, ctx.Err() }, requireCancelled[int]},
		{"returns a wrapped ctx.Err", func(ctx context.Context) (int, error) {
			return 0, fmt.Errorf("stopping: %w", ctx.Err())
		}, requireCancelled[int]},
		{"fails", func(context.Context) (int, error) { return 0, errFut },
			func(t *testing.T, f *periodic.Future[int]) { requireFailed(t, f, errFut) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sawCancel, release := make(chan struct{}), make(chan struct{})
			f := periodic.Go(context.Background(), func(ctx context.Context) (int, error) {
				<-ctx.Done()
				close(sawCancel)
				<-release
				return tc.ret(ctx)
			})
			requirePending(t, f)
			require.True(t, f.Cancel())
			<-sawCancel
			requirePending(t, f) // fn has not returned
			require.True(t, f.Cancel(), "still pending: Cancel again reports true")
			close(release)
			<-f.Done()
			tc.check(t, f)
			require.False(t, f.Cancel())
		})
	}
}

func TestGoParentCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := periodic.Go(ctx, func(ctx context.Context) (int, error) { return 0, ctx.Err() })
	<-f.Done()
	requireCancelled(t, f)
}

func TestGoBadInput(t *testing.T) {
	fn := func(context.Context) (int, error) { return 1, nil }
	f := periodic.Go(nilCtx, fn)
	requireFailed(t, f, periodic.ErrInvalid)
	require.Contains(t, f.Err().Error(), "nil context")

	f = periodic.Go[int](context.Background(), nil)
	requireFailed(t, f, periodic.ErrInvalid)
	require.Contains(t, f.Err().Error(), "nil function")
}

func TestGoPanic(t *testing.T) {
	for _, tc := range []struct {
		name   string
		value  any
		unwrap error
	}{
		{"error", errFut, errFut},
		{"string", "oops", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := periodic.Go(context.Background(), func(context.Context) (int, error) { panic(tc.value) })
			<-f.Done()
			var pe *periodic.PanicError
			require.ErrorAs(t, f.Err(), &pe)
			require.Equal(t, tc.value, pe.Value)
			require.Equal(t, tc.unwrap, pe.Unwrap())
			require.Equal(t, fmt.Sprintf("periodic: panic: %v", tc.value), pe.Error())
			require.Contains(t, string(pe.Stack), "TestGoPanic")
			require.False(t, f.Cancelled())
		})
	}
}

// TestDoneClosedOnce checks that every Done channel closes when the
// future settles, and that readers woken by it see the value (the race
// detector checks the "written before").
func TestDoneClosedOnce(t *testing.T) {
	p := periodic.NewPromise[[]int]()
	f := p.Future()
	before := f.Done()
	require.Equal(t, before, f.Done(), "one channel while pending")
	var wg sync.WaitGroup
	got := make([][]int, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-f.Done()
			got[i], _ = f.Result()
		}()
	}
	require.NoError(t, p.Resolve([]int{1, 2, 3}))
	wg.Wait()
	for _, g := range got {
		require.Equal(t, []int{1, 2, 3}, g)
	}
	<-before
	<-f.Done()
	require.ErrorIs(t, p.Resolve(nil), periodic.ErrInvalidState, "a second settle would close Done twice")
}

func TestAwait(t *testing.T) {
	p := periodic.NewPromise[string]()
	f := p.Future()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.Await(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, periodic.ErrCancelled, "the ctx's error, not the future's")
	requirePending(t, f)

	waited := make(chan error, 1)
	go func() {
		v, err := f.Await(context.Background())
		if err == nil && v != "hi" {
			err = fmt.Errorf("got %q", v)
		}
		waited <- err
	}()
	require.NoError(t, p.Resolve("hi"))
	require.NoError(t, <-waited)

	v, err := f.Await(ctx) // settled wins over an ended ctx
	require.NoError(t, err)
	require.Equal(t, "hi", v)

	q := periodic.NewPromise[string]()
	require.NoError(t, q.Reject(errFut))
	_, err = q.Future().Await(context.Background())
	require.ErrorIs(t, err, errFut)
}

// TestOnDoneOrder registers 100 callbacks, half before and half after the
// future settles, and checks that each runs once, in order, one at a
// time; those registered before settling all run on one goroutine.
func TestOnDoneOrder(t *testing.T) {
	const n = 100
	p := periodic.NewPromise[int]()
	f := p.Future()
	var (
		order   []int    // written only by callbacks, which never overlap
		ids     []uint64 // the goroutine of each callback
		running atomic.Int32
		bad     atomic.Bool
		all     = make(chan struct{})
	)
	register := func(i int) {
		f.OnDone(func(g *periodic.Future[int]) {
			if running.Add(1) != 1 || g != f {
				bad.Store(true)
			}
			order = append(order, i)
			ids = append(ids, goroutineID())
			running.Add(-1)
			if i == n-1 {
				close(all)
			}
		})
	}
	for i := range n / 2 {
		register(i)
	}
	require.NoError(t, p.Resolve(1))
	for i := n / 2; i < n; i++ {
		register(i)
	}
	<-all
	require.False(t, bad.Load(), "two callbacks ran at once, or got another future")
	want := make([]int, n)
	for i := range want {
		want[i] = i
	}
	require.Equal(t, want, order, "each once, in registration order")
	for i := range n / 2 {
		require.Equal(t, ids[0], ids[i], "callbacks registered before settling ran on several goroutines")
	}
}

// TestOnDoneLateNotInline checks that a callback added to a settled future
// runs, but not inside OnDone: it has not run when OnDone returns.
func TestOnDoneLateNotInline(t *testing.T) {
	p := periodic.NewPromise[int]()
	require.NoError(t, p.Resolve(1))
	me := goroutineID()
	gate, ran := make(chan struct{}), make(chan uint64, 1)
	var effect atomic.Bool
	p.Future().OnDone(func(*periodic.Future[int]) {
		id := goroutineID()
		if id != me { // inline, it would wait for itself
			<-gate
		}
		effect.Store(true)
		ran <- id
	})
	require.False(t, effect.Load(), "the callback ran before OnDone returned")
	close(gate)
	require.NotEqual(t, me, <-ran, "the callback ran inside OnDone")
	require.True(t, effect.Load())
}

// TestOnDoneNotInsideSettle checks that the call that settles a future
// returns while its callback is still blocked.
func TestOnDoneNotInsideSettle(t *testing.T) {
	for _, tc := range []struct {
		name   string
		settle func(p *periodic.Promise[int])
	}{
		{"Resolve", func(p *periodic.Promise[int]) { require.NoError(t, p.Resolve(1)) }},
		{"Reject", func(p *periodic.Promise[int]) { require.NoError(t, p.Reject(errFut)) }},
		{"Cancel", func(p *periodic.Promise[int]) { require.True(t, p.Future().Cancel()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := periodic.NewPromise[int]()
			me := goroutineID()
			started, gate, finished := make(chan uint64, 1), make(chan struct{}), make(chan struct{})
			p.Future().OnDone(func(f *periodic.Future[int]) {
				id := goroutineID()
				started <- id
				if id != me {
					<-gate
				}
				close(finished)
			})
			tc.settle(p) // returns although the callback blocks on gate
			require.NotEqual(t, me, <-started, "the callback ran inside the settling call")
			close(gate)
			<-finished
		})
	}
}

func TestOnDoneStop(t *testing.T) {
	p := periodic.NewPromise[int]()
	f := p.Future()
	var calledStopped atomic.Bool
	stop := f.OnDone(func(*periodic.Future[int]) { calledStopped.Store(true) })
	ran := make(chan struct{})
	stopLater := f.OnDone(func(*periodic.Future[int]) { close(ran) })
	require.True(t, stop(), "stop before settling prevents the call")
	require.False(t, stop(), "stop twice")
	require.NoError(t, p.Resolve(1))
	<-ran // callbacks run in order, so the stopped one would have run by now
	require.False(t, calledStopped.Load())
	require.False(t, stopLater(), "stop after the call")
}

// TestOnDonePanic checks that a panicking callback is recovered and
// logged, and that the callbacks after it still run.
func TestOnDonePanic(t *testing.T) {
	var buf syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	p := periodic.NewPromise[int]()
	f := p.Future()
	f.OnDone(func(*periodic.Future[int]) { panic("callback bug") })
	ran := make(chan struct{})
	f.OnDone(func(*periodic.Future[int]) { close(ran) })
	require.NoError(t, p.Resolve(1))
	<-ran
	require.Contains(t, buf.String(), "OnDone callback panicked")
	require.Contains(t, buf.String(), "callback bug")
}

// syncBuffer is a bytes.Buffer safe for use by several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSettleWithoutCallbacksStartsNoGoroutine checks the cost rule: a
// future that settles with no callbacks starts no goroutine.
func TestSettleWithoutCallbacksStartsNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 100 {
		p := periodic.NewPromise[int]()
		_ = p.Future().Done()
		require.NoError(t, p.Resolve(1))
		q := periodic.NewPromise[int]()
		q.Future().Cancel()
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), before)
}

// TestOnDoneRunFuture checks that the callbacks of a run's future belong
// to its scheduler: periodictest waits for them.
func TestOnDoneRunFuture(t *testing.T) {
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		return 3, periodic.Sleep(ctx, 2*time.Second)
	})
	require.NoError(t, err)
	e.s.Start()
	job.RunNow().OnDone(func(f *periodic.Future[int]) {
		v, err := f.Result()
		e.printf("callback %d %v", v, err)
	})
	e.advance(2 * time.Second)
	require.Equal(t, []string{"  2s callback 3 <nil>"}, e.lines())
}
