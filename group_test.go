package periodic_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

func TestGroupSucceeds(t *testing.T) {
	g := periodic.NewGroup(context.Background())
	a := periodic.Spawn(g, func(context.Context) (int, error) { return 1, nil })
	b := periodic.Spawn(g, func(context.Context) (string, error) { return "b", nil })
	ran := make(chan struct{})
	g.Go(func(context.Context) error { close(ran); return nil })
	require.NoError(t, g.Wait())
	<-ran
	requireValue(t, a, 1)
	requireValue(t, b, "b")
	require.ErrorIs(t, g.Context().Err(), context.Canceled, "Wait cancels the group's context")
	require.NoError(t, g.Wait(), "Wait again")
}

// TestGroupCancelsOnError checks that the first failure cancels the
// siblings, that cancellations are not failures, and that Wait joins the
// failures in the order they happened.
func TestGroupCancelsOnError(t *testing.T) {
	errLater := errors.New("later")
	g := periodic.NewGroup(context.Background())
	cancelled := periodic.Spawn(g, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	failsLater := periodic.Spawn(g, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, errLater
	})
	g.Go(func(context.Context) error { return errFut })
	err := g.Wait()
	require.ErrorIs(t, err, errFut)
	require.ErrorIs(t, err, errLater)
	require.Equal(t, "boom\nlater", err.Error())
	require.Equal(t, errFut, context.Cause(g.Context()), "the first failure is the context's cause")
	requireCancelled(t, cancelled)
	requireFailed(t, failsLater, errLater)
}

func TestGroupOneFailure(t *testing.T) {
	g := periodic.NewGroup(context.Background())
	g.Go(func(context.Context) error { return errFut })
	require.Equal(t, errFut, g.Wait(), "one failure is returned as is")
}

func TestGroupPanic(t *testing.T) {
	g := periodic.NewGroup(context.Background())
	f := periodic.Spawn(g, func(context.Context) (int, error) { panic("spawned bug") })
	err := g.Wait()
	var pe *periodic.PanicError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "spawned bug", pe.Value)
	require.ErrorAs(t, f.Err(), &pe)
}

// TestGroupParentEnds checks that when the parent context ends, the
// functions' context errors are not failures and Wait returns the
// parent's error.
func TestGroupParentEnds(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	for _, tc := range []struct {
		name   string
		parent context.Context
		want   error
	}{
		{"cancelled", cancelled, context.Canceled},
		{"deadline", expired, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := periodic.NewGroup(tc.parent)
			f := periodic.Spawn(g, func(ctx context.Context) (int, error) { return 0, ctx.Err() })
			g.Go(func(ctx context.Context) error { return ctx.Err() })
			require.Equal(t, tc.want, g.Wait())
			<-f.Done()
			require.ErrorIs(t, f.Err(), tc.want)
		})
	}
}

func TestGroupZeroValue(t *testing.T) {
	var g periodic.Group
	require.NoError(t, g.Context().Err())
	f := periodic.Spawn(&g, func(context.Context) (int, error) { return 2, nil })
	require.NoError(t, g.Wait())
	requireValue(t, f, 2)
}

func TestGroupBadInput(t *testing.T) {
	fn := func(context.Context) (int, error) { return 1, nil }

	bad := periodic.NewGroup(nilCtx)
	requireFailed(t, periodic.Spawn(bad, fn), periodic.ErrInvalid)
	bad.Go(func(context.Context) error { panic("must not run") })
	err := bad.Wait()
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.Contains(t, err.Error(), "NewGroup: nil context")
	require.Error(t, bad.Context().Err())

	var none *periodic.Group
	f := periodic.Spawn(none, fn)
	requireFailed(t, f, periodic.ErrInvalid)
	require.Contains(t, f.Err().Error(), "Spawn on a nil Group")
	none.Go(func(context.Context) error { return nil }) // does nothing
	require.ErrorIs(t, none.Wait(), periodic.ErrInvalid)
	require.ErrorIs(t, context.Cause(none.Context()), periodic.ErrInvalid)

	for _, tc := range []struct {
		name  string
		spawn func(g *periodic.Group)
	}{
		{"Spawn", func(g *periodic.Group) {
			f := periodic.Spawn[int](g, nil)
			requireFailed(t, f, periodic.ErrInvalid)
		}},
		{"Go", func(g *periodic.Group) { g.Go(nil) }},
	} {
		t.Run(tc.name+" nil function", func(t *testing.T) {
			g := periodic.NewGroup(context.Background())
			sibling := periodic.Spawn(g, func(ctx context.Context) (int, error) {
				<-ctx.Done()
				return 0, ctx.Err()
			})
			tc.spawn(g)
			err := g.Wait()
			require.ErrorIs(t, err, periodic.ErrInvalid)
			require.Contains(t, err.Error(), "Spawn: nil function")
			requireCancelled(t, sibling)
		})
	}
}

