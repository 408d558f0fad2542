package storetest

import (
	"testing"

	"github.com/periodic-go/periodic"
)

// runCluster runs the cluster tests.
func runCluster(t *testing.T, newStore func(*testing.T) periodic.Store, cfg *config) {}
