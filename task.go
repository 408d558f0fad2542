package periodic

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
)

// Func is a unit of work: a job's body or a function started with Go. It
// should return promptly once ctx is done, with an error that is
// ctx.Err() (or wraps it) so that its future settles as cancelled.
type Func[T any] func(ctx context.Context) (T, error)

// PanicError is the error of a future whose function panicked. Value is
// what was passed to panic and Stack the goroutine's stack at that point.
type PanicError struct {
	Value any
	Stack []byte
}

// newPanicError captures the current stack.
func newPanicError(v any) *PanicError { return &PanicError{Value: v, Stack: debug.Stack()} }

// Error returns "periodic: panic: " followed by the value.
func (p *PanicError) Error() string { return fmt.Sprintf("periodic: panic: %v", p.Value) }

// Unwrap returns Value if it is an error, so errors.Is and errors.As see
// through the panic.
func (p *PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// Go starts fn in a new goroutine and returns its future, like
// asyncio.create_task. fn gets a context derived from ctx that Cancel on
// the future cancels. A panic in fn becomes a *PanicError.
//
// When ctx belongs to a run of a scheduler, the goroutine belongs to that
// scheduler too: WaitIdle and periodictest wait for it, and Shutdown
// cancels and waits for it. Jobs that need helper goroutines should start
// them with Go for this reason. Otherwise the caller owns the goroutine and
// should wait for its future.
//
// Once the scheduler of ctx's run has shut down, the future has already
// failed with ErrClosed. A nil fn or ctx gives a future that has already
// failed with an error
// wrapping ErrInvalid.
func Go[T any](ctx context.Context, fn Func[T]) *Future[T] {
	if err := checkGo(ctx, fn == nil); err != nil {
		return failed[T](err)
	}
	cctx, cancel := context.WithCancel(ctx)
	f := &Future[T]{cancel: cancelFunc(cancel)}
	r := runOf(ctx)
	if r != nil {
		if !r.s.holdTask(r) { // the scheduler has stopped: no new goroutine of it
			cancel()
			return failed[T](wrapf(ErrClosed, "Go"))
		}
		f.owner = r.s
		cctx = childTask(cctx, originOf(ctx))
		f.origin = originOf(cctx)
	}
	go func() {
		var v T
		var err error
		returned := false
		defer func() {
			if !returned { // runtime.Goexit in fn: the task still settles
				err = wrapf(ErrGoexit, "Go task")
			}
			cancel()
			if r == nil {
				f.settle(v, err)
				return
			}
			defer r.s.releaseTask(r)
			if f.settleOwn(v, err) { // its callbacks run on this goroutine, before the token goes back
				f.drain()
			}
		}()
		v, err = call(cctx, fn)
		returned = true
	}()
	return f
}

// childTask returns ctx carrying the origin of a new task, the next child
// of parent, so that the task's deadlines take its place in the order of
// deadlines (see order.go).
func childTask(ctx context.Context, parent *origin) context.Context {
	if parent == nil {
		return ctx
	}
	c := &taskCtx{Context: ctx}
	c.o.init(parent, parent.next())
	return c
}

// checkGo reports Go's bad arguments.
func checkGo(ctx context.Context, nilFn bool) error {
	switch {
	case ctx == nil:
		return fmt.Errorf("%w: Go: nil context", ErrInvalid)
	case nilFn:
		return fmt.Errorf("%w: Go: nil function", ErrInvalid)
	}
	return nil
}

// call runs fn, turning a panic into a *PanicError.
func call[T any](ctx context.Context, fn Func[T]) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(r)
		}
	}()
	return fn(ctx)
}

// failed returns a future already settled with err.
func failed[T any](err error) *Future[T] {
	f := &Future[T]{}
	f.settle(*new(T), err)
	return f
}

// asPanic returns the *PanicError in err's chain, or nil.
func asPanic(err error) *PanicError {
	if err == nil {
		return nil
	}
	var pe *PanicError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// isCancel reports whether err means the work was cancelled.
func isCancel(err error) bool { return errors.Is(err, context.Canceled) }
