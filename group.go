package periodic

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Group runs functions that belong together and waits for all of them,
// like asyncio.TaskGroup. Spawn starts a function with a result and
// returns its Future; Go starts one that only returns an error; Wait
// blocks until every function has returned and reports their errors. A
// Group is single-use, as a TaskGroup that has exited: once Wait has
// returned, Spawn and Go refuse to start anything.
//
// The first function to fail with an error that is not a cancellation
// cancels the group's context (Context), so that its siblings stop; the
// cause of that context is the error. Wait joins the errors of all
// functions that failed. Cancellations do not count as failures: an error
// that is context.Canceled, or that is the group context's own error (say
// context.DeadlineExceeded from the parent's deadline) once that context
// has ended.
//
// Functions run through Go (the package function), on the group's
// context, so a group made inside a run of a scheduler belongs to that
// run: WaitIdle and periodictest see its goroutines, Shutdown cancels
// them, and Wait counts as idle while it blocks.
//
// All methods are safe for use by several goroutines. The zero Group is
// usable and has context.Background() as its parent; NewGroup gives it a
// parent context. A Group must not be copied after first use.
type Group struct {
	once   sync.Once
	parent context.Context
	ctx    context.Context
	cancel context.CancelCauseFunc
	bad    error // NewGroup's error, if its ctx was nil

	// mu guards the fields below.
	mu     sync.Mutex
	n      int           // functions started and not returned
	errs   []error       // failures, in the order they happened
	idle   chan struct{} // made by Wait, closed when n drops to 0
	waited bool          // a Wait found nothing running and is returning: Spawn refuses
}

// NewGroup returns a group whose context is derived from ctx: cancelling
// ctx cancels the group's functions. A nil ctx gives a group that runs
// nothing: Spawn returns futures that have already failed, and Wait
// returns an error wrapping ErrInvalid.
func NewGroup(ctx context.Context) *Group {
	g := &Group{parent: ctx}
	if ctx == nil {
		g.bad = fmt.Errorf("%w: NewGroup: nil context", ErrInvalid)
	}
	g.init()
	return g
}

// init sets up the group's context once.
func (g *Group) init() {
	g.once.Do(func() {
		if g.parent == nil {
			g.parent = context.Background()
		}
		g.ctx, g.cancel = context.WithCancelCause(g.parent)
		if g.bad != nil {
			g.errs = append(g.errs, g.bad)
			g.cancel(g.bad)
		}
	})
}

// Context returns the group's context, which its functions receive. It is
// cancelled when a function fails, when the parent context ends, and when
// Wait returns. On a nil Group it returns a context that is already
// cancelled.
func (g *Group) Context() context.Context {
	if g == nil {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(errNilGroup("Context"))
		return ctx
	}
	g.init()
	return g.ctx
}

// Spawn starts fn in the group and returns its future, like
// TaskGroup.create_task. It does not block. A group is single-use: once
// a Wait has returned, Spawn refuses, as create_task does on a TaskGroup
// that has exited; fn never runs and the future has already failed with
// an error wrapping ErrInvalidState. Functions of the group may spawn
// more while Wait blocks; Wait waits for those too. A nil g or fn gives a
// future that has already failed with an error wrapping ErrInvalid. A
// refusal and a nil fn also count as failures of the group, so that a
// later Wait reports them.
func Spawn[T any](g *Group, fn Func[T]) *Future[T] {
	if g == nil {
		return failed[T](errNilGroup("Spawn"))
	}
	g.init()
	switch {
	case g.bad != nil:
		return failed[T](g.bad)
	case fn == nil:
		err := fmt.Errorf("%w: Spawn: nil function", ErrInvalid)
		g.finish(err, false)
		return failed[T](err)
	}
	if err := g.start(); err != nil {
		return failed[T](err)
	}
	f := Go(g.ctx, fn)
	f.listen(func() { g.finish(f.Err(), true) })
	return f
}

// start counts a function as started, or refuses it once a Wait has
// returned: the refusal is recorded as a failure of the group.
func (g *Group) start() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.waited {
		err := fmt.Errorf("%w: Spawn on a Group whose Wait has returned: a Group is single-use", ErrInvalidState)
		g.errs = append(g.errs, err)
		return err
	}
	g.n++
	return nil
}

// Go starts fn in the group, like errgroup.Group.Go: Spawn for a function
// with no result. It does not block. A nil fn, or a call after Wait has
// returned, counts as a failure of the group (an error wrapping
// ErrInvalid or ErrInvalidState) and fn never runs; on a nil Group, Go
// does nothing (Wait on it returns an error).
func (g *Group) Go(fn func(ctx context.Context) error) {
	if g == nil {
		return
	}
	if fn == nil {
		Spawn[struct{}](g, nil)
		return
	}
	Spawn(g, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) })
}

// Wait blocks until every function of the group has returned, even after
// the parent context has ended, then cancels the group's context and
// closes the group to Spawn. It returns the failures joined with
// errors.Join (the error itself when there is one), or, when nothing
// failed, the parent context's Err (nil if it has not ended). Inside a run
// of a scheduler the run counts as idle while it waits. Several goroutines
// may call Wait, and Wait may be called again: it then returns at once,
// with the failures recorded so far. On a nil Group it returns an error
// wrapping ErrInvalid.
func (g *Group) Wait() error {
	if g == nil {
		return errNilGroup("Wait")
	}
	g.init()
	for ch := g.joined(); ch != nil; ch = g.joined() {
		_ = waitFor(context.WithoutCancel(g.parent), ch)
	}
	g.cancel(context.Canceled)
	g.mu.Lock()
	errs := g.errs
	g.mu.Unlock()
	switch len(errs) {
	case 0:
		return g.parent.Err()
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// joined closes the group to Spawn and returns nil when no function is
// running, or else a channel closed when the count next drops to zero.
func (g *Group) joined() chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n == 0 {
		g.waited = true
		return nil
	}
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	return g.idle
}

// finish records the end of a function, with its error, and whether it
// had been counted as started.
func (g *Group) finish(err error, started bool) {
	failed := err != nil && !g.cancellation(err)
	g.mu.Lock()
	if failed {
		g.errs = append(g.errs, err)
	}
	if started {
		g.n--
		if g.n == 0 && g.idle != nil {
			close(g.idle)
			g.idle = nil
		}
	}
	g.mu.Unlock()
	if failed {
		g.cancel(err)
	}
}

// cancellation reports whether err means that a function was cancelled.
func (g *Group) cancellation(err error) bool {
	if isCancel(err) {
		return true
	}
	cerr := g.ctx.Err()
	return cerr != nil && errors.Is(err, cerr)
}

// errNilGroup is the error of a method called on a nil Group.
func errNilGroup(method string) error {
	return fmt.Errorf("%w: %s on a nil Group", ErrInvalid, method)
}
