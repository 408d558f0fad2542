// Package storetest is the conformance suite of periodic.Store: every
// backend runs it, as database/sql drivers and go-cloud drivers share one
// suite, and a new backend is done when it passes. Call Run from a test
// of the backend's package:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) periodic.Store {
//			return newStoreInAFreshNamespace(t)
//		}, storetest.WithOutage(stopAndRestartTheServer))
//	}
//
// The suite has two parts. The contract tests call the Store directly
// with explicit times: the fencing mark, leases and takeover, the
// cluster-wide overlap modes, pause, history, backfill ranges, bad input,
// and concurrent claims from three replicas whose clocks are ±2 s apart.
// The cluster tests run periodic schedulers as replicas on mock clocks
// sharing one Store, with exact timelines: at most once per tick with
// skewed clocks, a replica killed mid-run, a backend outage mid-stream, a
// backward clock jump, a restart under each misfire policy, each overlap
// policy across two replicas, and pause seen by the other replica.
//
// newStore must return a Store on a fresh namespace (no state from other
// tests) each time it is called; the suite shares one Store between the
// replicas of a test, as replicas share one server.
package storetest

import (
	"testing"

	"github.com/periodic-go/periodic"
)

// Option configures Run.
type Option func(*config)

type config struct {
	outage func(t *testing.T) (st periodic.Store, down, up func())
}

// WithOutage gives the suite a Store whose backend it can make
// unreachable and bring back with its data (a server restart with
// persistence): down makes every call of st fail, up makes them succeed
// again. Without it, the outage tests are skipped, and fail when the
// environment has CI=true.
func WithOutage(fn func(t *testing.T) (st periodic.Store, down, up func())) Option {
	return func(c *config) { c.outage = fn }
}

// Run runs the whole suite against the Stores newStore returns.
func Run(t *testing.T, newStore func(t *testing.T) periodic.Store, opts ...Option) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	t.Run("Contract", func(t *testing.T) { runContract(t, newStore, &cfg) })
	t.Run("Cluster", func(t *testing.T) { runCluster(t, newStore, &cfg) })
}
