//! Regression tests for crashes found by the fuzz targets under `fuzz/` (see `fuzz/README.md`).
//! Each names the target that found it.

use std::path::Path;

use reset_center::CentreConfig;

const SHIPPED: &str = include_str!("../../config/reset-center.json");

/// Loads the shipped configuration with `from` replaced by `to`, from a scratch file.
fn load_edited(from: &str, to: &str) -> std::thread::Result<Result<CentreConfig, String>> {
    assert!(
        SHIPPED.contains(from),
        "{from} is not in config/reset-center.json"
    );
    let dir = tempfile::tempdir().expect("a scratch directory");
    let path = dir.path().join("reset-center.json");
    std::fs::write(&path, SHIPPED.replace(from, to)).expect("writes");
    std::panic::catch_unwind(|| load(&path))
}

fn load(path: &Path) -> Result<CentreConfig, String> {
    CentreConfig::load(path).map_err(|e| e.field)
}

/// Found writing `centre_config` (reproduced with it): `parse_offset` computes `hours * 3600 +
/// minutes * 60` in `i32` before checking the range, which overflows for an offset like
/// `+999999:00`.
#[test]
fn a_huge_utc_offset_is_refused() {
    for offset in ["+999999:00", "-999999:00", "+00:99999999", "+596524:00"] {
        let loaded = load_edited("\"+09:00\"", &format!("\"{offset}\""))
            .unwrap_or_else(|_| panic!("{offset}: CentreConfig::load panicked"));
        assert_eq!(
            loaded.map(|_| ()),
            Err("service_hours.utc_offset".to_string()),
            "{offset}"
        );
    }
}

/// The offsets a centre may really use still load.
#[test]
fn real_offsets_load() {
    for offset in ["+09:00", "-05:30", "+00:00", "+14:00"] {
        let loaded = load_edited("\"+09:00\"", &format!("\"{offset}\""))
            .unwrap_or_else(|_| panic!("{offset}: panicked"));
        assert!(loaded.is_ok(), "{offset}: {loaded:?}");
    }
}
