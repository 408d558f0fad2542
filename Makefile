# make test: everything CI runs (the short soak included). make bench: the
# peer comparison. make fuzz: fuzz each target for FUZZTIME. make soak:
# 1,000 jobs on the real clock for SOAKTIME, heap and goroutines sampled.

GO        ?= go
MODULES   := . redislock bench
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME  ?= 60s
SOAKTIME  ?= 3m

.PHONY: test lint unit fuzz bench demo soak

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
	@if [ -f redislock/go.mod ]; then echo "== go test (redislock, real redis-server)"; \
		cd redislock && ../scripts/with-redis.sh $(GO) test -race -count=1 ./...; fi
	@if [ -f bench/go.mod ]; then echo "== go test (bench)"; cd bench && $(GO) test -race -count=1 ./...; fi

fuzz:
	@for f in $$($(GO) test -list 'Fuzz.*' . | grep '^Fuzz'); do \
		echo "== $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) . || exit 1; \
	done

soak:
	$(GO) test -tags soak -run '^TestSoak$$' -count=1 -timeout 60m -v . -soak.duration $(SOAKTIME)

bench:
	cd bench && $(GO) run ./cmd/peers

demo:
	$(GO) run ./cmd/demo
