package periodictest_test

import (
	"reflect"
	"testing"

	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// TestClockShowsNoInternals checks that Clock has no exported field, so
// that its rendered documentation shows no internal type (the marker that
// tells the scheduler that Advance drives the clock is unexported).
func TestClockShowsNoInternals(t *testing.T) {
	typ := reflect.TypeFor[periodictest.Clock]()
	for i := range typ.NumField() {
		require.False(t, typ.Field(i).IsExported(), "field %s", typ.Field(i).Name)
	}
}
