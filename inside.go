package periodic

import (
	"context"
	"reflect"
	"runtime"
	"strings"
)

// pkgPrefix is the prefix of the package's function names.
var pkgPrefix = strings.TrimSuffix(runtime.FuncForPC(reflect.ValueOf(New).Pointer()).Name(), "New")

// ownFrames are the functions a goroutine of a scheduler starts in (or, for
// releaseDue, passes through while it holds the releaser's token).
var ownFrames = []string{
	"(*run[...]).exec",             // a run
	"(*Future[...]).drainOwned",    // OnDone callbacks of a scheduler's future
	"Go[...].func1",                // a Go task
	"(*Scheduler).goTracked.func1", // skip reports, timers
	"(*Scheduler).loop",            // the dispatcher (OnMisfire, triggers)
	"(*Scheduler).releaseDue",      // periodictest's releaser
}

// calledFromInside reports whether the caller is a goroutine of s: one
// whose ctx belongs to a run of s, or, with no such ctx, one that started
// in a function that only the package's goroutines start in. It is for
// Shutdown, which must never wait for its caller; it walks the stack, so
// it is not for hot paths.
func (s *Scheduler) calledFromInside(ctx context.Context) bool {
	if r := runOf(ctx); r != nil {
		return r.s == s
	}
	pcs := make([]uintptr, 64)
	for {
		n := runtime.Callers(2, pcs)
		if n < len(pcs) {
			pcs = pcs[:n]
			break
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if name, ok := strings.CutPrefix(f.Function, pkgPrefix); ok {
			for _, own := range ownFrames {
				if name == own {
					return true
				}
			}
		}
		if !more {
			return false
		}
	}
}
