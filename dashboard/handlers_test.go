package dashboard_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/dashboard"
	"github.com/stretchr/testify/require"
)

func TestJSONShape(t *testing.T) {
	e := newEnv(t)
	e.seed("run_job")
	e.open()
	e.advance(25 * time.Second) // runs at 0 (12 s), 10 (7 s), 20 (15 s, in flight)
	srv := serve(t, e.h)

	resp, body := get(t, srv.URL+"/api/jobs")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	raw := decode[map[string]any](t, body)
	require.ElementsMatch(t, []string{"now", "writable", "jobs"}, keys(raw))
	job := raw["jobs"].([]any)[0].(map[string]any)
	require.ElementsMatch(t, []string{"name", "trigger", "paused", "nextRuns", "stats", "running", "lastRuns"}, keys(job))
	require.ElementsMatch(t, []string{"runs", "successes", "failures", "cancellations", "skips", "misfires", "retries", "dropped",
		"inFlight", "lastDurationSeconds"}, keys(job["stats"].(map[string]any)))
	require.ElementsMatch(t, []string{"tick", "start", "end", "durationSeconds", "outcome"},
		keys(job["lastRuns"].([]any)[0].(map[string]any)))

	snap := decode[dashboard.Snapshot](t, body)
	require.True(t, snap.Now.Equal(at(25)))
	require.False(t, snap.Writable)
	require.Len(t, snap.Jobs, 1)
	j := snap.Jobs[0]
	require.Equal(t, "run_job", j.Name)
	require.Equal(t, "every 10s", j.Trigger)
	require.False(t, j.Paused)
	require.Equal(t, []time.Time{at(30), at(40), at(50)}, utc(j.NextRuns))
	require.Equal(t, dashboard.StatsView{Runs: 2, Successes: 2, InFlight: 1, LastDurationSeconds: 7}, j.Stats)
	require.Len(t, j.Running, 1, body)
	require.Equal(t, "running", j.Running[0].Outcome)
	require.True(t, j.Running[0].Start.Equal(at(20)))
	require.Nil(t, j.Running[0].End)
	require.Equal(t, 5.0, j.Running[0].DurationSeconds)
	require.Len(t, j.LastRuns, 2)
	// Newest first: the run of tick 10 s ended at 17 s, the run of tick 0 at 12 s.
	for i, want := range []struct{ tick, end, took float64 }{{10, 17, 7}, {0, 12, 12}} {
		r := j.LastRuns[i]
		require.True(t, r.Tick.Equal(at(want.tick)), "run %d tick %v", i, r.Tick)
		require.True(t, r.End.Equal(at(want.end)), "run %d end %v", i, r.End)
		require.Equal(t, want.took, r.DurationSeconds)
		require.Equal(t, "succeeded", r.Outcome)
	}

	resp, body = get(t, srv.URL+"/api/job?name=run_job")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, j, decode[dashboard.JobView](t, body))

	resp, body = get(t, srv.URL+"/api/job?name=nope")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, map[string]string{"error": `dashboard: no job named "nope"`}, decode[map[string]string](t, body))
}

