package dashboard

import (
	"net/http"
	"net/url"
	"path"
	"strings"
)

// mounted returns r with the path the dashboard's routes expect: rooted,
// "/" for the mount point. What http.StripPrefix leaves depends on the
// prefix: StripPrefix("/ops", h) leaves "/" and "/api/jobs" but "" for
// "/ops"; StripPrefix("/ops/", h) leaves "" for "/ops/" and "api/jobs".
// Like http.FileServer, mounted adds the missing slash; an empty path is
// the mount point when the client's own path ends in a slash, else it is
// redirected there (the StripPrefix("/ops", h) case). A path that is not
// clean is answered 404, as the mux would redirect it to an absolute path
// outside the mount point. mounted reports false when it has answered.
func mounted(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	p := r.URL.Path
	switch {
	case p == "" && !sentWithSlash(r):
		redirectToDir(w, r)
		return nil, false
	case p == "" || p[0] != '/':
		r = withPath(r, "/"+p)
	}
	if p := r.URL.Path; p != cleanPath(p) {
		writeError(w, http.StatusNotFound, "path "+quote(p)+" is not clean")
		return nil, false
	}
	return r, true
}

// sentPath is the path of r as the client sent it, escaped, before any
// StripPrefix; "" for a request that no server read.
func sentPath(r *http.Request) string {
	p, _, _ := strings.Cut(r.RequestURI, "?")
	if u, err := url.Parse(p); err == nil && u.Host != "" { // absolute form, from a proxy
		return u.EscapedPath()
	}
	return p
}

// sentWithSlash reports whether r's path, as sent, ends in a slash: then
// an empty path after StripPrefix is the mount point itself. A request no
// server read (no RequestURI) is taken to be the mount point, as
// http.FileServer takes it.
func sentWithSlash(r *http.Request) bool {
	p := sentPath(r)
	return p == "" || strings.HasSuffix(p, "/")
}

// withPath returns a shallow copy of r whose URL path is p, "/" plus the
// old path; http.StripPrefix copies the same way.
func withPath(r *http.Request, p string) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	r2.URL = new(url.URL)
	*r2.URL = *r.URL
	r2.URL.Path = p
	if r.URL.RawPath != "" {
		r2.URL.RawPath = "/" + r.URL.RawPath
	}
	return r2
}

// cleanPath is p with its dot segments and double slashes removed, its
// trailing slash kept: the form http.ServeMux redirects to.
func cleanPath(p string) string {
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

// redirectToDir sends a request for the mount point without its slash to
// the mount point with it. The Location is relative, "./last-segment/",
// so that it holds whatever prefix a proxy or StripPrefix removed.
func redirectToDir(w http.ResponseWriter, r *http.Request) {
	loc := "./" + path.Base(sentPath(r)) + "/"
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusMovedPermanently)
}
