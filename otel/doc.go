// Package periodicotel traces and measures the runs of a periodic
// scheduler through OpenTelemetry.
package periodicotel