func TestEveryValueIsEscaped(t *testing.T) {
	const name, msg = `<script>alert(1)</script>`, `<img src=x onerror=alert(2)> & "quotes"`
	e := newEnv(t)
	e.failing(name, msg, periodic.StartImmediately(), periodic.WithPauseOnFailure())
	e.open(dashboard.WithAuthorize(func(*http.Request) bool { return true }))
	e.advance(0)
	srv := serve(t, e.h)

	_, page := get(t, srv.URL+"/")
	for _, raw := range []string{"<script>alert", "<img src=x", `& "quotes"`} {
		require.NotContains(t, page, raw)
	}
	require.Contains(t, page, `<h2>&lt;script&gt;alert(1)&lt;/script&gt;</h2>`)
	require.Contains(t, page, `data-job="&lt;script&gt;alert(1)&lt;/script&gt;"`)
	require.Contains(t, page, `action="api/job/resume?name=%3cscript%3ealert%281%29%3c%2fscript%3e"`)
	require.Contains(t, page, `paused after a failure: <code>&lt;img src=x onerror=alert(2)&gt; &amp; &#34;quotes&#34;</code>`)
	require.Contains(t, page, `<title>failed, started 12:00:00, tick 12:00:00, took 0s, &lt;img src=x`) // in the SVG

	_, body := get(t, srv.URL+"/api/jobs")
	require.Contains(t, body, `"name": "\u003cscript\u003ealert(1)\u003c/script\u003e"`)
	snap := decode[dashboard.Snapshot](t, body)
	require.Equal(t, name, snap.Jobs[0].Name)
	require.Equal(t, msg, snap.Jobs[0].PauseReason)
	require.Equal(t, msg, snap.Jobs[0].LastRuns[0].Error)

	resp, _ := post(t, srv.URL+"/api/job/resume?name="+url.QueryEscape(name))
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestWrites(t *testing.T) {
	allow := dashboard.WithAuthorize(func(r *http.Request) bool { return r.Header.Get("X-Token") == "secret" })
	for _, tc := range []struct {
		name    string
		opts    []dashboard.Option
		method  string
		path    string
		headers []string
		code    int
		paused  bool
		errText string
	}{
		{name: "read-only by default", method: "POST", path: "/api/job/pause?name=run_job",
			headers: []string{"X-Token: secret"}, code: 403, errText: "dashboard: the dashboard is read-only"},
		{name: "refused by the authorization function", opts: []dashboard.Option{allow}, method: "POST",
			path: "/api/job/pause?name=run_job", headers: []string{"X-Token: guess"}, code: 403, errText: "dashboard: not authorized"},
		{name: "cross-site browser request", opts: []dashboard.Option{allow}, method: "POST", path: "/api/job/pause?name=run_job",
			headers: []string{"X-Token: secret", "Sec-Fetch-Site: cross-site"}, code: 403, errText: "dashboard: cross-origin request refused"},
		{name: "same-site but other origin", opts: []dashboard.Option{allow}, method: "POST", path: "/api/job/pause?name=run_job",
			headers: []string{"X-Token: secret", "Sec-Fetch-Site: same-site"}, code: 403, errText: "dashboard: cross-origin request refused"},
		{name: "foreign Origin, older browser", opts: []dashboard.Option{allow}, method: "POST", path: "/api/job/pause?name=run_job",
			headers: []string{"X-Token: secret", "Origin: https://evil.example"}, code: 403, errText: "dashboard: cross-origin request refused"},
		{name: "GET on a write endpoint", opts: []dashboard.Option{allow}, method: "GET", path: "/api/job/pause?name=run_job",
			headers: []string{"X-Token: secret"}, code: 405},
		{name: "unknown action", opts: []dashboard.Option{allow}, method: "POST", path: "/api/job/delete?name=run_job",
			headers: []string{"X-Token: secret"}, code: 404, errText: `dashboard: no action "delete"; want pause, resume or run`},
		{name: "unknown job", opts: []dashboard.Option{allow}, method: "POST", path: "/api/job/pause?name=other",
			headers: []string{"X-Token: secret"}, code: 404, errText: `dashboard: no job named "other"`},
		{name: "authorized, same origin", opts: []dashboard.Option{allow}, method: "POST", path: "/api/job/pause?name=run_job",
			headers: []string{"X-Token: secret", "Sec-Fetch-Site: same-origin"}, code: 200, paused: true},
		{name: "authorized, no browser headers", opts: []dashboard.Option{allow}, method: "POST", path: "/api/job/pause?name=run_job",
			headers: []string{"X-Token: secret"}, code: 200, paused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			job := e.seed("run_job")
			e.open(tc.opts...)
			e.advance(0)
			srv := serve(t, e.h)
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			require.NoError(t, err)
			for _, h := range tc.headers {
				k, v, _ := strings.Cut(h, ": ")
				req.Header.Set(k, v)
			}
			if strings.HasPrefix(tc.name, "same-site") || strings.HasPrefix(tc.name, "foreign") {
				req.Header.Set("Origin", "https://evil.example")
			}
			resp, body := do(t, req)
			require.Equal(t, tc.code, resp.StatusCode, body)
			require.Equal(t, tc.paused, job.Paused())
			if tc.errText != "" {
				require.Equal(t, map[string]string{"error": tc.errText}, decode[map[string]string](t, body))
			}
			if tc.code == 405 {
				require.Equal(t, "POST", resp.Header.Get("Allow"))
			}
		})
	}
}

