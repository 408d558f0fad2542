package periodicprom_test

import (
	"os"
	"strings"
	"testing"

	"github.com/periodic-go/periodic"
	periodicprom "github.com/periodic-go/periodic/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// readmeProm holds, between the README markers, a copy of the README's
// Prometheus snippet, so that the compiler checks it. The scheduler it
// makes is never started, so it holds no goroutine.
func readmeProm() error {
	// README:begin
	// go get github.com/periodic-go/periodic/prometheus
	c, err := periodicprom.New() // or periodicprom.New(periodicprom.WithJobLabel("job_name")): see below
	if err != nil {
		return err
	}
	s := periodic.New(periodic.WithHooks(c.Hooks()))
	c.Observe(s) // the next-run gauge
	prometheus.MustRegister(c)
	// README:end
	return nil
}

// TestReadmeSnippet checks that the README's Prometheus snippet is the
// one readmeProm compiles, and runs it: the Collector registers with the
// default registry.
func TestReadmeSnippet(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	src, err := os.ReadFile("readme_test.go")
	require.NoError(t, err)
	require.Equal(t, between(t, string(src), "\t// README:begin\n", "\t// README:end\n", "\t"),
		between(t, string(readme), "```go\n// go get github.com/periodic-go/periodic/prometheus\n", "```\n", ""))
	require.NoError(t, readmeProm())
	families, err := prometheus.DefaultGatherer.Gather()
	require.NoError(t, err)
	var names []string
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "periodic_") {
			names = append(names, f.GetName())
		}
	}
	require.Empty(t, names) // registered, and no run yet: no series
}

// between returns the lines of s from the first line after begin (the
// "// go get" line when begin is the README's fence and it) up to the
// line end, each without the prefix indent.
func between(t *testing.T, s, begin, end, indent string) string {
	t.Helper()
	i := strings.Index(s, begin)
	require.GreaterOrEqual(t, i, 0, "no %q", begin)
	s = s[i+len(begin):]
	if fence := "```go\n"; strings.HasPrefix(begin, fence) {
		s = begin[len(fence):] + s // the snippet's first line is part of it
	}
	j := strings.Index(s, end)
	require.GreaterOrEqual(t, j, 0, "no %q", end)
	lines := strings.SplitAfter(s[:j], "\n")
	for k, l := range lines {
		lines[k] = strings.TrimPrefix(l, indent)
	}
	return strings.Join(lines, "")
}
