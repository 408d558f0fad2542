package dashboard_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/dashboard"
	"github.com/stretchr/testify/require"
)

// Every name can be addressed, the ones a path segment cannot carry
// included: "." and ".." are removed from paths by browsers and cleaned
// away by servers, "/" splits a path, "%" escapes.
func TestEveryNameIsAddressable(t *testing.T) {
	names := []string{".", "..", "a/b", "../x", "50%", "%2F", "a?b#c&name=d", " ", "名前"}
	e := newEnv(t)
	jobs := map[string]*periodic.Job[int]{}
	for _, n := range names {
		job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 0, nil },
			periodic.WithName(n))
		require.NoError(t, err)
		jobs[n] = job
	}
	e.open(dashboard.WithAuthorize(func(*http.Request) bool { return true }))
	e.advance(0)
	srv := serve(t, e.h)
	for _, n := range names {
		resp, body := get(t, srv.URL+"/api/job?name="+url.QueryEscape(n))
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		require.Equal(t, n, decode[dashboard.JobView](t, body).Name)
	}

	// The page's own forms pause each job.
	_, page := get(t, srv.URL+"/")
	actions := regexp.MustCompile(`action="(api/job/pause\?[^"]*)"`).FindAllStringSubmatch(page, -1)
	require.Len(t, actions, len(names))
	for _, a := range actions {
		resp, body := post(t, resolve(t, srv.URL+"/", html.UnescapeString(a[1])))
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
	}
	for _, n := range names {
		require.True(t, jobs[n].Paused(), n)
	}
}

func TestJobQueryErrors(t *testing.T) {
	e := newEnv(t)
	e.seed("run_job")
	e.open()
	srv := serve(t, e.h)
	for _, tc := range []struct {
		query string
		code  int
		err   string
	}{
		{"", 400, `dashboard: want one query parameter name, got ""`},
		{"?job=run_job", 400, `dashboard: want one query parameter name, got "job=run_job"`},
		{"?name=run_job&name=x", 400, `dashboard: want one query parameter name, got "name=run_job\u0026name=x"`},
		{"?name=", 404, `dashboard: no job named ""`},
		{"?name=run_jo", 404, `dashboard: no job named "run_jo"`},
	} {
		resp, body := get(t, srv.URL+"/api/job"+tc.query)
		require.Equal(t, tc.code, resp.StatusCode, tc.query)
		require.Equal(t, map[string]string{"error": tc.err}, decode[map[string]string](t, body), tc.query)
	}
}
