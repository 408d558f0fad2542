package dashboard

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Option configures a Handler; New applies them in order.
type Option func(*config) error

// config is what the options set.
type config struct {
	authorize func(*http.Request) bool
	hosts     map[string]struct{} // nil: any host
	window    time.Duration
	nextRuns  int
	lastRuns  int
	keep      int
	refresh   time.Duration
	minGap    time.Duration
	log       *slog.Logger
}

// defaultConfig is New's defaults.
func defaultConfig() config {
	return config{window: 2 * time.Minute, nextRuns: 3, lastRuns: 10, keep: 200,
		refresh: time.Second, minGap: 250 * time.Millisecond, log: slog.Default()}
}

// WithAuthorize makes the dashboard writable for the requests allow
// accepts: they may pause, resume and run a job now, through POST requests
// only. Before allow is asked, a POST from a browser that comes from
// another origin is refused, by the rule of Go 1.25's
// http.CrossOriginProtection (Sec-Fetch-Site, else Origin against Host),
// which the dashboard applies itself because the module supports Go 1.24.
// allow is user code: a panic in it denies the request and is logged.
// Without this option the dashboard is read-only.
//
// DNS rebinding: an origin check compares the page's origin with the
// request's Host, both chosen by whoever controls the page's domain name.
// A page of evil.example whose name is then made to resolve to 127.0.0.1
// is same-origin, to the browser, with a dashboard served on 127.0.0.1:
// its POSTs come from the loopback address with Sec-Fetch-Site
// same-origin and Host evil.example. So allow must not trust the client's
// address (r.RemoteAddr) alone: check credentials the browser would not
// send to evil.example (a cookie, an Authorization header), or check
// r.Host, or use WithHosts, which refuses every request for a host not
// listed, reads included.
func WithAuthorize(allow func(r *http.Request) bool) Option {
	return func(c *config) error {
		if allow == nil {
			return fmt.Errorf("WithAuthorize(nil): need a function")
		}
		c.authorize = allow
		return nil
	}
}

// WithHosts makes the dashboard answer only requests whose Host header
// names one of names (port ignored; case and a trailing dot ignored, as
// in DNS; IPv6 addresses without brackets, "::1"); other requests get 403
// Forbidden. It is the defence against DNS rebinding that Django's
// ALLOWED_HOSTS is: a page of another site whose name resolves to the
// dashboard's address sends its own name as Host. List the names users
// type, e.g. WithHosts("localhost", "127.0.0.1", "::1") for a dashboard
// on the loopback interface. Without the option every host is answered.
func WithHosts(names ...string) Option {
	return func(c *config) error {
		if len(names) == 0 {
			return fmt.Errorf("WithHosts(): need at least one host name")
		}
		c.hosts = make(map[string]struct{}, len(names))
		for _, n := range names {
			if n == "" || hostName(n) != strings.ToLower(strings.TrimSuffix(n, ".")) {
				return fmt.Errorf("WithHosts(%q): want a host name or IP address without port or brackets", n)
			}
			c.hosts[hostName(n)] = struct{}{}
		}
		return nil
	}
}

// WithWindow sets how much of the past each timeline shows; the default is
// 2 minutes.
func WithWindow(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithWindow(%v): must be positive", d)
		}
		c.window = d
		return nil
	}
}

// WithRuns sets how many next runs and last runs each job lists (defaults
// 3 and 10), and how many finished runs the dashboard keeps per job for
// the timeline (default 200; at least last).
func WithRuns(next, last, keep int) Option {
	return func(c *config) error {
		if next < 0 || last < 0 || keep < last {
			return fmt.Errorf("WithRuns(%d, %d, %d): need next >= 0, last >= 0, keep >= last", next, last, keep)
		}
		c.nextRuns, c.lastRuns, c.keep = next, last, keep
		return nil
	}
}

// WithRefresh sets, on the scheduler's clock, how often the event stream
// redraws while nothing changes (so the timelines move; 0: only on
// changes; default 1 s) and the least time between two updates (0: no
// limit; default 250 ms), which bounds what a busy scheduler costs each
// client.
func WithRefresh(every, minGap time.Duration) Option {
	return func(c *config) error {
		if every < 0 || minGap < 0 {
			return fmt.Errorf("WithRefresh(%v, %v): must not be negative", every, minGap)
		}
		c.refresh, c.minGap = every, minGap
		return nil
	}
}

// WithLogger sets where the dashboard reports panics of the authorization
// function; the default is slog.Default() as of New.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("WithLogger(nil): need a logger")
		}
		c.log = l
		return nil
	}
}
