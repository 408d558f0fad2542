package storetest_test

import (
	"errors"
	"testing"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/periodic-go/periodic/periodictest/storetest"
)

// TestMemory runs the suite against periodictest.Store, the reference.
func TestMemory(t *testing.T) {
	storetest.Run(t, func(*testing.T) periodic.Store { return periodictest.NewStore() },
		storetest.WithOutage(func(*testing.T) (st periodic.Store, down, up func()) {
			m := periodictest.NewStore()
			return m, func() { m.Fail(errors.New("connection refused")) }, func() { m.Fail(nil) }
		}))
}
