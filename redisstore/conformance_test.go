package redisstore

import (
	"testing"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest/storetest"
)

// TestConformance runs the store suite against a real redis-server; the
// outage is a private server killed and restarted with its append-only
// file.
func TestConformance(t *testing.T) {
	addr := need(t, "REDIS_ADDR")
	storetest.Run(t, func(t *testing.T) periodic.Store { return newStore(t, addr) },
		storetest.WithOutage(func(t *testing.T) (periodic.Store, func(), func()) {
			srv := startServer(t, true)
			return newStore(t, srv.addr()), srv.stop, srv.start
		}))
}
