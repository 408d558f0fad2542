package dashboard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/periodic-go/periodic"
)

// contentSecurity is the page's policy: its own scripts, styles and
// images only, no framing, forms posted back to itself.
const contentSecurity = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// servePage renders the whole page.
func (h *Handler) servePage(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, "page", h.snapshot(h.writable(r))); err != nil {
		http.Error(w, "dashboard: rendering failed", http.StatusInternalServerError)
		h.cfg.log.Error("dashboard: rendering the page", "error", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", contentSecurity)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// serveJobs writes the snapshot as JSON.
func (h *Handler) serveJobs(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.snapshot(h.writable(r)))
}

// serveJob writes the job named by the query's name as JSON.
func (h *Handler) serveJob(w http.ResponseWriter, r *http.Request) {
	job, ok := h.lookup(w, r)
	if !ok {
		return
	}
	h.rec.attach(h.s.Handles())
	writeJSON(w, http.StatusOK, h.jobView(job, h.s.Now()))
}

// serveAction pauses, resumes or runs the job named by the query's name,
// for an authorized caller from the same origin. A browser's form post is
// redirected back to the page; other callers get the job as JSON.
func (h *Handler) serveAction(w http.ResponseWriter, r *http.Request) {
	switch {
	case h.cfg.authorize == nil:
		writeError(w, http.StatusForbidden, "the dashboard is read-only")
		return
	case checkOrigin(r.Header.Get("Sec-Fetch-Site"), r.Header.Get("Origin"), r.Host) != nil:
		writeError(w, http.StatusForbidden, errCrossOrigin.Error())
		return
	case !h.writable(r):
		writeError(w, http.StatusForbidden, "not authorized")
		return
	}
	job, ok := h.lookup(w, r)
	if !ok {
		return
	}
	switch action := r.PathValue("action"); action {
	case "pause":
		job.Pause()
	case "resume":
		job.Resume()
	case "run":
		job.RunNowAny()
	default:
		writeError(w, http.StatusNotFound, "no action "+quote(action)+"; want pause, resume or run")
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Location", "../../") // from api/job/{action} to the page
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	h.rec.attach(h.s.Handles())
	writeJSON(w, http.StatusOK, h.jobView(job, h.s.Now()))
}

// lookup returns the job that the query parameter name names, or answers
// 400 or 404 and reports false.
func (h *Handler) lookup(w http.ResponseWriter, r *http.Request) (periodic.JobHandle, bool) {
	names, ok := r.URL.Query()["name"]
	if !ok || len(names) != 1 {
		writeError(w, http.StatusBadRequest, "want one query parameter name, got "+quote(r.URL.RawQuery))
		return nil, false
	}
	job, ok := h.find(names[0])
	if !ok {
		writeError(w, http.StatusNotFound, "no job named "+quote(names[0]))
	}
	return job, ok
}

// writeJSON writes v with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// writeError writes {"error": msg} with status code.
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": "dashboard: " + msg})
}

// quote quotes s for an error message.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
