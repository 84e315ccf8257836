# radiogw — the two commands a new user needs are `make run` and `make test`.

GO       ?= go
GOBIN    := $(shell $(GO) env GOPATH)/bin
export PATH := $(GOBIN):$(PATH)
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/radiogw
DEMO     := hcl/examples/demo
FUZZTIME ?= 60s
PREFIX   ?= /usr/local
DESTDIR  ?=
# Secret files of hcl/examples/install/radiogw.hcl, created by make install.
INSTALL_SECRETS := broker-wall.pass broker-dispatch.pass http-read.token http-write.token

.PHONY: all build run test check deps fuzz fuzz-smoke faults ha ha-smoke bench bench-ladder bench-go bench-smoke screenshots install uninstall clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/radiogw

# What every test needs (make test runs it first).
deps:
	@.ci/install-deps test

# The demo: radiogw on hcl/examples/demo (embedded broker, outbox under ./data)
# plus a simulated field over real sockets and a pseudo-terminal. Installs
# nothing beyond Go; moves any taken port to a free one and prints it.
run:
	@GO="$(GO)" LDFLAGS="$(LDFLAGS)" RADIOGW_BIN=$(BIN) .ci/demo

# Everything CI runs. Installs what the tests need first.
test: deps check
	$(GO) test -race -timeout 20m ./...
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory bench-smoke
	@$(MAKE) --no-print-directory ha-smoke

# Static checks: formatting, vet (the benchmark harness's own module too), no
# path outside the repository, and every direction rule of
# docs/ARCHITECTURE.md (.ci/check-imports: no import runs back up, the
# trackers stay pure, codecs and sinks stay out of the runtime, ...), with
# the checker's own test (it fails on planted imports).
check:
	@.ci/check-paths
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./... ./.ci/check-imports
	cd .ci/bench && $(GO) vet ./...
	$(GO) run ./.ci/check-imports
	$(GO) test ./.ci/check-imports
	@echo "check: ok (gofmt, vet, paths, direction rules)"

# Every fuzz target for FUZZTIME each (make fuzz FUZZTIME=10m).
fuzz:
	@.ci/fuzz $(FUZZTIME)

# A short run of every fuzz target, part of make test.
fuzz-smoke:
	@.ci/fuzz 3000x

# Every Go benchmark once, part of make test: they keep working between
# measurement runs (make bench).
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 10m ./...

# The fault suite (needs root: it mounts a tmpfs). The full log goes to
# testdata/out/faults.txt and the rows of docs/RELIABILITY.md's table to
# testdata/out/faults-table.md.
faults: deps build
	@mkdir -p testdata/out
	@{ $(GO) test -race -count=1 -timeout 60m -tags faults -run 'Fault' -v ./cmd/radiogw/; echo $$? > testdata/out/.rc; } \
	  | tee testdata/out/faults.txt | grep -E '^(--- |ok|FAIL)|FAULTROW'
	@grep -h 'FAULTROW' testdata/out/faults.txt | sed 's/.*FAULTROW //' > testdata/out/faults-table.md
	@test "$$(cat testdata/out/.rc)" = 0

# Redundancy, for real in network namespaces on this machine (root, iproute2,
# keepalived, mosquitto, socat): the active/standby pair behind keepalived
# (kill -9, a pulled cable, fail-back) and the bridged region (two sites'
# mosquitto bridged to a central one, a 60 s cable cut). docs/SCALING.md.
ha: deps
	$(GO) test -count=1 -timeout 20m -tags ha -run 'TestHA' -v ./cmd/radiogw/

# The pair's takeover (kill -9, pulled cable, fail-back; about 20 s), part of
# make test.
ha-smoke:
	$(GO) test -count=1 -timeout 5m -tags ha -run 'TestHAPairTakeover' ./cmd/radiogw/

# Micro benchmarks of every package, then the end-to-end harness (real UDP,
# radiogw, mosquitto, influxd): testdata/out/bench.txt, bench-e2e.txt and
# bench.json, then the wall map with 10,000 units in headless Chromium:
# bench-wallmap.txt and the page's main-thread profile wallmap-page.cpuprofile;
# docs/BENCHMARKS.md explains the figures. BENCH_OUTAGE is the
# InfluxDB outage of the catch-up measurement (make bench BENCH_OUTAGE=30s).
BENCH_OUTAGE ?= 5m
# The side-by-side HZ=1 ladder (.ci/bench, every unit reporting once a second):
# radiogw, then the Telegraf and Node-RED peers (installed under /tmp and
# $(go env GOPATH)/bin on first use, up to BENCH_PEER_RATES; BENCH_PEERS= skips
# them). Results:
# testdata/out/ladder/*.jsonl, profiles of radiogw at BENCH_PPROF's rates,
# and the floor at each rate (.ci/bench/floor: what the system calls of
# radiogw's paced cycle cost on this machine without radiogw) in floor.txt.
BENCH_RATES  ?= 1000 3000 10000 20000 50000
BENCH_PEERS  ?= telegraf nodered
BENCH_PPROF  ?= 1000 10000 50000
BENCH_PEER_RATES ?= 1000 3000 10000 20000
bench: deps build
	@$(MAKE) --no-print-directory bench-ladder
	@$(MAKE) --no-print-directory bench-go

