// Package e2e drives the dashboard in a real headless Chromium with
// chromedp. It is its own module so that the core does not depend on
// chromedp. Run it through scripts/with-chromium.sh, which installs
// Debian's chromium when missing and exports CHROMIUM_BIN; with CI=true a
// missing browser fails the test instead of skipping it.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/chromedp/chromedp"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/dashboard"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var screenshot = flag.String("screenshot", "", "write the dashboard's screenshot to this PNG file (docs/dashboard.png)")

// t0 is where the mock clock starts.
var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// durations are the seed job's run times, in order: 5 to 15 s, so that a
// run every 10 s often overlaps the previous one.
var durations = []time.Duration{12, 7, 15, 5, 9, 14, 6, 11, 13, 8}

// browserPath finds Chromium: CHROMIUM_BIN, else chromium on the PATH. A
// missing browser skips the test, or fails it when CI=true.
func browserPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_BIN"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found (CHROMIUM_BIN unset, chromium not on PATH); run through scripts/with-chromium.sh")
	}
	t.Skip("no Chromium found; run through scripts/with-chromium.sh (CI=true makes this a failure)")
	return ""
}

// world is the scheduler on a mock clock, its jobs and the dashboard
// served over HTTP: writable under /ops/scheduler/ (mounted with
// StripPrefix("/ops/scheduler")) and under /alt/ (StripPrefix("/alt/")),
// read-only under /ro/.
type world struct {
	t   *testing.T
	m   *clock.Mock
	s   *periodic.Scheduler
	job *periodic.Job[int]
	url string
}

// newWorld builds the world and tears it down when the test ends.
func newWorld(t *testing.T) *world {
	t.Helper()
	m := clock.NewMock()
	m.Set(t0)
	s := periodic.New(periodic.WithClock(m), periodic.WithLocation(time.UTC),
		periodic.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // cancel the runs sleeping on the mock clock, and wait for them
		_ = s.Shutdown(ctx)
	})
	var n atomic.Int64
	job, err := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		d := durations[int(n.Add(1)-1)%len(durations)] * time.Second
		return int(d / time.Second), periodic.Sleep(ctx, d)
	}, periodic.WithName("run_job"), periodic.StartImmediately())
	require.NoError(t, err)
	_, err = periodic.Schedule(s, periodic.Every(time.Minute), func(context.Context) (int, error) {
		return 0, errors.New(`invoice store: connection refused`)
	}, periodic.WithName("sync-invoices"), periodic.WithStartAt(t0.Add(-30*time.Second)), periodic.WithPauseOnFailure())
	require.NoError(t, err)
	report, err := periodic.Cron("30 2 * * *")
	require.NoError(t, err)
	_, err = periodic.Schedule(s, report, func(context.Context) (int, error) { return 0, nil }, periodic.WithName("nightly-report"))
	require.NoError(t, err)

	writable := open(t, s, dashboard.WithAuthorize(func(*http.Request) bool { return true }))
	readOnly := open(t, s)
	mux := http.NewServeMux()
	mux.Handle("/ops/scheduler/", http.StripPrefix("/ops/scheduler", writable))
	mux.Handle("/alt/", http.StripPrefix("/alt/", writable))
	mux.Handle("/ro/", http.StripPrefix("/ro", readOnly))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.Start()
	return &world{t: t, m: m, s: s, job: job, url: srv.URL}
}

// open makes a dashboard that pushes every change at once (the mock clock
// decides when runs end, and a limit on the push rate would wait for it).
func open(t *testing.T, s *periodic.Scheduler, opts ...dashboard.Option) *dashboard.Handler {
	t.Helper()
	h, err := dashboard.New(s, append(opts, dashboard.WithRefresh(0, 0))...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	return h
}

// advance moves the mock clock by d, each run done or asleep after.
func (w *world) advance(d time.Duration) {
	w.t.Helper()
	require.NoError(w.t, periodictest.Advance(context.Background(), w.s, w.m, d))
}

// browser starts headless Chromium and collects what the page writes to
// its console; see consoleErrors.
func browser(t *testing.T) (context.Context, *console) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserPath(t)), chromedp.NoSandbox, chromedp.WindowSize(1200, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute) // a stuck browser fails the test instead of hanging
	c := &console{seen: make(chan string, 1)}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() { // owned: ends when ctx is cancelled below, and is waited for
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			c.add(m)
		}
	}()
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		<-done
	})
	return ctx, c
}

// console is what the page wrote to its console: the messages of type
// error and the uncaught exceptions.
type console struct {
	mu       sync.Mutex
	errors   []string    // guarded by mu
	seen     chan string // the barrier markers, as they arrive
	barriers int         // markers written; only the test's goroutine writes them
}

// barrierPrefix starts the marker lines that errors writes.
const barrierPrefix = "e2e barrier "

// add records m.
func (c *console) add(m chromedp.ConsoleMessage) {
	if m.Type == chromedp.ConsoleLog && strings.HasPrefix(m.Text, barrierPrefix) {
		c.seen <- m.Text
		return
	}
	if m.Type == chromedp.ConsoleError || m.IsException() {
		c.mu.Lock()
		c.errors = append(c.errors, m.String())
		c.mu.Unlock()
	}
}

// errorsSoFar returns the errors the page has written so far. It first
// writes a marker to the console and waits for it: the browser reports
// messages in order, so every earlier message has then been seen.
func (c *console) errorsSoFar(t *testing.T, ctx context.Context) []string {
	t.Helper()
	c.barriers++
	marker := barrierPrefix + strconv.Itoa(c.barriers)
	_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`console.log(`+strconv.Quote(marker)+`)`))
	require.NoError(t, err)
	select {
	case got := <-c.seen:
		require.Equal(t, marker, got)
	case <-ctx.Done():
		t.Fatal("the console marker never came back")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}

