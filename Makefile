# The two commands a newcomer needs: `make run` and `make test`. Both install the Debian
# packages they need first (scripts/install-deps).

.PHONY: run test deps bench

deps:
	./scripts/install-deps

run: deps
	cargo run --release -p kiosk-app

# The whole suite: formatting, lints, unit tests, and the end-to-end tests through a private
# pcscd + vpcd + the virtual card (started and stopped by the tests themselves; needs root for
# /run/pcscd and no other pcscd running).
test: deps
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo test --workspace

# Benchmarks print figures; they are not tests.
bench: deps
	cargo bench -p system-tests --bench card_driver
	cargo bench -p reset-center --bench sessions
