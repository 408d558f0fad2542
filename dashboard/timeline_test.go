package dashboard_test

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/periodic-go/periodic/dashboard"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestTimelineGolden draws the seed scenario's timeline at 45 s: runs of
// 12, 7, 15, 5 and 12 s every 10 s, so the runs of 0 and 10 s overlap, as
// do those of 20 and 30 s, and the run of 40 s is in flight.
func TestTimelineGolden(t *testing.T) {
	e := newEnv(t)
	e.seed("run_job")
	e.open(dashboard.WithWindow(time.Minute))
	e.advance(45 * time.Second)
	srv := serve(t, e.h)
	_, page := get(t, srv.URL+"/")
	svg := regexp.MustCompile(`(?s)<svg class="timeline".*?</svg>`).FindString(page)
	require.NotEmpty(t, svg)

	// What the golden file must show: two lanes, the overlapping runs in
	// different lanes, the run in flight open up to now.
	bars := regexp.MustCompile(`<rect class="run (\w+)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"`).FindAllStringSubmatch(svg, -1)
	var got []string
	for _, b := range bars {
		got = append(got, strings.Join(b[1:], " "))
	}
	// The window runs from -15 s to 55 s (60 s of past, 10 s of future)
	// over 720 units, so x = (t+15 s) * 720/70 and a second is 10.3 units;
	// lane 0 is at y 4, lane 1 at y 20.
	require.Equal(t, []string{
		"succeeded 154.3 4 123.4", // tick 0 s, 12 s, lane 0
		"succeeded 257.1 20 72",   // tick 10 s, 7 s, lane 1: overlaps the first
		"succeeded 360 4 154.3",   // tick 20 s, 15 s, lane 0
		"succeeded 462.9 20 51.4", // tick 30 s, 5 s, lane 1: overlaps the third
		"running 565.7 4 51.4",    // tick 40 s, in flight for 5 s, lane 0
	}, got)
	require.Contains(t, svg, `<title>runs of run_job: 5 in view, in 2 lanes</title>`)

	golden := "testdata/timeline.svg"
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(svg+"\n"), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), svg+"\n")
}
