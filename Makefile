# Continuo. `make demo` runs the Swan Lake drive on a private bus; `make test`
# runs every test (needs the Debian packages listed in README.md).

GO       ?= go
BIN      := bin
# The version is internal/version.Version; the build adds the commit.
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
LDFLAGS  := -X github.com/continuo/continuo/internal/version.Commit=$(COMMIT)
# Install locations (make install DESTDIR=/tmp/root PREFIX=/usr).
PREFIX   ?= /usr
DESTDIR  ?=
SHARED   ?= ../shared/data
OUT      ?= out

.PHONY: all build api-doc tagger names artist-tags test bench demo demo-web demo-commute lint fuzz catalog full-catalog eval eval-drives compare-sima footprint clean install cross test-arm64

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/continuod ./cmd/continuoctl ./cmd/continuo-emu

# docs/api.md from the contract XML (a test fails when it is stale).
api-doc:
	$(GO) generate ./internal/busapi

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 25m ./...

# Benchmarks: engine, catalog load, history, search, D-Bus round trip, queue latency.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

# The main job: a private bus, continuod with its embedded catalog and a
# temporary database, the emulator, and the Swan Lake drive.
demo: build
	@mkdir -p $(OUT)
	@tmp=$$(mktemp -d); \
	dbus-run-session -- sh -c '\
	  $(BIN)/continuod --config configs/demo.toml --db "$$0/history.db" 2>"$$0/continuod.log" & dpid=$$!; \
	  $(BIN)/continuo-emu --speed 240 --wait-daemon 20s --script testdata/drives/swan-lake.drive --plot $(OUT)/swan-lake.svg; rc=$$?; \
	  kill -TERM $$dpid; wait $$dpid; exit $$rc' "$$tmp"; rc=$$?; \
	echo "plot: $(OUT)/swan-lake.svg   daemon log: $$tmp/continuod.log"; exit $$rc

# The commute drive of issue 14 (testdata/drives/commute.drive) against the
# real daemon parts sharing the emulator's virtual clock (a separate
# continuod runs on the wall clock, which a drive at --speed 240 outruns):
# its plot, with the context bands, and the cut-off measure over 12 trips.
demo-commute:
	@mkdir -p $(OUT)
	COMMUTE_PLOT=$(abspath $(OUT))/commute.svg $(GO) test -count=1 -v -run 'TestCommuteDrive|TestTripCutOffs' ./internal/emulator/
	@echo "plot: $(OUT)/commute.svg"

# The live view (issue 15): `make demo`'s Swan Lake drive with `continuoctl
# web` on a free loopback port, and a 1280x720 screenshot of the page
# mid-drive (WEB_TRACKS tracks in) in $(OUT)/web.png, taken by headless
# Chromium (apt-get install chromium). The page's address is read from
# continuoctl's first line through a FIFO: that is the readiness wait.
WEB_SPEED  ?= 60
WEB_TRACKS ?= 8
demo-web: build
	@mkdir -p $(OUT)
	$(GO) build -o $(BIN)/webshot ./internal/web/cmd/webshot
	@tmp=$$(mktemp -d); mkfifo "$$tmp/web.addr"; \
	dbus-run-session -- sh -c '\
	  $(BIN)/continuod --config configs/demo.toml --db "$$0/history.db" 2>"$$0/continuod.log" & dpid=$$!; \
	  $(BIN)/continuoctl web --listen 127.0.0.1:0 >"$$0/web.addr" 2>"$$0/web.log" & wpid=$$!; \
	  read -r _ _ url <"$$0/web.addr"; echo "live view: $$url"; \
	  $(BIN)/continuo-emu --speed $(WEB_SPEED) --wait-daemon 20s --script testdata/drives/swan-lake.drive >"$$0/transcript.txt" & epid=$$!; \
	  $(BIN)/webshot --url "$$url" --tracks $(WEB_TRACKS) --out $(OUT)/web.png; rc=$$?; \
	  wait $$epid || rc=1; \
	  kill -TERM $$wpid $$dpid; wait $$wpid $$dpid; exit $$rc' "$$tmp"; rc=$$?; \
	echo "screenshot: $(OUT)/web.png   transcript and logs: $$tmp"; exit $$rc

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	$(GO) vet ./...
	gofmt -l cmd internal | (! grep .)
	$(GO) run $(STATICCHECK) ./...
	sh systemd/verify.sh

