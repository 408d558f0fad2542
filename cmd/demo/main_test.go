package main

import (
	"context"
	"flag"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-every", "0s"}, "-every 0s: must be positive"},
		{[]string{"-min", "5s", "-max", "1s"}, "-min 5s -max 1s: need 0 <= min <= max"},
		{[]string{"-for", "-1s"}, "-for -1s: must not be negative"},
		{[]string{"-every", "soon"}, `invalid value "soon" for flag -every`},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		_, err := parse(tc.args, io.Discard)
		require.ErrorContains(t, err, tc.want, "%v", tc.args)
		require.Equal(t, 2, exitCode(err))
	}
}

func TestHelpExitsZero(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var usage strings.Builder
		err := run([]string{arg}, io.Discard, &usage, nil)
		require.ErrorIs(t, err, flag.ErrHelp)
		require.Equal(t, 0, exitCode(err))
		require.Contains(t, usage.String(), "Usage of demo:")
		require.Contains(t, usage.String(), "-every duration")
	}
	require.Equal(t, 0, exitCode(nil))
	require.Equal(t, 130, exitCode(errInterrupted))
}

func TestSubSecondDurations(t *testing.T) {
	intn := rand.New(rand.NewPCG(1, 2)).Int64N
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := draw(100*time.Millisecond, 300*time.Millisecond, intn)
		require.GreaterOrEqual(t, d, 100*time.Millisecond)
		require.LessOrEqual(t, d, 300*time.Millisecond)
		require.Zero(t, d%time.Millisecond, d)
		seen[d] = true
	}
	require.Greater(t, len(seen), 150) // most of the 201 values, not the 1 whole-second draw of before

	for _, tc := range []struct {
		lo, hi time.Duration
		pick   func(n int64) int64
		want   time.Duration
	}{
		{time.Second, 2 * time.Second, func(int64) int64 { return 0 }, time.Second},
		{time.Second, 2 * time.Second, func(n int64) int64 { return n - 1 }, 2 * time.Second},
		{time.Second, 2 * time.Second, func(n int64) int64 { return n / 2 }, 1500 * time.Millisecond},
		{0, 500 * time.Microsecond, func(n int64) int64 { return n - 1 }, 500 * time.Microsecond},
		{5 * time.Second, 5 * time.Second, func(n int64) int64 { require.Equal(t, int64(1), n); return 0 }, 5 * time.Second},
	} {
		require.Equal(t, tc.want, draw(tc.lo, tc.hi, tc.pick), "%v..%v", tc.lo, tc.hi)
	}
}

// lines is an output that hands each line written to a channel.
type lines struct {
	mu  sync.Mutex
	all strings.Builder
	ch  chan string
}

func newLines() *lines { return &lines{ch: make(chan string, 100)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line != "" {
			l.ch <- line
		}
	}
	return len(p), nil
}

// until reads lines until one contains want.
func (l *lines) until(t *testing.T, want string) {
	t.Helper()
	for line := range l.ch {
		if strings.Contains(line, want) {
			return
		}
	}
}

func TestSecondSignalCancelsTheJobs(t *testing.T) {
	out := newLines()
	sigs := make(chan os.Signal, 2)
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"-every", "1h", "-min", "1h", "-max", "1h"}, out, io.Discard, sigs)
	}()
	out.until(t, "sleep for 1h0m0s")
	sigs <- syscall.SIGINT
	out.until(t, "shutting down, waiting for 1 running job(s)")
	sigs <- syscall.SIGINT
	err := <-done // at once, not in an hour
	require.ErrorIs(t, err, errInterrupted)
	require.Equal(t, 130, exitCode(err))
	out.until(t, "cancelled after less than 1h0m0s")
}

func TestRunShutsDownGracefully(t *testing.T) {
	out := newLines()
	require.NoError(t, run([]string{"-every", "1h", "-min", "0s", "-max", "0s", "-for", "1ms"}, out, io.Discard, nil))
	require.Contains(t, out.all.String(), "shutting down")
	require.Regexp(t, `done: (\d+) runs, (\d+) finished, peak concurrency`, out.all.String())
}

