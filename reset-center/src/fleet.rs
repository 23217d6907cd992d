//! The fleet as the centre hears it: each registered kiosk with its last heartbeat, and which
//! kiosks need someone to visit the store (`reset-center kiosks`, the metrics, the alerts in
//! `deploy/prometheus/`, all with the same thresholds).

use serde::Serialize;

use reset_protocol::heartbeat::{Heartbeat, OutOfService, ReaderState};

/// Silent: no heartbeat for more than this many of the kiosk's own intervals.
pub const SILENT_AFTER_HEARTBEATS: i64 = 3;

/// The outbox is not draining when its oldest entry is older than this: a kiosk offers a
/// completion again every few seconds, so an entry this old means the centre keeps refusing or
/// never hears it.
pub const OUTBOX_STUCK_SECONDS: u64 = 30 * 60;

/// A registered kiosk and the last heartbeat heard from it (when, and what it said).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskStatus {
    pub id: String,
    pub added_at: i64,
    pub last: Option<(i64, Heartbeat)>,
}

/// Why a kiosk needs a visit (or a look).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visit {
    /// Registered, never heard: not installed yet, or it cannot reach the centre.
    NeverHeard,
    /// No heartbeat for more than [`SILENT_AFTER_HEARTBEATS`] intervals.
    Silent,
    ReaderLost,
    OutboxNotDraining,
    OutOfService,
}

impl Visit {
    pub fn as_str(self) -> &'static str {
        match self {
            Visit::NeverHeard => "never_heard",
            Visit::Silent => "silent",
            Visit::ReaderLost => "reader_lost",
            Visit::OutboxNotDraining => "outbox_not_draining",
            Visit::OutOfService => "out_of_service",
        }
    }
}

impl KioskStatus {
    /// Whether the kiosk was heard within its last [`SILENT_AFTER_HEARTBEATS`] intervals.
    pub fn silent(&self, now: i64) -> bool {
        match &self.last {
            None => true,
            Some((heard_at, report)) => {
                now - heard_at > SILENT_AFTER_HEARTBEATS * i64::from(report.interval_seconds)
            }
        }
    }

    /// Why the kiosk needs a visit at `now` (empty: it is fine). A silent kiosk's last report
    /// is not repeated as if current: it is only silent.
    pub fn needs_visit(&self, now: i64) -> Vec<Visit> {
        let Some((_, report)) = &self.last else {
            return vec![Visit::NeverHeard];
        };
        if self.silent(now) {
            return vec![Visit::Silent];
        }
        let mut visits = Vec::new();
        if report.reader == ReaderState::Lost {
            visits.push(Visit::ReaderLost);
        }
        if report
            .outbox_oldest_seconds
            .is_some_and(|age| age > OUTBOX_STUCK_SECONDS)
        {
            visits.push(Visit::OutboxNotDraining);
        }
        // Out of service for staff or for the centre's maintenance is someone's decision; for
        // anything else the kiosk cannot serve by itself.
        if report.out_of_service.is_some_and(|why| {
            !matches!(
                why,
                OutOfService::StaffSet | OutOfService::CentreMaintenance
            )
        }) {
            visits.push(Visit::OutOfService);
        }
        visits
    }

    /// The kiosk's state in one word, for the listing.
    pub fn state(&self, now: i64) -> &'static str {
        match &self.last {
            None => "never_heard",
            Some(_) if self.silent(now) => "silent",
            Some((_, report)) => match report.out_of_service {
                Some(why) => why.as_str(),
                None => "serving",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Heartbeat {
        Heartbeat {
            version: "0.1.0".to_string(),
            commit: "abc".to_string(),
            config_sha256: "00".to_string(),
            interval_seconds: 30,
            reader: ReaderState::Ready,
            card_present: false,
            out_of_service: None,
            outbox_depth: 0,
            outbox_oldest_seconds: None,
            last_error: None,
        }
    }

    fn heard(at: i64, report: Heartbeat) -> KioskStatus {
        KioskStatus {
            id: "STORE-A".to_string(),
            added_at: 0,
            last: Some((at, report)),
        }
    }

    #[test]
    fn silent_after_three_missed_heartbeats() {
        let kiosk = heard(1000, report());
        assert!(kiosk.needs_visit(1090).is_empty());
        assert_eq!(kiosk.state(1090), "serving");
        assert_eq!(kiosk.needs_visit(1091), [Visit::Silent]);
        assert_eq!(kiosk.state(1091), "silent");
        let never = KioskStatus {
            id: "STORE-B".to_string(),
            added_at: 0,
            last: None,
        };
        assert_eq!(never.needs_visit(0), [Visit::NeverHeard]);
    }

    #[test]
    fn what_a_visit_is_for() {
        let mut lost = report();
        lost.reader = ReaderState::Lost;
        lost.out_of_service = Some(OutOfService::ReaderLost);
        lost.outbox_depth = 2;
        lost.outbox_oldest_seconds = Some(OUTBOX_STUCK_SECONDS + 1);
        assert_eq!(
            heard(1000, lost).needs_visit(1000),
            [
                Visit::ReaderLost,
                Visit::OutboxNotDraining,
                Visit::OutOfService
            ]
        );
        // Staff took it out of service: their decision, not a fault.
        let mut staff = report();
        staff.out_of_service = Some(OutOfService::StaffSet);
        let kiosk = heard(1000, staff);
        assert!(kiosk.needs_visit(1000).is_empty());
        assert_eq!(kiosk.state(1000), "staff_set");
        let mut draining = report();
        draining.outbox_depth = 1;
        draining.outbox_oldest_seconds = Some(60);
        assert!(heard(1000, draining).needs_visit(1000).is_empty());
    }
}
