package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// A producer goroutine resolves a promise; a consumer awaits its future.
func ExamplePromise() {
	p := periodic.NewPromise[string]()
	go func() {
		_ = p.Resolve("hello") // the result of some work
	}()
	v, err := p.Future().Await(context.Background())
	fmt.Println(v, err)
	fmt.Println(p.Resolve("again"))
	// Output:
	// hello <nil>
	// periodic: invalid state: Resolve on a settled future
}

// A callback runs after the future settles, on another goroutine, so the
// example waits for it before printing the end.
func ExampleFuture_OnDone() {
	p := periodic.NewPromise[int]()
	called := make(chan struct{})
	p.Future().OnDone(func(f *periodic.Future[int]) {
		v, err := f.Result()
		fmt.Println("callback:", v, err)
		close(called)
	})
	fmt.Println("resolving")
	_ = p.Resolve(42)
	<-called
	fmt.Println("end")
	// Output:
	// resolving
	// callback: 42 <nil>
	// end
}

// Gather collects the values of several futures in input order.
func ExampleGather() {
	ctx := context.Background()
	square := func(n int) periodic.Func[int] {
		return func(context.Context) (int, error) { return n * n, nil }
	}
	all := periodic.Gather(periodic.Go(ctx, square(1)), periodic.Go(ctx, square(2)), periodic.Go(ctx, square(3)))
	fmt.Println(all.Await(ctx))
	// Output:
	// [1 4 9] <nil>
}

// The first failure in a group cancels the others; Wait waits for all of
// them and returns the failure.
func ExampleGroup() {
	g := periodic.NewGroup(context.Background())
	fetched := periodic.Spawn(g, func(context.Context) (string, error) { return "fetched", nil })
	slow := periodic.Spawn(g, func(ctx context.Context) (int, error) {
		<-ctx.Done() // cancelled by the failure below
		return 0, ctx.Err()
	})
	g.Go(func(context.Context) error { return errors.New("disk full") })
	fmt.Println("wait:", g.Wait())
	fmt.Println(fetched.Result())
	fmt.Println("slow cancelled:", slow.Cancelled())
	// Output:
	// wait: disk full
	// fetched <nil>
	// slow cancelled: true
}

// TimeoutOn keeps the deadline on a clock of the caller's, here a mock.
// On expiry it cancels the inner future and fails with
// context.DeadlineExceeded.
func ExampleTimeoutOn() {
	m := clock.NewMock()
	p := periodic.NewPromise[int]()
	f := periodic.TimeoutOn(m, p.Future(), 5*time.Second)
	m.Add(5 * time.Second)
	_, err := f.Await(context.Background())
	fmt.Println(err)
	fmt.Println("inner cancelled:", p.Future().Cancelled())
	// Output:
	// periodic: timed out after 5s: context deadline exceeded
	// inner cancelled: true
}

// A run starts helpers with Go and takes their results as they complete.
// On a mock clock driven by periodictest, each arrives at its exact time.
func ExampleAsCompleted() {
	ctx := context.Background()
	m := clock.NewMock()
	start := m.Now()
	s := periodic.New(periodic.WithClock(m))
	job, err := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		fetch := func(name string, secs int) *periodic.Future[string] {
			return periodic.Go(ctx, func(ctx context.Context) (string, error) {
				return name, periodic.Sleep(ctx, time.Duration(secs)*time.Second)
			})
		}
		n := 0
		for f := range periodic.AsCompleted(ctx, fetch("slow", 3), fetch("fast", 1), fetch("medium", 2)) {
			name, _ := f.Result()
			fmt.Println(m.Now().Sub(start), name)
			n++
		}
		return n, ctx.Err()
	})
	if err != nil {
		panic(err)
	}
	s.Start()
	f := job.RunNow()
	_ = periodictest.Advance(ctx, s, m, 5*time.Second)
	fmt.Println(f.Result())
	_ = s.Shutdown(ctx)
	// Output:
	// 1s fast
	// 2s medium
	// 3s slow
	// 3 <nil>
}
