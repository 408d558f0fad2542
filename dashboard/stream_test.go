package dashboard_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/dashboard"
	"github.com/stretchr/testify/require"
)

// stream is a client of the event stream.
type stream struct {
	t      *testing.T
	resp   *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
}

// openStream GETs url's event stream. A test that waits for an event in
// vain fails after 30 s instead of hanging.
func openStream(t *testing.T, url string) *stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	return &stream{t: t, resp: resp, r: bufio.NewReader(resp.Body), cancel: cancel}
}

// next reads one event and returns its name and data.
func (s *stream) next() (event, data string, err error) {
	var lines []string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return "", "", err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			return event, strings.Join(lines, "\n"), nil
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			lines = append(lines, strings.TrimPrefix(line, "data: "))
		}
	}
}

// until reads events until one's data contains want, and returns it.
func (s *stream) until(want string) string {
	s.t.Helper()
	for {
		event, data, err := s.next()
		require.NoError(s.t, err, "waiting for %q", want)
		require.Equal(s.t, "jobs", event)
		if strings.Contains(data, want) {
			return data
		}
	}
}

func TestStreamSendsChanges(t *testing.T) {
	e := newEnv(t)
	e.seed("run_job")
	e.open(dashboard.WithRefresh(0, 0)) // changes only, at once
	e.advance(5 * time.Second)
	srv := serve(t, e.h)
	s := openStream(t, srv.URL+"/events")

	first := s.until(`<dd class="stat-inflight">1</dd>`)
	require.Contains(t, first, `<dd class="stat-runs">0</dd>`)
	require.Contains(t, first, `<section class="job" data-job="run_job">`)
	require.Contains(t, first, "<svg class=\"timeline\"")

	e.advance(10 * time.Second) // the run of 0 s ends at 12 s; the run of 10 s is in flight
	s.until(`<dd class="stat-runs">1</dd>`)
}

func TestStreamEndsOnDisconnectAndClose(t *testing.T) {
	e := newEnv(t)
	e.seed("run_job")
	h := e.open()
	srv := serve(t, h)

	gone := openStream(t, srv.URL+"/events")
	_, _, err := gone.next()
	require.NoError(t, err)
	gone.cancel() // the client goes away: its handler returns, or Close below would wait forever

	open := openStream(t, srv.URL+"/events")
	_, _, err = open.next()
	require.NoError(t, err)
	require.NoError(t, h.Close()) // ends the stream and waits for its handler
	for err == nil {
		_, _, err = open.next() // a refresh may have been sent before the end
	}
	require.ErrorIs(t, err, io.EOF)

	resp, body := get(t, srv.URL+"/events")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Equal(t, map[string]string{"error": "dashboard: closed"}, decode[map[string]string](t, body))
	require.NoError(t, h.Close()) // idempotent
}

func TestStreamKeepsUserTextInsideTheEvent(t *testing.T) {
	e := newEnv(t)
	e.failing("a\rid: 666\nevent: x", "one\r\ndata: <b>two</b>", periodic.StartImmediately())
	e.open(dashboard.WithRefresh(0, 0))
	e.advance(0)
	srv := serve(t, e.h)
	s := openStream(t, srv.URL+"/events")
	var lines []string
	for {
		line, err := s.r.ReadString('\n')
		require.NoError(t, err)
		if line == "\n" {
			break
		}
		lines = append(lines, line)
	}
	require.Equal(t, "event: jobs\n", lines[0])
	require.Regexp(t, `^id: \d+\n$`, lines[1])
	for _, line := range lines[2:] {
		require.True(t, strings.HasPrefix(line, "data: "), "%q", line)
		require.NotContains(t, line, "\r")
	}
	data := strings.Join(lines, "")
	require.Contains(t, data, "<h2>a&#13;id: 666\ndata: event: x</h2>")
	require.Contains(t, data, "<code>one&#13;\ndata: data: &lt;b&gt;two&lt;/b&gt;</code>")
}

func TestJSONStream(t *testing.T) {
	e := newEnv(t)
	e.seed("run_job")
	e.open(dashboard.WithRefresh(0, 0))
	e.advance(5 * time.Second)
	srv := serve(t, e.h)
	s := openStream(t, srv.URL+"/api/events")

	event, data, err := s.next()
	require.NoError(t, err)
	require.Equal(t, "snapshot", event)
	snap := decode[dashboard.Snapshot](t, data)
	require.True(t, snap.Now.Equal(at(5)))
	require.Equal(t, 1, snap.Jobs[0].Stats.InFlight)

	e.advance(10 * time.Second) // the run of 0 s ends at 12 s
	for snap.Jobs[0].Stats.Runs == 0 {
		event, data, err = s.next()
		require.NoError(t, err)
		require.Equal(t, "snapshot", event)
		snap = decode[dashboard.Snapshot](t, data)
	}
	require.Equal(t, 1, snap.Jobs[0].Stats.Runs)
	require.True(t, snap.Jobs[0].LastRuns[0].End.Equal(at(12)))
}
