//! Back-off for a kiosk that keeps restarting: systemd restarts it whatever happens
//! (`Restart=always`), but only systemd ≥ 254 can space the restarts out by itself. The kiosk
//! remembers its recent starts (`state_dir/starts.json`) and, from the fourth start within ten
//! minutes, waits before opening its window: 2 s, 4 s, 8 s … up to a minute. A daily restart or
//! a single crash costs nothing.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Starts older than this are forgotten.
const WINDOW: Duration = Duration::from_secs(10 * 60);
/// Starts within the window that cost nothing.
const FREE_STARTS: usize = 3;
const FIRST_DELAY: Duration = Duration::from_secs(2);
const MAX_DELAY: Duration = Duration::from_secs(60);

#[derive(Debug, Default, Serialize, Deserialize)]
struct Starts {
    /// Unix seconds of the recent starts.
    at: Vec<u64>,
}

/// Records this start and returns how long to wait before going on.
pub fn record_start(state_dir: &Path, now: SystemTime) -> Duration {
    let path = state_dir.join("starts.json");
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    // A missing or damaged file only means no history: the back-off is a courtesy, not a guard.
    let mut starts: Starts = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    starts
        .at
        .retain(|&at| at <= now && now - at < WINDOW.as_secs());
    starts.at.push(now);
    if let Ok(text) = serde_json::to_vec(&starts) {
        let _ = std::fs::write(&path, text);
    }
    delay_for(starts.at.len())
}

/// The wait before the `starts`-th start within the window.
fn delay_for(starts: usize) -> Duration {
    if starts <= FREE_STARTS {
        return Duration::ZERO;
    }
    let doublings = (starts - FREE_STARTS - 1).min(16) as u32;
    (FIRST_DELAY * 2u32.pow(doublings)).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_grows_from_the_fourth_start_and_is_capped() {
        let waits: Vec<u64> = (1..=10).map(|n| delay_for(n).as_secs()).collect();
        assert_eq!(waits, vec![0, 0, 0, 2, 4, 8, 16, 32, 60, 60]);
    }

    #[test]
    fn only_starts_within_ten_minutes_count() {
        let dir = tempfile::tempdir().expect("dir");
        let start = UNIX_EPOCH + Duration::from_secs(1_000_000);
        for i in 0..3 {
            assert_eq!(
                record_start(dir.path(), start + Duration::from_secs(i)),
                Duration::ZERO
            );
        }
        assert_eq!(
            record_start(dir.path(), start + Duration::from_secs(5)),
            Duration::from_secs(2),
            "a fourth start in a row waits"
        );
        // Eleven minutes of quiet: the history has gone.
        assert_eq!(
            record_start(dir.path(), start + Duration::from_secs(11 * 60 + 6)),
            Duration::ZERO
        );
    }

    #[test]
    fn a_damaged_history_is_no_history() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("starts.json"), "{\"at\": [1,").expect("write");
        assert_eq!(record_start(dir.path(), SystemTime::now()), Duration::ZERO);
    }
}
