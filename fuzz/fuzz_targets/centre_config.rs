//! The centre's configuration: `reset_center::config::CentreConfig::load` on a file whose text
//! is the input (it only takes a path, and opens nothing but that file), and
//! `ServiceHours::parse_range` (the command line's `HH:MM-HH:MM`) on the input as text.
//!
//! A configuration that loads has positive time limits, and its service hours answer
//! `contains` for any instant without panicking.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{FixedOffset, TimeZone, Utc};
use kiosk_fuzz::scratch_dir;
use libfuzzer_sys::fuzz_target;
use reset_center::config::{CentreConfig, ServiceHours};

struct Scratch {
    _dir: tempfile::TempDir,
    file: PathBuf,
}

static SCRATCH: OnceLock<Scratch> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let scratch = SCRATCH.get_or_init(|| {
        let dir = scratch_dir("centre-config-fuzz");
        Scratch {
            file: dir.path().join("reset-center.json"),
            _dir: dir,
        }
    });
    if SKIP_KNOWN_BUGS && hits_known_bug(data) {
        return;
    }
    std::fs::write(&scratch.file, data).expect("writes the configuration");
    let instants = [
        Utc.timestamp_opt(0, 0).single(),
        Utc.timestamp_opt(1_795_000_000, 0).single(),
        Utc.timestamp_opt(4_102_444_799, 0).single(),
    ];
    if let Ok(config) = CentreConfig::load(&scratch.file) {
        assert!(config.reservation_validity > chrono::Duration::zero());
        assert!(config.session_lifetime > chrono::Duration::zero());
        assert!(config.claim_lease > chrono::Duration::zero());
        for now in instants.iter().flatten() {
            let _ = config.service_hours.contains(*now);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let offset = FixedOffset::east_opt(9 * 3600).expect("+09:00");
        if let Ok(hours) = ServiceHours::parse_range(text, offset) {
            for now in instants.iter().flatten() {
                let _ = hours.contains(*now);
            }
        }
    }
});

/// The bug of `reset-center/tests/fuzz_regressions.rs`, fixed: `parse_offset` overflowed `i32` on
/// `hours * 3600 + minutes * 60` for a `utc_offset` like `+999999:00`. Set to `true` only while
/// such a bug is open, to skip those inputs.
const SKIP_KNOWN_BUGS: bool = false;

/// Whether the input's `service_hours.utc_offset` is `±H:M` whose seconds overflow `i32`.
fn hits_known_bug(data: &[u8]) -> bool {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return false;
    };
    let Some(offset) = value
        .pointer("/service_hours/utc_offset")
        .and_then(serde_json::Value::as_str)
    else {
        return false;
    };
    let (sign, rest) = match offset.as_bytes().first() {
        Some(b'+') => (1, &offset[1..]),
        Some(b'-') => (-1, &offset[1..]),
        _ => return false,
    };
    let Some((hours, minutes)) = rest.split_once(':') else {
        return false;
    };
    let (Ok(hours), Ok(minutes)) = (hours.parse::<i32>(), minutes.parse::<i32>()) else {
        return false;
    };
    hours
        .checked_mul(3600)
        .zip(minutes.checked_mul(60))
        .and_then(|(h, m)| h.checked_add(m))
        .and_then(|total: i32| total.checked_mul(sign))
        .is_none()
}
