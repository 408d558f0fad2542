package dashboard

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// errCrossOrigin refuses a write that a browser sent from another origin.
var errCrossOrigin = errors.New("cross-origin request refused")

// checkOrigin applies the rule of Go 1.25's http.CrossOriginProtection to
// a state-changing request: a browser's Sec-Fetch-Site must be
// same-origin or none (typed by the user); without that header, an Origin
// header must name the request's own host; a request with neither did not
// come from a modern browser's cross-site page and passes.
func checkOrigin(secFetchSite, origin, host string) error {
	switch secFetchSite {
	case "same-origin", "none":
		return nil
	case "":
	default:
		return errCrossOrigin
	}
	if origin == "" {
		return nil
	}
	if u, err := url.Parse(origin); err == nil && u.Host == host {
		return nil
	}
	return errCrossOrigin
}

// hostAllowed reports whether a request for host (r.Host, with or without
// a port) may be served: always without WithHosts, else when its name is
// one of the allowed names, compared as DNS compares them (case, and a
// trailing dot, ignored).
func (h *Handler) hostAllowed(host string) bool {
	if h.cfg.hosts == nil {
		return true
	}
	_, ok := h.cfg.hosts[hostName(host)]
	return ok
}

// hostName is host without its port and IPv6 brackets, lower-cased and
// without a trailing dot: "LocalHost.:8080" is "localhost", "[::1]:80" is "::1".
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.TrimSuffix(strings.ToLower(host), ".")
}