// TestGroupInRun checks that a group in a run waits for every function,
// even one that ignores the cancel, that its Wait counts as idle, and that
// the failure cancels the siblings at its exact instant.
func TestGroupInRun(t *testing.T) {
	lines := inRun(t, 10*time.Second, func(ctx context.Context, e *env) error {
		g := periodic.NewGroup(ctx)
		sleepIn(g, e, 5, periodic.Sleep)
		sleepIn(g, e, 7, func(ctx context.Context, d time.Duration) error {
			return periodic.Sleep(context.WithoutCancel(ctx), d) // ignores the cancel
		})
		g.Go(func(ctx context.Context) error {
			if err := periodic.Sleep(ctx, time.Second); err != nil {
				return err
			}
			e.printf("fail")
			return errFut
		})
		err := g.Wait()
		e.printf("wait: %v", err)
		return nil
	})
	require.Equal(t, []string{
		"  1s fail",
		"  1s sleeper 5: context canceled",
		"  7s sleeper 7: <nil>",
		"  7s wait: boom",
	}, lines)
}

// sleepIn starts a function in g that sleeps sec seconds with sleep and
// prints how that went.
func sleepIn(g *periodic.Group, e *env, sec int, sleep func(context.Context, time.Duration) error) {
	g.Go(func(ctx context.Context) error {
		err := sleep(ctx, time.Duration(sec)*time.Second)
		e.printf("sleeper %d: %v", sec, err)
		return err
	})
}

// TestGroupSpawnAfterWait checks that a group is single-use, as asyncio's
// TaskGroup: after Wait has returned, Spawn and Go refuse, the function
// never runs, and the refusal is a failure that the next Wait reports.
func TestGroupSpawnAfterWait(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spawn func(g *periodic.Group, ran *atomic.Bool) *periodic.Future[int]
	}{
		{"Spawn", func(g *periodic.Group, ran *atomic.Bool) *periodic.Future[int] {
			return periodic.Spawn(g, func(context.Context) (int, error) { ran.Store(true); return 1, nil })
		}},
		{"Go", func(g *periodic.Group, ran *atomic.Bool) *periodic.Future[int] {
			g.Go(func(context.Context) error { ran.Store(true); return nil })
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := periodic.NewGroup(context.Background())
			_, err := periodic.Spawn(g, func(context.Context) (int, error) { return 1, nil }).Await(context.Background())
			require.NoError(t, err)
			require.NoError(t, g.Wait())
			var ran atomic.Bool
			f := tc.spawn(g, &ran)
			if f != nil {
				requireFailed(t, f, periodic.ErrInvalidState)
				require.ErrorContains(t, f.Err(), "periodic: invalid state: Spawn on a Group whose Wait has returned")
			}
			err = g.Wait()
			require.ErrorIs(t, err, periodic.ErrInvalidState)
			require.False(t, ran.Load(), "the function never runs")
		})
	}
}

// TestGroupSpawnWhileWaiting checks that a function of the group may
// spawn a sibling while Wait blocks, and that Wait waits for it.
func TestGroupSpawnWhileWaiting(t *testing.T) {
	lines := inRun(t, 10*time.Second, func(ctx context.Context, e *env) error {
		g := periodic.NewGroup(ctx)
		g.Go(func(ctx context.Context) error {
			if err := periodic.Sleep(ctx, time.Second); err != nil {
				return err
			}
			g.Go(func(ctx context.Context) error {
				err := periodic.Sleep(ctx, 2*time.Second)
				e.printf("child: %v", err)
				return err
			})
			return nil
		})
		err := g.Wait()
		e.printf("wait: %v", err)
		return err
	})
	require.Equal(t, []string{"  3s child: <nil>", "  3s wait: <nil>"}, lines)
}