func TestActionsPauseResumeAndRun(t *testing.T) {
	e := newEnv(t)
	job := e.seed("run_job")
	e.open(dashboard.WithAuthorize(func(*http.Request) bool { return true }))
	e.advance(5 * time.Second)
	srv := serve(t, e.h)
	api := srv.URL + "/api/job/"

	resp, body := post(t, api+"pause?name=run_job")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, decode[dashboard.JobView](t, body).Paused)
	require.True(t, job.Paused())

	resp, _ = post(t, api+"resume?name=run_job", "Accept: text/html,application/xhtml+xml") // a form post from the page
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "../../", resp.Header.Get("Location"))
	require.False(t, job.Paused())

	resp, _ = post(t, api+"run?name=run_job")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	e.advance(0)
	require.Equal(t, 2, job.Stats().InFlight) // the tick of 0 s (12 s long) and the RunNow
}

func TestAuthorizePanicDenies(t *testing.T) {
	e := newEnv(t)
	job := e.seed("run_job")
	e.open(dashboard.WithAuthorize(func(*http.Request) bool { panic("boom") }), dashboard.WithLogger(discardLogger()))
	e.advance(0)
	srv := serve(t, e.h)
	resp, _ := post(t, srv.URL+"/api/job/pause?name=run_job")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.False(t, job.Paused())
	_, page := get(t, srv.URL+"/")
	require.NotContains(t, page, "<form")
}

