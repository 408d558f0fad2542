package dashboard_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/periodic-go/periodic/dashboard"
	"github.com/stretchr/testify/require"
)

// A DNS-rebinding page sends its own name as Host, with Sec-Fetch-Site
// same-origin, from the loopback address: WithHosts refuses it, reads
// included.
func TestWithHostsRefusesOtherHosts(t *testing.T) {
	e := newEnv(t)
	job := e.seed("run_job")
	e.open(dashboard.WithHosts("localhost", "127.0.0.1", "::1"),
		dashboard.WithAuthorize(func(*http.Request) bool { return true }))
	e.advance(0)
	srv := serve(t, e.h)
	for _, tc := range []struct {
		host string
		code int
	}{
		{"localhost:8080", 200},
		{"LocalHost.", 200},
		{"127.0.0.1", 200},
		{"[::1]:8080", 200},
		{"evil.example", 403},
		{"evil.example:8080", 403},
		{"localhost.evil.example", 403},
		{"127.0.0.2", 403},
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			path := "/api/jobs"
			if method == http.MethodPost {
				path = "/api/job/pause?name=run_job"
			}
			req, err := http.NewRequest(method, srv.URL+path, nil)
			require.NoError(t, err)
			req.Host = tc.host
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, body := do(t, req)
			require.Equal(t, tc.code, resp.StatusCode, "%s %s: %s", method, tc.host, body)
			if tc.code == 403 {
				require.Equal(t, map[string]string{"error": `dashboard: host "` + tc.host + `" not allowed (see WithHosts)`},
					decode[map[string]string](t, body))
				require.False(t, job.Paused())
			} else if method == http.MethodPost {
				require.True(t, job.Paused())
				job.Resume()
			}
		}
	}
}

// http.Server.Shutdown waits for the event streams, which do not end by
// themselves; with Close registered as an on-shutdown function it returns.
func TestServerShutdownWithOpenStream(t *testing.T) {
	e := newEnv(t)
	e.seed("run_job")
	h := e.open()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Minute}
	srv.RegisterOnShutdown(func() { _ = h.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	s := openStream(t, "http://"+ln.Addr().String()+"/events")
	ev, _, err := s.next() // the handler is streaming
	require.NoError(t, err)
	require.Equal(t, "jobs", ev)

	// The deadline only bounds a failure: without the on-shutdown Close,
	// Shutdown would wait for the stream until it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
	require.ErrorIs(t, <-served, http.ErrServerClosed)
	_, err = io.ReadAll(s.r) // the stream ended
	require.NoError(t, err)
}
