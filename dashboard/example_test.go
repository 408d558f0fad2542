package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/dashboard"
	"github.com/periodic-go/periodic/periodictest"
)

// The seed scenario on a mock clock, with the dashboard mounted under
// /ops/scheduler/ and read through its JSON API: at 25 s the runs of 0 s
// (12 s long) and 10 s (7 s) have finished, the run of 20 s is in flight.
func Example() {
	m := clock.NewMock()
	m.Set(time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC))
	s := periodic.New(periodic.WithClock(m), periodic.WithLocation(time.UTC))
	took := []time.Duration{12 * time.Second, 7 * time.Second, 15 * time.Second}
	var run atomic.Int64
	_, _ = periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		return 0, periodic.Sleep(ctx, took[int(run.Add(1)-1)%len(took)])
	}, periodic.WithName("run_job"), periodic.StartImmediately())

	h, _ := dashboard.New(s)
	mux := http.NewServeMux()
	mux.Handle("/ops/scheduler/", http.StripPrefix("/ops/scheduler", h))
	srv := httptest.NewServer(mux)
	srv.Config.RegisterOnShutdown(func() { _ = h.Close() }) // the event streams would hold Shutdown
	defer srv.Close()

	s.Start()
	_ = periodictest.Advance(context.Background(), s, m, 25*time.Second)

	resp, err := http.Get(srv.URL + "/ops/scheduler/api/job?name=run_job")
	if err != nil {
		fmt.Println(err)
		return
	}
	var job dashboard.JobView
	_ = json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	fmt.Printf("%s, %s, next at %s\n", job.Name, job.Trigger, job.NextRuns[0].Format("15:04:05"))
	fmt.Printf("runs %d, in flight %d\n", job.Stats.Runs, job.Stats.InFlight)
	for _, r := range job.LastRuns {
		fmt.Printf("tick %s: %s after %vs\n", r.Tick.Format("15:04:05"), r.Outcome, r.DurationSeconds)
	}

	_ = h.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // cancel the run in flight, and wait for it
	_ = s.Shutdown(ctx)
	// Output:
	// run_job, every 10s, next at 12:00:30
	// runs 2, in flight 1
	// tick 12:00:10: succeeded after 7s
	// tick 12:00:00: succeeded after 12s
}

// A writable dashboard: the authorization function accepts requests that
// carry a token, and WithHosts refuses requests for other hosts (DNS
// rebinding). Writes are POST requests; a browser's must come from the
// dashboard's own origin.
func ExampleWithAuthorize() {
	s := periodic.New()
	job, _ := periodic.Schedule(s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 0, nil },
		periodic.WithName("nightly-report"))
	s.Start()
	h, _ := dashboard.New(s,
		dashboard.WithAuthorize(func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer s3cret" }),
		dashboard.WithHosts("localhost", "127.0.0.1"))
	defer h.Close()

	for _, tc := range []struct{ host, token, site string }{
		{"localhost:8080", "", ""},
		{"evil.example:8080", "Bearer s3cret", "same-origin"},
		{"localhost:8080", "Bearer s3cret", "cross-site"},
		{"localhost:8080", "Bearer s3cret", "same-origin"},
	} {
		req := httptest.NewRequest(http.MethodPost, "/api/job/pause?name=nightly-report", nil)
		req.Host = tc.host
		req.Header.Set("Authorization", tc.token)
		req.Header.Set("Sec-Fetch-Site", tc.site)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var answer struct {
			Error  string `json:"error"`
			Paused bool   `json:"paused"`
		}
		_ = json.Unmarshal(w.Body.Bytes(), &answer)
		fmt.Println(w.Code, answer.Error, answer.Paused)
	}
	fmt.Println("paused:", job.Paused())
	_ = s.Shutdown(context.Background())
	// Output:
	// 403 dashboard: not authorized false
	// 403 dashboard: host "evil.example:8080" not allowed (see WithHosts) false
	// 403 dashboard: cross-origin request refused false
	// 200  true
	// paused: true
}
