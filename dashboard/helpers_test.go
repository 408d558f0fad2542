package dashboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/dashboard"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// t0 is where every mock clock in the tests starts.
var t0 = time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)

// at returns t0 plus sec seconds.
func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// seedDurations are the run times of the seed job in the tests, in
// order: runs 0 and 1 overlap, as do runs 2 and 3.
var seedDurations = []time.Duration{12 * time.Second, 7 * time.Second, 15 * time.Second, 5 * time.Second}

// env is a scheduler on a mock clock at t0 with a dashboard over it.
type env struct {
	t *testing.T
	m *clock.Mock
	s *periodic.Scheduler
	h *dashboard.Handler
}

// newEnv returns a scheduler, not started, on a mock clock at t0, shut
// down when the test ends.
func newEnv(t *testing.T) *env {
	t.Helper()
	m := clock.NewMock()
	m.Set(t0)
	s := periodic.New(periodic.WithClock(m), periodic.WithLocation(time.UTC),
		periodic.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // cancel the runs still sleeping on the mock clock, and wait for them
		_ = s.Shutdown(ctx)
	})
	return &env{t: t, m: m, s: s}
}

// open makes the dashboard with opts, closed when the test ends (before
// the scheduler shuts down).
func (e *env) open(opts ...dashboard.Option) *dashboard.Handler {
	e.t.Helper()
	h, err := dashboard.New(e.s, opts...)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { require.NoError(e.t, h.Close()) })
	e.h = h
	return h
}

// seed schedules the seed scenario's job under name: every 10 s from the
// start, each run taking the next of seedDurations.
func (e *env) seed(name string, opts ...periodic.JobOption) *periodic.Job[int] {
	e.t.Helper()
	var n atomic.Int64
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		d := seedDurations[int(n.Add(1)-1)%len(seedDurations)]
		return int(d / time.Second), periodic.Sleep(ctx, d)
	}, append([]periodic.JobOption{periodic.WithName(name), periodic.StartImmediately()}, opts...)...)
	require.NoError(e.t, err)
	return job
}

// failing schedules a job under name whose runs fail with msg.
func (e *env) failing(name, msg string, opts ...periodic.JobOption) *periodic.Job[int] {
	e.t.Helper()
	job, err := periodic.Schedule(e.s, periodic.Every(time.Minute), func(context.Context) (int, error) {
		return 0, errors.New(msg)
	}, append([]periodic.JobOption{periodic.WithName(name)}, opts...)...)
	require.NoError(e.t, err)
	return job
}

// advance starts the scheduler if needed and moves the mock by d.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	e.s.Start()
	require.NoError(e.t, periodictest.Advance(context.Background(), e.s, e.m, d))
}

// serve serves handler for the test's length.
func serve(t *testing.T, handler http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv
}

// do sends req and returns the status and the body.
func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// get GETs url.
func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	return do(t, req)
}

// post POSTs to url with the given headers ("Key: value").
func post(t *testing.T, url string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, nil)
	require.NoError(t, err)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	return do(t, req)
}

// decode parses body as JSON into a new V.
func decode[V any](t *testing.T, body string) V {
	t.Helper()
	var v V
	require.NoError(t, json.Unmarshal([]byte(body), &v), body)
	return v
}

// discardLogger drops everything.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