bench-ladder: build
	@rm -rf testdata/out/ladder && mkdir -p testdata/out/ladder
	HZ=1 MAX_LOSS=1 RATES="$(BENCH_RATES)" PPROF="$(BENCH_PPROF)" RADIOGW=$(CURDIR)/$(BIN) .ci/bench/run-radiogw.sh
	@for p in $(BENCH_PEERS); do HZ=1 MAX_LOSS=1 RATES="$(BENCH_PEER_RATES)" .ci/bench/run-peer-$$p.sh || exit 1; done
	@cd .ci/bench && $(GO) build -o $(CURDIR)/bin/radiogw-floor ./floor && for r in $(BENCH_RATES); do for m in one handoff; do \
	  $(CURDIR)/bin/radiogw-floor -rate $$r -mode $$m || exit 1; done; done > $(CURDIR)/testdata/out/ladder/floor.txt
	@cat testdata/out/ladder/floor.txt
	@cat testdata/out/ladder/*.jsonl > testdata/out/ladder-all.jsonl
	@cd .ci/bench && $(GO) run ./e2e -table $(CURDIR)/testdata/out/ladder-all.jsonl -max-loss 1

bench-go:
	@mkdir -p testdata/out
	@{ $(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...; echo $$? > testdata/out/.rc; } | tee testdata/out/bench.txt; \
	  test "$$(cat testdata/out/.rc)" = 0
	@{ RADIOGW_BENCH_OUTAGE=$(BENCH_OUTAGE) $(GO) test -tags bench -run '^TestBenchE2E$$' -count=1 -timeout 90m -v ./cmd/radiogw/; \
	  echo $$? > testdata/out/.rc; } | tee testdata/out/bench-e2e.txt; \
	  test "$$(cat testdata/out/.rc)" = 0
	@{ RADIOGW_WALLMAP_LOAD=30s RADIOGW_WALLMAP_MIN_FPS=30 RADIOGW_WALLMAP_PROFILE=$(CURDIR)/testdata/out/wallmap-page.cpuprofile $(GO) test -run '^TestWallMapTenThousandUnits$$' -count=1 -timeout 20m -v ./gateway/wallmap/; \
	  echo $$? > testdata/out/.rc; } | tee testdata/out/bench-wallmap.txt; \
	  test "$$(cat testdata/out/.rc)" = 0

# The wall map's pictures in docs/img (docs/wallmap.md, README) from the
# demo in headless Chromium: city zoom, region zoom, night (about 3 minutes:
# it waits for the demo's first emergency).
screenshots: deps
	RADIOGW_SCREENSHOTS=$(CURDIR)/docs/img $(GO) test -count=1 -timeout 10m -tags screenshots -run '^TestWallMapScreenshots$$' -v ./cmd/radiogw/

# PREFIX and DESTDIR as usual (make install DESTDIR=/tmp/pkg PREFIX=/usr).
# The unit's ExecStart follows PREFIX. An existing radiogw.hcl is never
# overwritten. On a live system (no DESTDIR) the user, directories and modes
# are created right away and systemd is told about the unit.
install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/radiogw
	install -d -m 0755 $(DESTDIR)/etc/systemd/system
	sed 's#/usr/local/bin/radiogw#$(PREFIX)/bin/radiogw#g' systemd/radiogw.service > $(DESTDIR)/etc/systemd/system/radiogw.service
	chmod 0644 $(DESTDIR)/etc/systemd/system/radiogw.service
	install -D -m 0644 systemd/radiogw.sysusers $(DESTDIR)/usr/lib/sysusers.d/radiogw.conf
	install -D -m 0644 systemd/radiogw.tmpfiles $(DESTDIR)/usr/lib/tmpfiles.d/radiogw.conf
	install -D -m 0644 systemd/99-radiogw-serial.rules.example $(DESTDIR)/usr/share/doc/radiogw/99-radiogw-serial.rules.example
	install -D -m 0644 docs/operations.md $(DESTDIR)/usr/share/doc/radiogw/operations.md
	install -d -m 0750 $(DESTDIR)/etc/radiogw
	[ -e $(DESTDIR)/etc/radiogw/radiogw.hcl ] || install -m 0640 hcl/examples/install/radiogw.hcl $(DESTDIR)/etc/radiogw/radiogw.hcl
	@# The secrets the installed config names: random, created once, never overwritten.
	@for f in $(INSTALL_SECRETS); do \
	  p=$(DESTDIR)/etc/radiogw/$$f; \
	  if [ ! -e $$p ]; then \
	    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > $$p) && chmod 0640 $$p && echo "created $$p"; \
	  fi; \
	done
	@if [ -z "$(DESTDIR)" ]; then \
	  systemd-sysusers radiogw.conf && systemd-tmpfiles --create radiogw.conf; \
	  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	  echo "installed; next: edit /etc/radiogw/radiogw.hcl, radiogw check, systemctl enable --now radiogw"; \
	fi

uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl disable --now radiogw.service || true; fi
	rm -f $(DESTDIR)$(PREFIX)/bin/radiogw $(DESTDIR)/etc/systemd/system/radiogw.service \
	  $(DESTDIR)/usr/lib/sysusers.d/radiogw.conf $(DESTDIR)/usr/lib/tmpfiles.d/radiogw.conf
	rm -rf $(DESTDIR)/usr/share/doc/radiogw
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "left /etc/radiogw and /var/lib/radiogw in place (configuration and data)"

clean:
	rm -rf bin testdata/out
