//! Regression tests for crashes found by the fuzz targets under `fuzz/` (see `fuzz/README.md`).
//! Each is the shipped `config/kiosk.json` with one field changed, and names the target that
//! found it: a configuration with an absurd number must be refused with its field, never panic.

use std::path::Path;

use kiosk_core::config::Config;

const SHIPPED: &str = include_str!("../../config/kiosk.json");

/// The shipped configuration with `from` replaced by `to` (which must be in it).
fn edited(from: &str, to: &str) -> String {
    assert!(SHIPPED.contains(from), "{from} is not in config/kiosk.json");
    SHIPPED.replace(from, to)
}

fn refused_field(text: &str) -> String {
    match std::panic::catch_unwind(|| Config::parse(text, Path::new("config/kiosk.json"))) {
        Ok(Ok(_)) => panic!("accepted"),
        Ok(Err(error)) => error.field,
        Err(_) => panic!("Config::parse panicked"),
    }
}

/// Found writing `kiosk_config` (reproduced with it): `t.warning_seconds + 10` (the minimum of the
/// screen and PIN timeouts) overflows for a warning near `u64::MAX`.
#[test]
fn a_huge_warning_is_refused() {
    let text = edited(
        "\"warning_seconds\": 20",
        "\"warning_seconds\": 18446744073709551615",
    );
    let field = refused_field(&text);
    assert!(field.starts_with("timeouts."), "refused for {field}");
}

/// Found writing `kiosk_config` (reproduced with it): with `slow_mode`, a screen timeout near
/// `u64::MAX` seconds is doubled with `Duration * 2`, which panics on overflow.
#[test]
fn a_huge_timeout_in_slow_mode_is_refused() {
    let text = edited(
        "\"screen_seconds\": 90",
        "\"screen_seconds\": 18446744073709551615",
    );
    let text = text.replace("\"slow_mode\": false", "\"slow_mode\": true");
    assert_eq!(refused_field(&text), "timeouts.screen_seconds");
}

/// Found writing `kiosk_config` (reproduced with it): `max_file_kib * 1024` overflows for more than
/// `u64::MAX / 1024` KiB.
#[test]
fn a_huge_audit_file_size_is_refused() {
    let text = edited(
        "\"max_file_kib\": 1024",
        "\"max_file_kib\": 18014398509481985",
    );
    assert_eq!(refused_field(&text), "audit_log.max_file_kib");
}

/// The limits themselves still load (the fix must not refuse the largest sane values).
#[test]
fn large_but_representable_values_load() {
    let text = edited("\"max_file_kib\": 1024", "\"max_file_kib\": 1048576");
    let text = text.replace("\"screen_seconds\": 90", "\"screen_seconds\": 86400");
    assert!(Config::parse(&text, Path::new("config/kiosk.json")).is_ok());
}
