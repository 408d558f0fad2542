package periodicotel_test

import (
	"os"
	"strings"
	"testing"

	"github.com/periodic-go/periodic"
	periodicotel "github.com/periodic-go/periodic/otel"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// readmeOTel holds, between the README markers, a copy of the README's
// OpenTelemetry snippet, so that the compiler checks it.
func readmeOTel(tp trace.TracerProvider, mp metric.MeterProvider) error {
	// README:begin
	// go get github.com/periodic-go/periodic/otel
	tel, err := periodicotel.New(periodicotel.WithTracerProvider(tp), periodicotel.WithMeterProvider(mp))
	if err != nil {
		return err
	}
	s := periodic.New(periodic.WithHooks(tel.Hooks()))
	reg, err := tel.Observe(s) // the next-run gauge
	if err != nil {
		return err
	}
	defer reg.Unregister()
	// README:end
	return nil
}

// TestReadmeSnippet checks that the README's OpenTelemetry snippet is
// the one readmeOTel compiles, and runs it.
func TestReadmeSnippet(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	src, err := os.ReadFile("readme_test.go")
	require.NoError(t, err)
	require.Equal(t, between(t, string(src), "\t// README:begin\n", "\t// README:end\n", "\t"),
		between(t, string(readme), "```go\n// go get github.com/periodic-go/periodic/otel\n", "```\n", ""))
	require.NoError(t, readmeOTel(tracenoop.NewTracerProvider(), metricnoop.NewMeterProvider()))
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
