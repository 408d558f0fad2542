package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
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
	for _, args := range [][]string{
		{"-every", "0s"},
		{"-min", "5s", "-max", "1s"},
		{"-for", "-1s"},
		{"-every", "soon"},
	} {
		_, err := parse(args)
		require.Error(t, err, "%v", args)
	}
}

func TestRunShutsDownGracefully(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run([]string{"-every", "1h", "-min", "0s", "-max", "0s", "-for", "1ms"}, &out))
	require.Contains(t, out.String(), "shutting down")
	require.Regexp(t, `done: (\d+) runs, (\d+) finished, peak concurrency`, out.String())
}

func TestServeDashboard(t *testing.T) {
	s := periodic.New()
	_, err := periodic.Schedule(s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 0, nil },
		periodic.WithName("run_job"))
	require.NoError(t, err)
	var out strings.Builder
	stop, err := serve("127.0.0.1:0", s, &out)
	require.NoError(t, err)
	addr := regexp.MustCompile(`dashboard on (http://\S+/)`).FindStringSubmatch(out.String())
	require.Len(t, addr, 2, out.String())
	resp, err := http.Get(addr[1] + "api/jobs/run_job")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), `"name": "run_job"`)
	stop()
	require.NoError(t, s.Shutdown(context.Background()))

	_, err = serve("127.0.0.1:bad", s, &out)
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
	_, err := periodic.Schedule(s, periodic.Every(o.every), st.job(o), periodic.StartImmediately())
	require.NoError(t, err)
	s.Start()
	require.NoError(t, periodictest.Advance(ctx, s, m, time.Minute))
	ended, cancel := context.WithCancel(ctx)
	cancel()
	_ = s.Shutdown(ended) // cancels the runs still sleeping

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
