// Command demo runs the seed scenario on the real clock: every -every a job
// is spawned that sleeps a random duration between -min and -max, and the
// jobs run concurrently. It prints each job's start and finish, like the
// asyncio original, until Ctrl-C or the end of -for; then it shuts down
// gracefully, waiting for the jobs still running, and prints a summary.
//
// With -http ADDR it also serves the dashboard (package dashboard) at
// http://ADDR/; callers on the loopback interface may pause, resume and
// run the job from it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/dashboard"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(2)
	}
}

// options are the command's flags.
type options struct {
	every, min, max, dur time.Duration
	http                 string // the dashboard's address, or ""
}

// parse reads and checks the flags.
func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.DurationVar(&o.every, "every", 10*time.Second, "spawn a job this often")
	fs.DurationVar(&o.min, "min", 5*time.Second, "shortest job")
	fs.DurationVar(&o.max, "max", 15*time.Second, "longest job")
	fs.DurationVar(&o.dur, "for", 0, "stop after this long (0: until Ctrl-C)")
	fs.StringVar(&o.http, "http", "", "serve the dashboard on this address (e.g. 127.0.0.1:8080)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.every <= 0:
		return o, fmt.Errorf("-every %v: must be positive", o.every)
	case o.min < 0 || o.max < o.min:
		return o, fmt.Errorf("-min %v -max %v: need 0 <= min <= max", o.min, o.max)
	case o.dur < 0:
		return o, fmt.Errorf("-for %v: must not be negative", o.dur)
	}
	return o, nil
}

// run runs the scenario until a signal or the end of -for.
func run(args []string, out io.Writer) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.dur)
		defer cancel()
	}
	st := &stats{out: out}
	s := periodic.New()
	if _, err := periodic.Schedule(s, periodic.Every(o.every), st.job(o),
		periodic.WithName("run_job"), periodic.StartImmediately()); err != nil {
		return err
	}
	s.Start()
	stopHTTP, err := serve(o.http, s, out)
	if err != nil {
		_ = s.Shutdown(context.Background())
		return err
	}
	<-ctx.Done()
	stopHTTP()
	fmt.Fprintf(out, "%s shutting down, waiting for %d running job(s)\n", stamp(), st.running())
	if err := s.Shutdown(context.Background()); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s done: %d runs, %d finished, peak concurrency %d\n", stamp(), st.runs, st.done, st.peak)
	return nil
}

// serve serves the dashboard of s on addr, unless addr is empty, and
// returns the function that stops it.
func serve(addr string, s *periodic.Scheduler, out io.Writer) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	h, err := dashboard.New(s, dashboard.WithAuthorize(fromLoopback))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-http %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // ends with http.ErrServerClosed
	}()
	fmt.Fprintf(out, "%s dashboard on http://%s/\n", stamp(), ln.Addr())
	return func() {
		_ = h.Close() // ends the event streams, which Shutdown would wait for
		_ = srv.Shutdown(context.Background())
		<-done
	}, nil
}

// fromLoopback allows the dashboard's writes to callers on this machine.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

// stats counts runs; mu guards the counters and the output.
type stats struct {
	mu                    sync.Mutex
	out                   io.Writer
	runs, done, now, peak int
}

// job returns the seed's run_job. Each run gets a number, in the order
// the runs start, which its start and finish lines both show, so that
// overlapping runs pair up: "run #3 started" ... "run #3 finished".
func (st *stats) job(o options) periodic.Func[time.Duration] {
	return func(ctx context.Context) (time.Duration, error) {
		d := o.min + time.Duration(rand.Int64N(int64(o.max-o.min)/int64(time.Second)+1))*time.Second
		n := st.begin(d)
		err := periodic.Sleep(ctx, d)
		if errors.Is(err, context.Canceled) {
			st.end(n, "cancelled after less than %v", d)
			return 0, err
		}
		st.end(n, "finished after %v", d)
		return d, nil
	}
}

// begin counts a start, prints it and returns the run's number.
func (st *stats) begin(d time.Duration) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.runs++
	st.now++
	st.peak = max(st.peak, st.now)
	fmt.Fprintf(st.out, "%s run #%d started: sleep for %v (%d running)\n", stamp(), st.runs, d, st.now)
	return st.runs
}

// end counts the finish of run n and prints it.
func (st *stats) end(n int, format string, args ...any) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.now--
	st.done++
	fmt.Fprintf(st.out, "%s run #%d %s (%d running)\n", stamp(), n, fmt.Sprintf(format, args...), st.now)
}

// running returns the runs in flight.
func (st *stats) running() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.now
}

// stamp is the asyncio original's timestamp format.
func stamp() string { return time.Now().Format("2006-01-02 15:04:05.000000") }
