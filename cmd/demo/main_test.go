package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-every", "0s"},
		{"-min", "5s", "-max", "1s"},
		{"-for", "-1s"},
		{"-every", "soon"},
	} {
		_, err := parse(args)
		require.Error(t, err, "%v", args)
	}
}

func TestRunShutsDownGracefully(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run([]string{"-every", "1h", "-min", "0s", "-max", "0s", "-for", "1ms"}, &out))
	require.Contains(t, out.String(), "shutting down")
	require.Regexp(t, `done: (\d+) runs, (\d+) finished, peak concurrency`, out.String())
}
