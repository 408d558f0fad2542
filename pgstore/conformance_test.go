package pgstore

import (
	"testing"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest/storetest"
)

// TestConformance runs the store suite against a real PostgreSQL; the
// outage is the server stopped in immediate mode (a crash: only what was
// committed survives) and started again.
func TestConformance(t *testing.T) {
	pool := newPool(t)
	storetest.Run(t, func(t *testing.T) periodic.Store { return newStore(t, pool) },
		storetest.WithOutage(func(t *testing.T) (periodic.Store, func(), func()) {
			return newStore(t, pool), func() { pgctl(t, "-m", "immediate", "stop") }, func() { pgctl(t, "start") }
		}))
}
