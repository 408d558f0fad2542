package redislock_test

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/redislock"
)

// Every replica of a service runs this: the same scheduler, the same jobs
// under the same names, one Redis. Each minute's report is sent by one
// replica only. (Not run by go test: it needs a Redis server.)
func Example() {
	client := redis.NewClient(&redis.Options{Addr: "redis:6379"})
	defer client.Close() // after Shutdown, which releases the last leases

	locker, err := redislock.New(client, redislock.WithNamespace("billing"))
	if err != nil {
		log.Fatal(err)
	}
	s := periodic.New(periodic.WithLocker(locker))
	job, err := periodic.Schedule(s, periodic.Every(time.Minute),
		func(ctx context.Context) (int, error) {
			return sendReport(ctx, periodic.TickFrom(ctx))
		},
		periodic.WithName("send-report"))
	if err != nil {
		log.Fatal(err)
	}
	job.OnRun(func(tick time.Time, f *periodic.Future[int]) {
		f.OnDone(func(f *periodic.Future[int]) {
			switch err := f.Err(); {
			case err == nil, errors.Is(err, periodic.ErrClaimed):
				// Sent, here or by another replica.
			default:
				log.Printf("report of %v not sent: %v", tick, err)
			}
		})
	})
	s.Start()
	defer s.Shutdown(context.Background())
	// ... serve until told to stop ...
}

// Claim can also be used without a scheduler, for example by a batch job
// that several cron hosts start at the same minute.
func ExampleLocker_Claim() {
	client := redis.NewClient(&redis.Options{Addr: "redis:6379"})
	defer client.Close()
	locker, err := redislock.New(client, redislock.WithRetention(7*24*time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	day := time.Now().UTC().Truncate(24 * time.Hour)
	lease, err := locker.Claim(ctx, "nightly-export", day)
	switch {
	case errors.Is(err, periodic.ErrClaimed):
		return // another host exports today
	case err != nil:
		log.Fatal(err) // Redis unreachable: better not export than export twice
	}
	defer lease.Release(ctx)
	// ... export ...
}

// sendReport stands for the job's work.
func sendReport(context.Context, time.Time) (int, error) { return 0, nil }
