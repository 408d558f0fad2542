package dashboard

import (
	"errors"
	"net/url"
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