func TestFromLoopback(t *testing.T) {
	for _, tc := range []struct {
		remote, host string
		want         bool
	}{
		{"127.0.0.1:5000", "127.0.0.1:8080", true},
		{"127.0.0.1:5000", "localhost:8080", true},
		{"127.0.0.1:5000", "LOCALHOST.", true},
		{"[::1]:5000", "[::1]:8080", true},
		{"127.0.0.1:5000", "evil.example:8080", false}, // DNS rebinding
		{"127.0.0.1:5000", "localhost.evil.example", false},
		{"127.0.0.1:5000", "", false},
		{"192.0.2.7:5000", "127.0.0.1:8080", false},
		{"bad", "127.0.0.1:8080", false},
	} {
		r := &http.Request{RemoteAddr: tc.remote, Host: tc.host}
		require.Equal(t, tc.want, fromLoopback(r), "%s for %s", tc.remote, tc.host)
	}
}

func TestServeDashboard(t *testing.T) {
	s := periodic.New()
	job, err := periodic.Schedule(s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 0, nil },
		periodic.WithName("run_job"))
	require.NoError(t, err)
	s.Start()
	out := newLines()
	stop, err := serve("127.0.0.1:0", s, out)
	require.NoError(t, err)
	addr := regexp.MustCompile(`dashboard on (http://\S+/)`).FindStringSubmatch(out.all.String())
	require.Len(t, addr, 2, out.all.String())
	resp, err := http.Get(addr[1] + "api/job?name=run_job")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), `"name": "run_job"`)

	// A rebinding page's POST: from loopback, same-origin to the browser,
	// for another host. Refused; the same POST for 127.0.0.1 pauses.
	for _, host := range []string{"evil.example", ""} {
		req, err := http.NewRequest(http.MethodPost, addr[1]+"api/job/pause?name=run_job", nil)
		require.NoError(t, err)
		req.Host = host
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, host == "", job.Paused(), host)
		require.Equal(t, map[bool]int{true: http.StatusForbidden, false: http.StatusOK}[host != ""], resp.StatusCode)
	}
	stop()
	require.NoError(t, s.Shutdown(context.Background()))

	_, err = serve("127.0.0.1:bad", s, out)
	require.ErrorContains(t, err, "-http 127.0.0.1:bad")
}

// TestRunsPairUp drives the demo's job on a mock clock for a minute (runs
// every 10 s that take 5-15 s, so that they overlap) and checks that every
// run's finish line carries the number of its start line, and that runs
// are numbered in the order they start.
func TestRunsPairUp(t *testing.T) {
	ctx := context.Background()
	m := clock.NewMock()
	s := periodic.New(periodic.WithClock(m))
	var out strings.Builder
	st := &stats{out: &out}
	o := options{every: 10 * time.Second, min: 5 * time.Second, max: 15 * time.Second}
	_, err := periodic.Schedule(s, periodic.Every(o.every), st.job(o, wholeSeconds), periodic.StartImmediately())
	require.NoError(t, err)
	s.Start()
	require.NoError(t, periodictest.Advance(ctx, s, m, time.Minute))
	ended, cancel := context.WithCancel(ctx)
	cancel()
	_ = s.Shutdown(ended) // cancels the runs still sleeping
	<-s.Done()            // and they have returned

	line := regexp.MustCompile(`run #(\d+) (started: sleep for (\d+)s|finished after (\d+)s|cancelled after less than (\d+)s)`)
	started, ended2 := map[string]string{}, map[string]bool{}
	next := 1
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		mt := line.FindStringSubmatch(l)
		require.NotNil(t, mt, l)
		n := mt[1]
		if mt[3] != "" {
			require.Equal(t, strconv.Itoa(next), n, "runs are numbered as they start")
			next++
			started[n] = mt[3]
			continue
		}
		require.Contains(t, started, n, "a finish pairs with an earlier start: %s", l)
		require.False(t, ended2[n], "run #%s ends once", n)
		ended2[n] = true
		require.Equal(t, started[n], mt[4]+mt[5], "run #%s ends with the duration it started with", n)
	}
	require.Equal(t, 7, len(started), "runs at 0, 10, ..., 60 s")
	require.Len(t, ended2, 7)
	require.Equal(t, 7, st.runs)
	require.GreaterOrEqual(t, st.peak, 1)
}

// wholeSeconds draws like rand.Int64N over milliseconds, in whole seconds,
// so that the lines TestRunsPairUp reads carry whole durations.
func wholeSeconds(n int64) int64 { return rand.Int64N((n-1)/1000+1) * 1000 }
