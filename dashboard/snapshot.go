package dashboard

import (
	"context"
	"errors"
	"time"

	"github.com/periodic-go/periodic"
)

// Snapshot is the dashboard's data at one instant, as GET api/jobs returns
// it in JSON: the scheduler's time and every job.
type Snapshot struct {
	Now      time.Time `json:"now"`
	Writable bool      `json:"writable"` // whether this caller may pause, resume and run jobs
	Jobs     []JobView `json:"jobs"`
}

// JobView is one job in a Snapshot.
type JobView struct {
	Name        string      `json:"name"`
	Trigger     string      `json:"trigger"`
	Paused      bool        `json:"paused"`
	PauseReason string      `json:"pauseReason,omitempty"` // the failure that paused the job
	NextRuns    []time.Time `json:"nextRuns"`
	Stats       StatsView   `json:"stats"`
	Running     []RunView   `json:"running"`  // runs in flight, oldest first
	LastRuns    []RunView   `json:"lastRuns"` // finished runs, newest first
	timeline    Timeline
}

// StatsView is a job's counters (periodic.Stats) in JSON.
type StatsView struct {
	Runs                int     `json:"runs"`
	Successes           int     `json:"successes"`
	Failures            int     `json:"failures"`
	Cancellations       int     `json:"cancellations"`
	Skips               int     `json:"skips"`
	Misfires            int     `json:"misfires"`
	Retries             int     `json:"retries"`
	Dropped             int     `json:"dropped"`
	InFlight            int     `json:"inFlight"`
	LastDurationSeconds float64 `json:"lastDurationSeconds"`
	LastError           string  `json:"lastError,omitempty"`
}

// RunView is one run in a Snapshot. Outcome is running, succeeded, failed,
// cancelled, skipped or claimed (another replica ran the tick).
type RunView struct {
	Tick            time.Time  `json:"tick"`
	Start           time.Time  `json:"start"`
	End             *time.Time `json:"end,omitempty"`
	DurationSeconds float64    `json:"durationSeconds"` // so far, for a run in flight
	Outcome         string     `json:"outcome"`
	Error           string     `json:"error,omitempty"`
}

// outcome names how a run ended.
func outcome(r Run) string {
	switch {
	case r.End.IsZero():
		return "running"
	case r.Err == nil:
		return "succeeded"
	case errors.Is(r.Err, periodic.ErrSkipped), errors.Is(r.Err, periodic.ErrPaused):
		return "skipped"
	case errors.Is(r.Err, periodic.ErrClaimed):
		return "claimed"
	case errors.Is(r.Err, context.Canceled): // periodic.ErrCancelled included
		return "cancelled"
	}
	return "failed"
}

// errText is err's message, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// runView describes r at now.
func runView(r Run, now time.Time) RunView {
	v := RunView{Tick: r.Tick, Start: r.Start, Outcome: outcome(r)}
	end := now
	if !r.End.IsZero() {
		end = r.End
		v.End = &end
		if v.Outcome != "succeeded" && v.Outcome != "cancelled" {
			v.Error = errText(r.Err)
		}
	}
	v.DurationSeconds = end.Sub(r.Start).Seconds()
	return v
}

// snapshot reads every job of the scheduler.
func (h *Handler) snapshot(writable bool) Snapshot {
	jobs := h.s.Handles()
	h.rec.attach(jobs)
	now := h.s.Now()
	snap := Snapshot{Now: now, Writable: writable, Jobs: make([]JobView, 0, len(jobs))}
	for _, job := range jobs {
		snap.Jobs = append(snap.Jobs, h.jobView(job, now))
	}
	return snap
}

// jobView describes job at now.
func (h *Handler) jobView(job periodic.JobHandle, now time.Time) JobView {
	desc := job.Describe(h.cfg.nextRuns)
	running, done := h.rec.runs(job)
	v := JobView{Name: desc.Name, Trigger: desc.Trigger, Paused: desc.Paused, PauseReason: errText(desc.PauseReason),
		NextRuns: desc.NextRuns, Stats: statsView(desc.Stats),
		Running: make([]RunView, 0, len(running)), LastRuns: make([]RunView, 0, h.cfg.lastRuns)}
	if v.NextRuns == nil {
		v.NextRuns = []time.Time{}
	}
	for _, r := range running {
		v.Running = append(v.Running, runView(r, now))
	}
	for i := len(done) - 1; i >= 0 && len(v.LastRuns) < h.cfg.lastRuns; i-- {
		v.LastRuns = append(v.LastRuns, runView(done[i], now))
	}
	v.timeline = layout(running, done, desc.NextRuns, now, h.cfg.window)
	return v
}

// statsView converts st.
func statsView(st periodic.Stats) StatsView {
	return StatsView{Runs: st.Runs, Successes: st.Successes, Failures: st.Failures, Cancellations: st.Cancellations, Skips: st.Skips,
		Misfires: st.Misfires, Retries: st.Retries, Dropped: st.Dropped, InFlight: st.InFlight,
		LastDurationSeconds: st.LastDuration.Seconds(), LastError: errText(st.LastError)}
}

// Timeline returns the job's runs laid out for the SVG timeline.
func (v JobView) Timeline() Timeline { return v.timeline }
