package dashboard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path"
	"strings"
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

// serveJob writes one job as JSON.
func (h *Handler) serveJob(w http.ResponseWriter, r *http.Request) {
	job, ok := h.find(r.PathValue("name"))
	if !ok {
		writeError(w, http.StatusNotFound, "no job named "+quote(r.PathValue("name")))
		return
	}
	h.rec.attach(h.s.Handles())
	writeJSON(w, http.StatusOK, h.jobView(job, h.s.Now()))
}

// serveAction pauses, resumes or runs a job, for an authorized caller from
// the same origin. A browser's form post is redirected back to the page;
// other callers get the job as JSON.
func (h *Handler) serveAction(w http.ResponseWriter, r *http.Request) {
	name, action := r.PathValue("name"), r.PathValue("action")
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
	job, ok := h.find(name)
	if !ok {
		writeError(w, http.StatusNotFound, "no job named "+quote(name))
		return
	}
	switch action {
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
		w.Header().Set("Location", "../../../") // from api/jobs/{name}/{action} to the page
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	h.rec.attach(h.s.Handles())
	writeJSON(w, http.StatusOK, h.jobView(job, h.s.Now()))
}

// redirectToDir sends a request for the mount point without its slash to
// the mount point with it. The Location is relative so that it holds
// whatever prefix a proxy or StripPrefix removed.
func redirectToDir(w http.ResponseWriter, r *http.Request) {
	base := path.Base(strings.TrimSuffix(strings.SplitN(r.RequestURI, "?", 2)[0], "/"))
	loc := "./" + base + "/"
	if base == "." || base == "/" {
		loc = "./"
	}
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusMovedPermanently)
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
