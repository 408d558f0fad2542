// Command demo runs the seed scenario on the real clock: every -every a job
// is spawned that sleeps a random duration between -min and -max (to the
// millisecond), and the jobs run concurrently. It prints each job's start
// and finish, like the asyncio original, until Ctrl-C or the end of -for;
// then it shuts down gracefully, waiting for the jobs still running, and
// prints a summary. A second Ctrl-C during that wait cancels the jobs and
// exits at once, with status 130.
//
// With -http ADDR it also serves the dashboard (package dashboard) at
// http://ADDR/; callers on this machine that open it by a loopback name or
// address (localhost, 127.0.0.1, [::1]) may pause, resume and run the job
// from it.
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
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/dashboard"
)

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	err := run(os.Args[1:], os.Stdout, os.Stderr, sigs)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "demo:", err)
	}
	os.Exit(exitCode(err))
}

// errInterrupted is run's error when a second signal cut the graceful
// wait short.
var errInterrupted = errors.New("interrupted again: the running jobs were cancelled")

// exitCode is the command's status for run's error: 0 for none and for
// -h, 130 (a shell's code for Ctrl-C) when a second signal cancelled the
// jobs, 2 for bad flags and other errors.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errInterrupted):
		return 130
	}
	return 2
}

// options are the command's flags.
type options struct {
	every, min, max, dur time.Duration
	http                 string // the dashboard's address, or ""
}

// parse reads and checks the flags; it prints the usage to usage for -h
// (and returns flag.ErrHelp) and after a flag it cannot read.
func parse(args []string, usage io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.DurationVar(&o.every, "every", 10*time.Second, "spawn a job this often")
	fs.DurationVar(&o.min, "min", 5*time.Second, "shortest job (any duration, e.g. 300ms)")
	fs.DurationVar(&o.max, "max", 15*time.Second, "longest job")
	fs.DurationVar(&o.dur, "for", 0, "stop after this long (0: until Ctrl-C)")
	fs.StringVar(&o.http, "http", "", "serve the dashboard on this address (e.g. 127.0.0.1:8080)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.every <= 0:
		return o, fmt.Errorf("-every %v: must be positive", o.every)
	case o.min < 0 || o.max < o.min:
		return o, fmt.Errorf("-min %v -max %v: need 0 <= min <= max", o.min, o.max)
	case o.dur < 0:
		return o, fmt.Errorf("-for %v: must not be negative", o.dur)
	}
	return o, nil
}

// run runs the scenario until a signal on sigs or the end of -for, then
// shuts down gracefully; a second signal during that wait cancels the
// running jobs, so that run returns at once (errInterrupted).
func run(args []string, out, usage io.Writer, sigs <-chan os.Signal) error {
	o, err := parse(args, usage)
	if err != nil {
		return err
	}
	var end <-chan time.Time
	if o.dur > 0 {
		t := time.NewTimer(o.dur)
		defer t.Stop()
		end = t.C
	}
	st := &stats{out: out}
	s := periodic.New()
	if _, err := periodic.Schedule(s, periodic.Every(o.every), st.job(o, rand.Int64N),
		periodic.WithName("run_job"), periodic.StartImmediately()); err != nil {
		return err
	}
	s.Start()
	stopHTTP, err := serve(o.http, s, out)
	if err != nil {
		_ = s.Shutdown(context.Background())
		return err
	}
	select {
	case <-sigs:
	case <-end:
	}
	stopHTTP()
	fmt.Fprintf(out, "%s shutting down, waiting for %d running job(s); Ctrl-C again cancels them\n", stamp(), st.running())
	if err := shutdown(s, sigs); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s done: %d runs, %d finished, peak concurrency %d\n", stamp(), st.runs, st.done, st.peak)
	return nil
}

// shutdown shuts s down, cancelling its runs when a signal comes on sigs
// first; it returns errInterrupted then.
func shutdown(s *periodic.Scheduler, sigs <-chan os.Signal) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // cancels on a second signal; owned and waited for here
		defer wg.Done()
		select {
		case <-sigs:
			cancel()
		case <-done:
		}
	}()
	err := s.Shutdown(ctx)
	close(done)
	wg.Wait()
	if errors.Is(err, context.Canceled) {
		return errInterrupted
	}
	return err
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

// fromLoopback allows the dashboard's writes to callers on this machine
// that asked for it by a loopback name or address. The client's address
// alone is not enough: a page of another site whose name was made to
// resolve to 127.0.0.1 (DNS rebinding) posts from the loopback address too,
// as a same-origin request, but with its own name as Host.
func fromLoopback(r *http.Request) bool {
	return isLoopback(r.RemoteAddr) && isLoopback(r.Host)
}

// isLoopback reports whether hostport, with or without a port, is
// localhost or a loopback address.
func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// stats counts runs; mu guards the counters and the output.
type stats struct {
	mu                    sync.Mutex
	out                   io.Writer
	runs, done, now, peak int
}

// job returns the seed's run_job, which sleeps for a duration drawn by
// draw with intn (rand.Int64N). Each run gets a number, in the order the
// runs start, which its start and finish lines both show, so that
// overlapping runs pair up: "run #3 started" ... "run #3 finished".
func (st *stats) job(o options, intn func(int64) int64) periodic.Func[time.Duration] {
	return func(ctx context.Context) (time.Duration, error) {
		d := draw(o.min, o.max, intn)
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

// draw returns a duration from lo to hi, both included, uniform to the
// millisecond (to the nanosecond when hi-lo is under a millisecond).
// intn(n) returns a number in [0, n), as rand.Int64N does.
func draw(lo, hi time.Duration, intn func(int64) int64) time.Duration {
	step := time.Millisecond
	if hi-lo < step {
		step = 1
	}
	return lo + time.Duration(intn(int64((hi-lo)/step)+1))*step
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
