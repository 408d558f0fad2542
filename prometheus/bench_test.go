package periodicprom_test

import (
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	periodicprom "github.com/periodic-go/periodic/prometheus"
)

// BenchmarkHooks calls the hooks of one run (BeforeRun, AfterRun) the
// way the scheduler does: the collector's own cost per run, without the
// scheduler's. bench/cmd/observe measures the same inside a burst.
func BenchmarkHooks(b *testing.B) {
	c, err := periodicprom.New()
	if err != nil {
		b.Fatal(err)
	}
	h := c.Hooks()
	start := periodic.Event{Kind: periodic.EventStart, Job: "job", Tick: t0, Start: t0.Add(time.Millisecond)}
	b.ReportAllocs()
	for b.Loop() {
		h.BeforeRun(start)
		e := start
		e.Kind, e.Duration, e.Attempt = periodic.EventFinish, time.Second, 1
		h.AfterRun(e)
	}
}
