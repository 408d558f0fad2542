package periodic

import (
	"context"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
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
	"(*Scheduler).dispatch",        // the real clock's dispatcher
	"(*Scheduler).releaseDue",      // periodictest's releaser
}

// calledFromInside reports whether the caller is a goroutine of s: one
// whose ctx belongs to a run of s, or, with no such ctx, one that started
// in a function that only the package's goroutines start in. It is for
// Shutdown and WaitIdle, which must never wait for their caller. It walks
// the stack; the answer for a stack of up to 16 frames is cached by its
// program counters, so that periodictest's many WaitIdle calls stay cheap.
func (s *Scheduler) calledFromInside(ctx context.Context) bool {
	if r := runOf(ctx); r != nil {
		return r.s == s
	}
	var key stackKey
	if n := runtime.Callers(2, key[:]); n < len(key) {
		if v, ok := insideCache.Load(key); ok {
			return v.(bool)
		}
		inside := ownStack(key[:n])
		if insideCached.Add(1) <= maxInsideCache {
			insideCache.Store(key, inside)
		}
		return inside
	}
	pcs := make([]uintptr, 64)
	for {
		n := runtime.Callers(2, pcs)
		if n < len(pcs) {
			return ownStack(pcs[:n])
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
}

// stackKey is the program counters of a short stack.
type stackKey [16]uintptr

// insideCache maps stacks to calledFromInside's answer; insideCached
// counts its entries, at most maxInsideCache.
var (
	insideCache  sync.Map
	insideCached atomic.Int64
)

const maxInsideCache = 4096

// ownStack reports whether one of the frames of pcs is in ownFrames.
func ownStack(pcs []uintptr) bool {
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
