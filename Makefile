# make test: everything CI runs. make bench: the peer comparison.
# make fuzz: fuzz each target for FUZZTIME.

GO        ?= go
MODULES   := . redisstore pgstore bench
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME  ?= 60s

.PHONY: test lint unit fuzz bench demo

test: lint unit

lint:
	@echo "== gofmt"; out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@set -e; for m in $(MODULES); do \
		[ -f $$m/go.mod ] || continue; \
		echo "== go vet ($$m)"; (cd $$m && $(GO) vet ./...); \
		echo "== staticcheck ($$m)"; (cd $$m && $(STATICCHECK) ./...); \
	done

unit:
	@echo "== go test (core)"; $(GO) test -race -count=1 ./...
	@if [ -f redisstore/go.mod ]; then echo "== go test (redisstore, real redis-server)"; \
		cd redisstore && ../scripts/with-redis.sh $(GO) test -race -count=1 ./...; fi
	@if [ -f pgstore/go.mod ]; then echo "== go test (pgstore, real PostgreSQL)"; \
		cd pgstore && ../scripts/with-postgres.sh $(GO) test -race -count=1 ./...; fi
	@if [ -f bench/go.mod ]; then echo "== go test (bench)"; cd bench && $(GO) test -race -count=1 ./...; fi

fuzz:
	@for f in $$($(GO) test -list 'Fuzz.*' . | grep '^Fuzz'); do \
		echo "== $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) . || exit 1; \
	done

bench:
	cd bench && $(GO) run ./cmd/peers

demo:
	$(GO) run ./cmd/demo
