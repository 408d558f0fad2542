module github.com/periodic-go/periodic/bench

go 1.25.0

require (
	github.com/go-co-op/gocron/v2 v2.21.2
	github.com/periodic-go/periodic v0.0.0-00010101000000-000000000000
	github.com/robfig/cron/v3 v3.0.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/benbjohnson/clock v1.3.5 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/jonboulle/clockwork v0.5.0 // indirect
)

replace github.com/periodic-go/periodic => ../