// text returns the text of the first element matching css, read in one
// step in the page, since a live update may replace the element at any time.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(css)+`).textContent`))
	require.NoError(t, err, css)
	return s
}

// waitFor waits, on every change of the DOM, until js is true.
func waitFor(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingMutation()))
	require.NoError(t, err, js)
}

const runJob = `section[data-job="run_job"]`

func TestDashboardInChromium(t *testing.T) {
	w := newWorld(t)
	ctx, console := browser(t)
	w.advance(5 * time.Second) // the run of 0 s is in flight

	// The page loads, connects its event stream and lists the jobs.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.url+"/ops/scheduler/"),
		chromedp.WaitVisible(chromedp.CSS(`#live.on`))))
	names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("section.job h2")].map(h => h.textContent)`))
	require.NoError(t, err)
	require.Equal(t, []string{"run_job", "sync-invoices", "nightly-report"}, names)
	require.Equal(t, "every 10s", text(t, ctx, runJob+" .trigger"))
	require.Equal(t, "0", text(t, ctx, runJob+" .stat-runs"))
	require.Equal(t, "1", text(t, ctx, runJob+" .stat-inflight"))

	// A run finishing on the mock clock shows without a reload.
	w.advance(10 * time.Second) // the run of 0 s ends at 12 s
	waitFor(t, ctx, `document.querySelector('`+runJob+` .stat-runs').textContent === "1"`)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+runJob+` tr .outcome.succeeded').length`))
	require.NoError(t, err)
	require.Equal(t, 1, rows)

	// Some minutes of the seed scenario: overlapping runs stack in the
	// timeline; at 09:02:42 the runs of 09:02:30 (14 s) and 09:02:40 are in flight.
	w.advance(2*time.Minute + 27*time.Second)
	waitFor(t, ctx, `document.querySelector('.now time').textContent === "09:02:42"`)
	require.Equal(t, "2", text(t, ctx, runJob+" .stat-inflight"))
	lanes, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`new Set([...document.querySelectorAll('`+runJob+` svg rect.run')].map(r => r.getAttribute("y"))).size`))
	require.NoError(t, err)
	require.Equal(t, 2, lanes)
	require.Contains(t, text(t, ctx, `section[data-job="sync-invoices"] .reason`), "invoice store: connection refused")
	colors, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".stat-failed")].map(e => getComputedStyle(e).color)`))
	require.NoError(t, err)
	require.Len(t, colors, 3)
	require.Equal(t, colors[0], colors[2], "no failures: run_job and nightly-report alike")
	require.NotEqual(t, colors[0], colors[1], "sync-invoices failed once: marked")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)
	require.GreaterOrEqual(t, img.Bounds().Dx(), 1000)
	if *screenshot != "" {
		require.NoError(t, os.WriteFile(*screenshot, shot, 0o644))
	}

	// The pause button pauses the job (a same-origin form POST).
	// The button is clicked from the page's own script: a live update may
	// replace it between a query and a mouse click.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+strconv.Quote(runJob+" button.pause")+`).click()`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(runJob+".paused button.resume"))))
	require.True(t, w.job.Paused())
	require.Equal(t, "paused", text(t, ctx, runJob+" .state"))
	require.Empty(t, console.errorsSoFar(t, ctx))
}

func TestReadOnlyDashboardInChromium(t *testing.T) {
	w := newWorld(t)
	ctx, console := browser(t)
	w.advance(5 * time.Second)
	_, err := periodic.Schedule(w.s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 0, nil },
		periodic.WithName(`<script>alert(1)</script>`))
	require.NoError(t, err)

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.url+"/ro/"), chromedp.WaitVisible(chromedp.CSS(`#live.on`))))
	buttons, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("button, form").length`))
	require.NoError(t, err)
	require.Zero(t, buttons)
	// The job's name is text, not markup: no script ran (an alert would block the page).
	require.Equal(t, `<script>alert(1)</script>`, text(t, ctx, `section.job:last-of-type h2`))
	scripts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("main script").length`))
	require.NoError(t, err)
	require.Zero(t, scripts)

	// A POST from the page to a read-only dashboard is refused.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`fetch("api/job/pause?name=run_job", {method: "POST"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, status)
	require.False(t, w.job.Paused())
	errs := console.errorsSoFar(t, ctx)
	require.Len(t, errs, 1, "%q", errs) // the refused fetch, which Chromium reports
	require.Contains(t, errs[0], "403")
}

// Names a browser cannot carry in a path segment ("." and ".." are
// removed, "/" splits, "%" escapes) are paused by their buttons, on a
// dashboard mounted with StripPrefix("/alt/").
func TestOddNamesInChromium(t *testing.T) {
	w := newWorld(t)
	ctx, console := browser(t)
	names := []string{".", "..", "a/b", "50%", "x?y#z"}
	jobs := map[string]*periodic.Job[int]{}
	for _, n := range names {
		job, err := periodic.Schedule(w.s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 0, nil },
			periodic.WithName(n))
		require.NoError(t, err)
		jobs[n] = job
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.url+"/alt/"), chromedp.WaitVisible(chromedp.CSS(`#live.on`))))
	for _, n := range names {
		section := `section[data-job=` + strconv.Quote(n) + `]`
		_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](
			`document.querySelector(`+strconv.Quote(section+" button.pause")+`).click()`))
		require.NoError(t, err, n)
		require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(section+".paused button.resume"))), n)
		require.True(t, jobs[n].Paused(), n)
		loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
		require.NoError(t, err)
		require.Equal(t, "/alt/", loc) // the form's redirect came back to the page
	}
	require.Empty(t, console.errorsSoFar(t, ctx))
}
