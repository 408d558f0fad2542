package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
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
