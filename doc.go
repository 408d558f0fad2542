// Package periodic runs periodic work the way Python's asyncio runs tasks:
// a [Scheduler] plays the event loop, each run of a job is a task, and every
// run hands back a [Future] you can await, cancel, or hang a callback on.
//
// # The seed scenario
//
// Every 10 s a job is spawned; each job takes a random 5-15 s; jobs run
// concurrently, so a new one starts while older ones are still running:
//
//	s := periodic.New()
//	job, err := periodic.Schedule(s, periodic.Every(10*time.Second),
//		func(ctx context.Context) (int, error) {
//			d := time.Duration(5+rand.IntN(11)) * time.Second
//			if err := periodic.Sleep(ctx, d); err != nil { // clock-aware, cancellable
//				return 0, err
//			}
//			return int(d / time.Second), nil
//		},
//		periodic.WithName("run_job"), periodic.StartImmediately())
//	s.Start()
//	n, err := job.RunNow().Await(ctx)
//	_ = s.Shutdown(ctx) // stop ticking, wait for runs
//
// # asyncio in Go
//
//	asyncio                          periodic
//	-------                          --------
//	event loop                       Scheduler (New, Start, Shutdown)
//	asyncio.create_task(coro)        Go(ctx, fn), or a job's run
//	asyncio.Future                   Future, with Promise as its producer
//	fut.done() / result()            Done, Result (non-blocking)
//	fut.exception()                  Err
//	await fut                        Await(ctx)
//	fut.cancel() / cancelled()       Cancel, Cancelled
//	fut.add_done_callback(fn)        OnDone (returns stop)
//	asyncio.sleep(d)                 Sleep(ctx, d), on the scheduler's clock
//	asyncio.gather(...)              Gather; AllSettled (return_exceptions)
//	asyncio.as_completed(...)        AsCompleted (an iter.Seq)
//	asyncio.wait(...)                Wait with FirstCompleted and friends
//	asyncio.wait_for(aw, t)          Timeout, TimeoutOn
//	asyncio.shield(aw)               Shield
//	asyncio.TaskGroup                Group, Spawn
//	CancelledError                   ErrCancelled (is context.Canceled)
//
// # Futures
//
// A future is pending until it settles, exactly once, as succeeded,
// failed or cancelled; its value and error are written before Done is
// closed and never change. Result and Err never block: on a pending future
// they return an error wrapping [ErrInvalidState]. Await blocks until the
// future settles or its context ends, and never changes the future.
//
// Cancel on a [Promise]'s future settles it as cancelled at once. Cancel
// on a run's or Go's future cancels the function's context; the future
// settles when the function returns, so Done means its goroutine has
// finished. OnDone callbacks run after Done is closed, one at a time in
// registration order, on at most one goroutine per future, never inside
// OnDone or inside the call that settled the future. A panic in a job or
// in Go becomes a [*PanicError]; nothing re-panics.
//
// # Jobs and triggers
//
// [Schedule] adds a job on a [Trigger]: [Every], [Cron] or [At]. Ticks are
// anchored: the k-th tick of Every(d) is at anchor + k*d, however late a
// run starts. [Overlap] decides what a tick does while a run is in flight,
// [Misfire] what happens to ticks the scheduler missed, and WithTimeout,
// WithRetry, WithJitter, WithLimit, WithStopAt shape each run. Hooks, a
// slog logger and per-job Stats report what happened. With [WithStore],
// replicas of a service share each named job's state (a [Store]): each
// tick runs at most once in the cluster, overlap policies and pause hold
// across replicas, and a restarted replica resumes from the job's last
// claimed tick under its Misfire policy. [WithLocker] is the simpler
// interface of one claim per tick.
//
// # Testing with a mock clock
//
// The scheduler reads time only through its clock ([WithClock]). Package
// periodictest drives a scheduler on a *clock.Mock: Advance moves the
// clock deadline by deadline and, after each step, waits until the
// scheduler is idle. Idle means every run that became due has started (or
// waits for a concurrency slot or its turn in a queue), and every
// goroutine of the scheduler has returned or is blocked in [Sleep], or in
// Await or a combinator, with nothing about to wake it. Deadlines due at
// the same instant are released one at a time, in the order they were
// registered: a job's tick when the previous tick fired, a sleeper when it
// called Sleep. So a test or example that prints from jobs prints the same
// lines on every run, under -race, with no time.Sleep and no polling.
//
// Two rules keep it so. Inside a job, wait with [Sleep] and Await rather
// than time.Sleep or bare channels, so the scheduler can see the wait; and
// start helper goroutines with [Go](ctx, ...) rather than the go
// statement, so the scheduler can see them. For long simulated spans use
// periodictest.NewClock, which moves without the mock's real-time pauses.
//
// See the examples for the seed scenario on a mock clock, RunNow and
// Await, OnRun, overlap policies, cron, retries and the futures'
// combinators.
package periodic