# Fuzz every target for FUZZTIME (go test fuzzes one target per run) and
# report all failures at the end, so one failing target does not hide the
# others. The Go fuzzing coordinator sometimes gives up on a loaded machine
# with "context deadline exceeded" and no failing input: such a run is
# retried once. Each new input the fuzzer finds is minimised first, for up
# to FUZZMINTIME (Go's default is 60 s, which took whole 10 s runs of the
# CSV parsers: 16-69 inputs run). Nightly-style run:
#   make fuzz FUZZTIME=5m FUZZMINTIME=60s   (about 2 h)
# One package: make fuzz FUZZPKGS=./internal/history.
FUZZTIME    ?= 10s
FUZZMINTIME ?= 1s
FUZZPKGS    ?= ./internal/...
fuzz:
	@failed=""; log=$$(mktemp); \
	for pkg in $$($(GO) list $(FUZZPKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    for try in 1 2; do \
	      echo "== $$pkg $$f (try $$try)"; \
	      { $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME) $$pkg 2>&1; echo "rc=$$?"; } | tee $$log; \
	      grep -q '^rc=0$$' $$log && break; \
	      if [ $$try = 1 ] && grep -q 'context deadline exceeded' $$log && ! grep -q 'Failing input written' $$log; then \
	        echo "== $$f: fuzzing coordinator timed out without a finding; retrying once"; continue; \
	      fi; \
	      failed="$$failed $$pkg.$$f"; break; \
	    done; \
	  done; \
	done; rm -f $$log; \
	if [ -n "$$failed" ]; then echo "FUZZ FAILURES:"; for f in $$failed; do echo "  $$f"; done; exit 1; fi; \
	echo "fuzz: every target passed ($(FUZZTIME) each)"

# Retrain the request tagger and rewrite its embedded weights
# (internal/request/tagger.bin.gz; a test fails when they are stale).
tagger:
	$(GO) generate ./internal/request

# Relearn the album-or-title name shape table from the shared catalogs'
# album names and titles (internal/request/names.txt.gz; a test fails when
# stale). Run make tagger after it: the tagger's album threshold reads it.
names:
	$(GO) run ./internal/request/cmd/mknames -data $(SHARED) -o internal/request/names.txt.gz

# Rewrite the embedded table of artists known beyond the catalog, with their
# genre tags (internal/resolve/artist_tags.txt.gz; a test fails when stale).
artist-tags:
	$(GO) run ./internal/resolve/cmd/mkartisttags -in $(SHARED)/spotify_artist_genres_w_features.csv -o internal/resolve/artist_tags.txt.gz

# Regenerate the embedded default catalog from the shared datasets.
catalog:
	$(GO) run ./internal/catalog/cmd/mkdefault -data $(SHARED) -out internal/catalog/default.snap -playlists testdata/catalog/playlists.csv

# Relearn the in-car steering table from InCarMusic and rewrite its embedded
# copy (internal/incar/model.json; a test fails when it is stale).
.PHONY: incar
incar:
	$(GO) run ./internal/incar/cmd/mkincar -data $(SHARED) -out internal/incar/model.json

# The full catalog snapshot (~151k tracks) from every shared dataset.
full-catalog: build
	@mkdir -p $(OUT)
	$(BIN)/continuoctl catalog build --out $(OUT)/full.catalog \
	  $(SHARED)/tracks_multigenre.csv $(SHARED)/spotify_songs_playlists.csv \
	  $(SHARED)/spotify_artist_genres_w_features.csv $(SHARED)/spotify_genre_audio_features.csv \
	  $(SHARED)/raw/richard-ch__Spotify-Popularity-Predictor \
	  $(SHARED)/raw/Cristhianrg1__spotify_song_popularity_prediction
	$(BIN)/continuoctl catalog inspect $(OUT)/full.catalog | head -20

eval: build
	$(BIN)/continuoctl eval

# Long-drive evaluation (issue 10, docs/eval-drives.md): the test half of the
# requests on the embedded catalog, and on $(OUT)/full.catalog when it exists.
eval-drives: build
	$(BIN)/continuoctl eval --drives
	@if [ -f $(OUT)/full.catalog ]; then $(BIN)/continuoctl eval --drives --catalog $(OUT)/full.catalog; fi

# mpd-sima 0.18.2's offline Genre plugin and continuod side by side on one
# generated, tagged MPD library and the same seeds: both queues and their
# genre coherence. Not in CI; installs mpd-sima from Debian when missing.
compare-sima:
	@command -v mpd-sima >/dev/null 2>&1 || $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y mpd-sima
	CONTINUO_COMPARE_SIMA=1 $(GO) test -count=1 -timeout 10m -run '^TestCompareSima$$' -v ./internal/daemon/

# What continuod costs a head unit (docs/footprint.md): start → bus name, RSS at
# name, after 1,000 Recommend and under a 50-client load, Recommend p50/p99,
# written bytes per track played, beside a floor process, on a private bus.
# Settings: FOOTPRINT_CATALOG (the full snapshot), FOOTPRINT_STARTS (10),
# FOOTPRINT_CALLS (1000), FOOTPRINT_CLIENTS (50), FOOTPRINT_LOAD (60s),
# FOOTPRINT_TRACKS (100), FOOTPRINT_SPEED (600), e.g. make footprint FOOTPRINT_LOAD=10s
FOOTPRINT_CATALOG ?= $(OUT)/full.catalog
export FOOTPRINT_STARTS FOOTPRINT_CALLS FOOTPRINT_CLIENTS FOOTPRINT_LOAD FOOTPRINT_TRACKS FOOTPRINT_SPEED
footprint: build
	CONTINUO_FOOTPRINT=1 FOOTPRINT_BIN=$(abspath $(BIN)) FOOTPRINT_CATALOG=$(abspath $(FOOTPRINT_CATALOG)) \
	  $(GO) test -count=1 -timeout 60m -run '^TestFootprint$$' -v ./internal/footprint/

clean:
	rm -rf $(BIN) $(OUT)

# arm64 head units: the three binaries with Debian's cross toolchain (cgo,
# for SQLite): apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross
# qemu-user-static. The smoke test runs continuod under qemu-user.
CROSS_CC ?= aarch64-linux-gnu-gcc
QEMU     ?= qemu-aarch64-static
cross:
	CGO_ENABLED=1 CC=$(CROSS_CC) GOOS=linux GOARCH=arm64 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/linux-arm64/ ./cmd/continuod ./cmd/continuoctl ./cmd/continuo-emu
	$(QEMU) -L /usr/aarch64-linux-gnu $(BIN)/linux-arm64/continuod --version
	$(QEMU) -L /usr/aarch64-linux-gnu $(BIN)/linux-arm64/continuoctl --version

# The pure-Go packages' tests built for arm64 and run under qemu-user (no
# cgo, so no cross compiler needed; .ci/run runs this). A short list keeps
# it fast: the numeric core, the parsers, config, logging and the CLI table.
ARM64_TEST_PKGS ?= ./internal/embed ./internal/resolve ./internal/config ./internal/logging ./internal/cli/command ./internal/cli/output ./internal/version ./internal/mpd
test-arm64:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) test -count=1 -exec $(QEMU) $(ARM64_TEST_PKGS)

