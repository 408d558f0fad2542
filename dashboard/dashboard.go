// Package dashboard serves a live web page, and a JSON API, over a
// periodic.Scheduler: its jobs with their trigger, next runs, pause state,
// counters and last runs, and for each job a timeline drawn as SVG on the
// server in which runs that overlap stack in lanes.
//
// It uses the standard library only. The page updates itself through
// server-sent events; it is read-only unless New is given an authorization
// function, and then pause, resume and run-now are POST requests checked
// against cross-origin use (see WithAuthorize, and WithHosts against DNS
// rebinding). Every value is escaped by html/template, so job names and
// error texts may be anything.
//
// A Handler mounts under any prefix, because its links are relative. It
// takes the paths http.StripPrefix leaves with or without their leading
// slash, as http.FileServer does, so both forms work:
//
//	h, err := dashboard.New(s)
//	mux.Handle("/ops/scheduler/", http.StripPrefix("/ops/scheduler", h))
//	// or: mux.Handle("/ops/scheduler/", http.StripPrefix("/ops/scheduler/", h))
//
// Routes, relative to the mount point: GET / (the page), GET events (the
// page's event stream), GET api/jobs (JSON, see Snapshot), GET
// api/job?name=NAME (one job, see JobView), GET api/events (a Snapshot in
// each event "snapshot", live), POST api/job/pause?name=NAME,
// .../resume?name=NAME and .../run?name=NAME. A job is named in the query
// so that every name can be addressed, "." and ".." and names with "/" or
// "%" included (a path segment "." or ".." is removed by browsers).
//
// The event streams are requests that do not end: http.Server.Shutdown
// waits for them, so it blocks until Close is called. Call Close first, or
// let Shutdown call it:
//
//	srv.RegisterOnShutdown(func() { _ = h.Close() })
package dashboard

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"sync"
	"time"

	"github.com/periodic-go/periodic"
)

//go:embed assets
var assets embed.FS

// templates are the page, the job list the stream sends, and the timeline.
var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"num":     num,
	"clock":   clock,
	"seconds": func(s float64) string { return seconds(time.Duration(s * float64(time.Second))) },
	"until":   until,
	"day":     day,
}).ParseFS(assets, "assets/*.html"))

// Handler is the dashboard of one scheduler; New returns it. It is an
// http.Handler safe for use by several goroutines. Close ends its event
// streams and stops watching the scheduler.
type Handler struct {
	s   *periodic.Scheduler
	cfg config
	rec *recorder
	mux *http.ServeMux

	// mu guards closed; streams counts the event streams being served.
	mu      sync.Mutex
	closed  bool
	done    chan struct{} // closed by Close
	streams sync.WaitGroup
}

// New returns the dashboard of s, watching its jobs from now on: the runs
// each job's history (WithHistory) already holds are shown too, runs in
// flight at that moment are not. Jobs scheduled later are watched from the
// next request or stream update that lists them. New starts no goroutine.
// Bad options are an error naming the bad value.
//
// Defaults: read-only; a timeline window of 2 minutes; 3 next runs and 10
// last runs per job in the page and the API; 200 runs kept per job for
// the timeline; the stream refreshes every second while a client listens
// and sends at most one update per 250 ms, both on the scheduler's clock.
func New(s *periodic.Scheduler, opts ...Option) (*Handler, error) {
	if s == nil {
		return nil, fmt.Errorf("dashboard: New: nil scheduler")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("dashboard: New: nil Option")
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
	}
	h := &Handler{s: s, cfg: cfg, rec: newRecorder(s, cfg.keep), done: make(chan struct{})}
	h.rec.attach(s.Handles())
	h.routes()
	return h, nil
}

// routes builds the mux. It has no pattern ending in a slash but "/", so
// it never redirects a path to add one: such a redirect would be absolute
// and leave the mount point.
func (h *Handler) routes() {
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /{$}", h.servePage)
	h.mux.HandleFunc("GET /events", h.servePageEvents)
	h.mux.HandleFunc("GET /api/events", h.serveJSONEvents)
	h.mux.HandleFunc("GET /api/jobs", h.serveJobs)
	h.mux.HandleFunc("GET /api/job", h.serveJob)
	h.mux.HandleFunc("POST /api/job/{action}", h.serveAction)
	for _, name := range []string{"app.js", "style.css"} {
		h.mux.HandleFunc("GET /assets/"+name, func(w http.ResponseWriter, r *http.Request) {
			http.ServeFileFS(w, r, assets, "assets/"+name)
		})
	}
}

// ServeHTTP serves the dashboard. A request for the mount point without
// its trailing slash is redirected to it, so relative links resolve; a
// path that is not clean ("a//b", "a/../b") is not found, rather than
// redirected outside the mount point. With WithHosts, a request for
// another host is refused.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if !h.hostAllowed(r.Host) {
		writeError(w, http.StatusForbidden, "host "+quote(r.Host)+" not allowed (see WithHosts)")
		return
	}
	r, ok := mounted(w, r)
	if !ok {
		return
	}
	h.mux.ServeHTTP(w, r)
}

// Close ends the event streams being served, waits for their handlers to
// return and stops watching the scheduler; later streams are refused. The
// page and the API keep working. Close is idempotent and safe for use by
// several goroutines. http.Server.Shutdown waits for the streams, which
// never end by themselves, so call Close before it or register it with
// srv.RegisterOnShutdown(func() { _ = h.Close() }).
func (h *Handler) Close() error {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
	h.mu.Unlock()
	h.streams.Wait()
	h.rec.close()
	return nil
}

// enter counts a new stream, unless closed.
func (h *Handler) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.streams.Add(1)
	return true
}

// writable reports whether r may pause, resume and run jobs. A panic in
// the authorization function denies and is logged.
func (h *Handler) writable(r *http.Request) (ok bool) {
	if h.cfg.authorize == nil {
		return false
	}
	defer func() {
		if v := recover(); v != nil {
			h.cfg.log.Error("dashboard: authorization function panicked", "panic", fmt.Sprint(v))
			ok = false
		}
	}()
	return h.cfg.authorize(r)
}

// find returns the job named name.
func (h *Handler) find(name string) (periodic.JobHandle, bool) {
	for _, job := range h.s.Handles() {
		if job.Name() == name {
			return job, true
		}
	}
	return nil, false
}
