package periodic_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// Two replicas of a service share a store: each tick of the named job
// runs once in the cluster. The first replica is stopped for a while (a
// deploy); the second runs the ticks meanwhile, and the first, restarted,
// resumes from the cluster's last tick.
func ExampleWithStore() {
	store := periodictest.NewStore() // redisstore or pgstore in production
	start := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	replica := func(name string, now time.Time) (*periodic.Scheduler, *periodictest.Clock) {
		clk := periodictest.NewClock(now)
		s := periodic.New(periodic.WithClock(clk), periodic.WithStore(store), periodic.WithReplica(name),
			periodic.WithLogger(slog.New(slog.DiscardHandler)))
		_, err := periodic.Schedule(s, periodic.Every(time.Minute), func(ctx context.Context) (int, error) {
			fmt.Println(name, "runs", periodic.TickFrom(ctx).Format("15:04"))
			return 0, nil
		}, periodic.WithName("report"))
		if err != nil {
			panic(err)
		}
		s.Start()
		return s, clk
	}
	ctx := context.Background()
	a, clkA := replica("a", start)
	b, clkB := replica("b", start)
	for range 2 { // a claims first each minute; b's claims are lost
		_ = periodictest.Advance(ctx, a, clkA, time.Minute)
		_ = periodictest.Advance(ctx, b, clkB, time.Minute)
	}
	_ = a.Shutdown(ctx) // a is down for two minutes
	_ = periodictest.Advance(ctx, b, clkB, 2*time.Minute)
	a, clkA = replica("a", clkB.Now()) // restarted at 09:04

	_ = periodictest.Advance(ctx, a, clkA, time.Minute)
	_ = periodictest.Advance(ctx, b, clkB, time.Minute)
	_ = a.Shutdown(ctx)
	_ = b.Shutdown(ctx)
	// Output:
	// a runs 09:01
	// a runs 09:02
	// b runs 09:03
	// b runs 09:04
	// a runs 09:05
}