func TestReadOnlyPageHasNoButtons(t *testing.T) {
	e := newEnv(t)
	e.seed("run_job")
	e.open()
	srv := serve(t, e.h)
	resp, page := get(t, srv.URL+"/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	require.Contains(t, page, "read-only")
	require.NotContains(t, page, "<form")
	require.NotContains(t, page, "<button")
}

func TestMountsUnderAPrefix(t *testing.T) {
	inMux := func(pattern string, h http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle(pattern, h)
		return mux
	}
	subMux := func(h http.Handler) http.Handler { // the dashboard in a mux for /ops/
		sub := http.NewServeMux()
		sub.Handle("/scheduler/", http.StripPrefix("/scheduler/", h))
		return inMux("/ops/", http.StripPrefix("/ops", sub))
	}
	for _, tc := range []struct {
		name  string
		mount func(h http.Handler) http.Handler
		bare  int // the answer for /ops/scheduler, without the slash; 301: to /ops/scheduler/
	}{
		{"StripPrefix without slash, in a mux", func(h http.Handler) http.Handler {
			return inMux("/ops/scheduler/", http.StripPrefix("/ops/scheduler", h))
		}, 301},
		{"StripPrefix with slash, in a mux", func(h http.Handler) http.Handler {
			return inMux("/ops/scheduler/", http.StripPrefix("/ops/scheduler/", h))
		}, 301},
		{"StripPrefix without slash, alone", func(h http.Handler) http.Handler {
			return http.StripPrefix("/ops/scheduler", h)
		}, 301},
		{"StripPrefix with slash, alone", func(h http.Handler) http.Handler {
			return http.StripPrefix("/ops/scheduler/", h)
		}, 404}, // StripPrefix's own 404
		{"in a sub-mux", subMux, 0}, // the sub-mux redirects to /scheduler/, outside the mount: not the dashboard's doing
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.seed("nightly/report")
			e.open(dashboard.WithAuthorize(func(*http.Request) bool { return true }))
			e.advance(time.Second)
			srv := serve(t, tc.mount(e.h))
			page := srv.URL + "/ops/scheduler/"
			if tc.bare != 0 {
				resp, _ := get(t, srv.URL+"/ops/scheduler")
				if tc.bare == 301 {
					require.Contains(t, []int{301, 307, 308}, resp.StatusCode)
					require.Equal(t, page, resolve(t, srv.URL+"/ops/scheduler", resp.Header.Get("Location")))
				} else {
					require.Equal(t, tc.bare, resp.StatusCode)
				}
			}
			resp, body := get(t, page)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			require.Contains(t, body, "<h2>nightly/report</h2>")
			links := regexp.MustCompile(`(?:href|src|action)="([^"]*)"`).FindAllStringSubmatch(body, -1)
			var got []string
			for _, l := range links {
				if strings.HasPrefix(l[1], "data:") {
					continue
				}
				u := resolve(t, page, html.UnescapeString(l[1]))
				got = append(got, strings.TrimPrefix(u, srv.URL))
				if strings.Contains(u, "/api/job/") {
					resp, _ := post(t, u, "Accept: text/html")
					require.Equal(t, http.StatusSeeOther, resp.StatusCode, u)
					require.Equal(t, page, resolve(t, u, resp.Header.Get("Location")))
					continue
				}
				resp, _ := get(t, u)
				require.Equal(t, http.StatusOK, resp.StatusCode, u)
			}
			sort.Strings(got)
			require.Equal(t, []string{
				"/ops/scheduler/api/job/pause?name=nightly%2freport",
				"/ops/scheduler/api/job/run?name=nightly%2freport",
				"/ops/scheduler/assets/app.js",
				"/ops/scheduler/assets/style.css",
			}, got)
			for _, path := range []string{"api/jobs", "api/job?name=nightly%2Freport"} {
				resp, body := get(t, page+path)
				require.Equal(t, http.StatusOK, resp.StatusCode, path)
				require.Contains(t, body, `"name": "nightly/report"`)
			}
			// Nothing redirects outside the mount point: what an outer mux
			// does not clean up first is not found.
			for _, path := range []string{"api//jobs", "assets", "assets/", "x/../api/jobs", "api/jobs/"} {
				resp, _ := get(t, page+path)
				if loc := resp.Header.Get("Location"); loc != "" {
					require.True(t, strings.HasPrefix(resolve(t, page+path, loc), page), "%s: to %s", path, loc)
				} else {
					require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
				}
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	s := periodic.New()
	for _, tc := range []struct {
		opt  dashboard.Option
		want string
	}{
		{dashboard.WithAuthorize(nil), "dashboard: WithAuthorize(nil): need a function"},
		{dashboard.WithWindow(0), "dashboard: WithWindow(0s): must be positive"},
		{dashboard.WithRuns(3, 10, 5), "dashboard: WithRuns(3, 10, 5): need next >= 0, last >= 0, keep >= last"},
		{dashboard.WithRuns(-1, 1, 1), "dashboard: WithRuns(-1, 1, 1): need next >= 0, last >= 0, keep >= last"},
		{dashboard.WithRefresh(-time.Second, 0), "dashboard: WithRefresh(-1s, 0s): must not be negative"},
		{dashboard.WithLogger(nil), "dashboard: WithLogger(nil): need a logger"},
		{dashboard.WithHosts(), "dashboard: WithHosts(): need at least one host name"},
		{dashboard.WithHosts("localhost", ""), `dashboard: WithHosts(""): want a host name or IP address without port or brackets`},
		{dashboard.WithHosts("localhost:8080"), `dashboard: WithHosts("localhost:8080"): want a host name or IP address without port or brackets`},
		{dashboard.WithHosts("[::1]"), `dashboard: WithHosts("[::1]"): want a host name or IP address without port or brackets`},
		{nil, "dashboard: New: nil Option"},
	} {
		_, err := dashboard.New(s, tc.opt)
		require.EqualError(t, err, tc.want)
	}
	_, err := dashboard.New(nil)
	require.EqualError(t, err, "dashboard: New: nil scheduler")
}

// keys returns m's keys.
func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// utc returns ts in UTC, for comparing with ==.
func utc(ts []time.Time) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = t.UTC()
	}
	return out
}

// resolve resolves ref against base.
func resolve(t *testing.T, base, ref string) string {
	t.Helper()
	b, err := url.Parse(base)
	require.NoError(t, err)
	r, err := url.Parse(ref)
	require.NoError(t, err)
	return b.ResolveReference(r).String()
}

func TestJobsComeAndGo(t *testing.T) {
	e := newEnv(t)
	e.open()
	srv := serve(t, e.h)
	_, body := get(t, srv.URL+"/api/jobs")
	require.Empty(t, decode[dashboard.Snapshot](t, body).Jobs)

	job := e.seed("run_job") // after New: watched from the next request on
	_, _ = get(t, srv.URL+"/api/jobs")
	e.advance(15 * time.Second)
	_, body = get(t, srv.URL+"/api/jobs")
	jobs := decode[dashboard.Snapshot](t, body).Jobs
	require.Len(t, jobs, 1)
	require.Len(t, jobs[0].LastRuns, 1)
	require.Len(t, jobs[0].Running, 1)
	require.True(t, jobs[0].Running[0].Start.Equal(at(10)))

	job.Remove()
	_, body = get(t, srv.URL+"/api/jobs")
	require.Empty(t, decode[dashboard.Snapshot](t, body).Jobs)
}

func TestKeepsTheLatestRuns(t *testing.T) {
	e := newEnv(t)
	e.seed("run_job")
	e.open(dashboard.WithRuns(1, 2, 3))
	e.advance(75 * time.Second) // ticks 0..70 s; the runs of 60 s (15 s long) and 70 s (5 s) end at 75 s, in that order
	srv := serve(t, e.h)
	_, body := get(t, srv.URL+"/api/job?name=run_job")
	j := decode[dashboard.JobView](t, body)
	require.Equal(t, []time.Time{at(80)}, utc(j.NextRuns))
	var ticks []time.Time
	for _, r := range j.LastRuns {
		ticks = append(ticks, r.Tick.UTC())
	}
	require.Equal(t, []time.Time{at(70), at(60)}, ticks) // newest first
	require.Empty(t, j.Running)
	_, page := get(t, srv.URL+"/")
	require.Equal(t, 3, strings.Count(page, `<rect class="run `)) // the ring keeps 3 of the 8 finished runs
}

func TestSkippedTicksShow(t *testing.T) {
	e := newEnv(t)
	e.seed("run_job", periodic.WithOverlap(periodic.OverlapSkip))
	e.open()
	e.advance(15 * time.Second) // the tick of 10 s comes while the run of 0 s (12 s) is in flight
	srv := serve(t, e.h)
	_, body := get(t, srv.URL+"/api/job?name=run_job")
	j := decode[dashboard.JobView](t, body)
	require.Len(t, j.LastRuns, 2)
	require.Equal(t, "succeeded", j.LastRuns[0].Outcome)
	require.True(t, j.LastRuns[1].Tick.Equal(at(10)))
	require.Equal(t, "skipped", j.LastRuns[1].Outcome)
	require.Contains(t, j.LastRuns[1].Error, "periodic: tick skipped")
	_, page := get(t, srv.URL+"/")
	require.Contains(t, page, `<title>skipped tick 12:00:10</title>`)
	require.Equal(t, 1, strings.Count(page, `<rect class="run `))
}

func TestFailedCounterMarkedOnlyWhenNotZero(t *testing.T) {
	e := newEnv(t)
	e.seed("run_job")
	e.failing("sync", "refused", periodic.StartImmediately())
	e.open()
	e.advance(15 * time.Second)
	srv := serve(t, e.h)
	_, page := get(t, srv.URL+"/")
	require.Contains(t, page, `<dd class="stat-failed">0</dd>`)     // run_job
	require.Contains(t, page, `<dd class="stat-failed bad">1</dd>`) // sync
}
