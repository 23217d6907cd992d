# The two commands a newcomer needs: `make run` and `make test`. Both install the Debian
# packages they need first (scripts/install-deps).
#
# `make run` opens the kiosk full screen on the X display in DISPLAY: the demo (config/kiosk.json), with
# virtual cards and the centre in-process. `make run CONFIG=config/kiosk.production.json` runs
# it on a PC/SC reader and the centre over HTTPS (mutual TLS).

CONFIG ?= config/kiosk.json

.PHONY: run test deps bench deb

deps:
	./scripts/install-deps

run: deps
	cargo run --release -p kiosk-app -- --config $(CONFIG)

# The whole suite: formatting, lints (of the demo build and of the production build), the
# dependency policy (cargo deny, installed by `install-deps --test`), the production build's
# check (no stand-ins linked, a demo configuration refused), unit tests, the end-to-end
# tests, and the packages' install test. The end-to-end tests run through a private
# pcscd + vpcd + the virtual card (started and stopped by the tests themselves; needs root for
# /run/pcscd and no other pcscd running).
test:
	./scripts/install-deps --test
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p kiosk-app --no-default-features --all-targets -- -D warnings
	# Licences, banned crates (OpenSSL among them) and sources: deny.toml says why.
	cargo deny --log-level error check bans licenses sources
	./scripts/check-production-build
	# The Debian packages, around the test build's binaries (the production kiosk was just built
	# above), for the install test at the end.
	./scripts/build-debs --profile dev --out target/debian-test
	# The alert rules' promtool unit tests, the dashboard's queries (docs/alerts.md).
	./scripts/check-alerts
	ICED_TEST_BACKEND=tiny-skia cargo test --workspace
	ICED_TEST_BACKEND=tiny-skia cargo test -p kiosk-app --no-default-features
	# The packages installed with dpkg, checked (files, owners, modes, units, lintian), the kiosk
	# run from them under cage, then purged (root; tests/tests/install.rs, docs/deploy.md). Not
	# part of `cargo test --workspace`: it needs the packages built above, and installs them.
	cargo clippy -p system-tests --test install -- -D warnings
	cargo test -p system-tests --test install -- --nocapture

# The Debian packages of the kiosk and the centre, built in release into target/debian/
# (docs/deploy.md).
deb:
	./scripts/install-deps --deb
	./scripts/build-debs

# Benchmarks print figures; they are not tests.
bench: deps
	cargo bench -p system-tests --bench card_driver
	cargo bench -p reset-center --bench sessions
	./scripts/bench-kiosk
	cargo bench -p system-tests --bench tap_to_pixels
	cargo bench -p system-tests --bench card_wait
	cargo bench -p system-tests --bench window_languages