# Binaries, systemd units (system and user, both continuod.service), D-Bus
# activation files, the D-Bus policy, sysusers entry and the documented
# config (as /etc/continuo/continuo.toml, kept if it exists); continuoctl's
# bash and zsh completion and man page, generated from its command table.
install: build
	install -Dm755 -t $(DESTDIR)$(PREFIX)/bin $(BIN)/continuod $(BIN)/continuoctl $(BIN)/continuo-emu
	install -Dm644 systemd/continuod.service $(DESTDIR)$(PREFIX)/lib/systemd/system/continuod.service
	install -Dm644 systemd/user/continuod.service $(DESTDIR)$(PREFIX)/lib/systemd/user/continuod.service
	install -Dm644 systemd/continuo.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/continuo.conf
	install -Dm644 configs/dbus-1/services/org.continuo.Recommender1.service $(DESTDIR)$(PREFIX)/share/dbus-1/services/org.continuo.Recommender1.service
	install -Dm644 configs/dbus-1/system-services/org.continuo.Recommender1.service $(DESTDIR)$(PREFIX)/share/dbus-1/system-services/org.continuo.Recommender1.service
	install -Dm644 configs/org.continuo.Recommender1.conf $(DESTDIR)$(PREFIX)/share/dbus-1/system.d/org.continuo.Recommender1.conf
	install -Dm644 configs/org.continuo.Recommender1.xml $(DESTDIR)$(PREFIX)/share/dbus-1/interfaces/org.continuo.Recommender1.xml
	[ -e $(DESTDIR)/etc/continuo/continuo.toml ] || install -Dm644 configs/continuo.toml $(DESTDIR)/etc/continuo/continuo.toml
	# The full catalog when make full-catalog built it; continuod reads it
	# from /usr/share/continuo/catalog.snap (PREFIX=/usr), else the embedded one.
	[ ! -e $(OUT)/full.catalog ] || install -Dm644 $(OUT)/full.catalog $(DESTDIR)$(PREFIX)/share/continuo/catalog.snap
	@mkdir -p $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions $(DESTDIR)$(PREFIX)/share/man/man1
	$(BIN)/continuoctl completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/continuoctl
	$(BIN)/continuoctl completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_continuoctl
	$(BIN)/continuoctl man | gzip -9n > $(DESTDIR)$(PREFIX)/share/man/man1/continuoctl.1.gz
	$(BIN)/continuo-emu --man | gzip -9n > $(DESTDIR)$(PREFIX)/share/man/man1/continuo-emu.1.gz
	@mkdir -p $(DESTDIR)$(PREFIX)/share/man/man8
	$(BIN)/continuod --man | gzip -9n > $(DESTDIR)$(PREFIX)/share/man/man8/continuod.8.gz
