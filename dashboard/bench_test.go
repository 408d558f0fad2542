//go:build unix

package dashboard_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/dashboard"
)

// BenchmarkBurst runs a burst of RunNow runs of a job that returns at
// once, on the real clock, in batches of 256 awaited together, and reports
// the process's CPU time (user + system, all goroutines) per run:
//
//   - off: no dashboard;
//   - attached: a dashboard watching the job, no client;
//   - streaming: a dashboard with one client reading its event stream
//     (defaults: at most one update per 250 ms).
//
// The ratio streaming/off is the CPU cost of live updates per run.
func BenchmarkBurst(b *testing.B) {
	b.Run("off", func(b *testing.B) { burst(b, func(*periodic.Scheduler) func() { return func() {} }) })
	b.Run("attached", func(b *testing.B) {
		burst(b, func(s *periodic.Scheduler) func() {
			h, err := dashboard.New(s)
			if err != nil {
				b.Fatal(err)
			}
			return func() { _ = h.Close() }
		})
	})
	b.Run("streaming", func(b *testing.B) { burst(b, streaming) })
}

// streaming opens a dashboard on s with one client reading its stream,
// and returns the function that ends both.
func streaming(s *periodic.Scheduler) func() {
	h, err := dashboard.New(s)
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	done := make(chan struct{})
	go func() { // the client: owned, waited for below
		defer close(done)
		_, _ = io.Copy(io.Discard, resp.Body)
	}()
	return func() {
		cancel()
		<-done
		resp.Body.Close()
		_ = h.Close()
		srv.Close()
	}
}

// burst measures b.N runs with what setup adds.
func burst(b *testing.B, setup func(*periodic.Scheduler) func()) {
	s := periodic.New(periodic.WithLogger(slog.New(slog.DiscardHandler)))
	job, err := periodic.Schedule(s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 0, nil },
		periodic.WithName("burst"))
	if err != nil {
		b.Fatal(err)
	}
	s.Start()
	stop := setup(s)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	before := cpuTime()
	const batch = 256
	fs := make([]*periodic.Future[int], 0, batch)
	for i := 0; i < b.N; i += batch {
		fs = fs[:0]
		for range min(batch, b.N-i) {
			fs = append(fs, job.RunNow())
		}
		for _, f := range fs {
			if _, err := f.Await(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(cpuTime()-before)/float64(b.N), "cpu-ns/run")
	b.StopTimer()
	stop()
	if err := s.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
