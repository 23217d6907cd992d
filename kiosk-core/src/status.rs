//! How the kiosk is, as one snapshot that the worker (reader, card, the errors sessions meet),
//! the app (the staff's out-of-service switch, the records) and the heartbeat
//! (whether the centre hears the kiosk, its maintenance flag) keep up to date, and that the
//! heartbeat reports, the staff screen shows and systemd's `STATUS=` line follows.
//!
//! The snapshot holds nothing of a customer: the kind of the last error, never its detail; no
//! card, no certificate, no PIN.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use reset_protocol::{CentreError, ErrorClass, OutOfService, ReaderState};

/// The kiosk as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub reader: ReaderState,
    pub card_present: bool,
    /// Staff took the kiosk out of service (maintenance mode; survives restarts).
    pub staff_out_of_service: bool,
    /// The kiosk's records (audit log) cannot be written: it serves no one.
    pub records_broken: bool,
    /// The centre said, in its last heartbeat answer, that it is in maintenance.
    pub centre_maintenance: bool,
    /// The class of the last error a session met since the kiosk started.
    pub last_error: Option<ErrorClass>,
    /// Whether the centre hears this kiosk's heartbeat.
    pub hearing: Hearing,
}

impl Default for Snapshot {
    fn default() -> Snapshot {
        Snapshot {
            reader: ReaderState::Unknown,
            card_present: false,
            staff_out_of_service: false,
            records_broken: false,
            centre_maintenance: false,
            last_error: None,
            hearing: Hearing::NotYet,
        }
    }
}

impl Snapshot {
    /// Why the kiosk does not serve customers, if it does not. Faults come before the staff's
    /// switch (a broken kiosk needs a visit even when staff also took it out of service), and
    /// the centre's maintenance last (it ends by itself).
    pub fn out_of_service(&self) -> Option<OutOfService> {
        if self.records_broken {
            Some(OutOfService::RecordsBroken)
        } else if self.reader == ReaderState::Lost {
            Some(OutOfService::ReaderLost)
        } else if self.staff_out_of_service {
            Some(OutOfService::StaffSet)
        } else if self.centre_maintenance {
            Some(OutOfService::CentreMaintenance)
        } else {
            None
        }
    }

    /// The state the service manager is told (`STATUS=`).
    pub fn service_state(&self) -> ServiceState {
        match self.out_of_service() {
            Some(OutOfService::ReaderLost) => ServiceState::ReaderLost,
            Some(reason) => ServiceState::OutOfService(reason),
            None if self.reader == ReaderState::Unknown => ServiceState::Starting,
            None => ServiceState::Serving,
        }
    }
}

/// What `systemctl status` shows of the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceState {
    /// The reader has not reported yet.
    Starting,
    Serving,
    ReaderLost,
    OutOfService(OutOfService),
}

impl std::fmt::Display for ServiceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceState::Starting => f.write_str("starting"),
            ServiceState::Serving => f.write_str("serving"),
            ServiceState::ReaderLost => f.write_str("reader lost"),
            ServiceState::OutOfService(reason) => {
                f.write_str("out of service: ")?;
                f.write_str(match reason {
                    OutOfService::StaffSet => "set by staff in maintenance mode",
                    OutOfService::ReaderLost => "reader lost",
                    OutOfService::RecordsBroken => "the audit log cannot be written",
                    OutOfService::CentreMaintenance => "the centre is in maintenance",
                    OutOfService::Other => "other",
                })
            }
        }
    }
}

/// Whether the centre hears this kiosk (its heartbeats are answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hearing {
    /// No heartbeat has been answered or has failed yet (just started, or none is sent).
    NotYet,
    /// The last heartbeat was answered, at `at` (this kiosk's clock).
    Heard { at: DateTime<Utc> },
    /// The last heartbeat failed: the centre has not heard the kiosk since `since` (the last
    /// answer, or the first failure when it never answered), for the reason `problem`.
    NotHeard {
        since: DateTime<Utc>,
        problem: CentreProblem,
    },
}

/// Why a heartbeat was not answered, as a class (an error's text is for the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CentreProblem {
    /// No connection (the centre or the network is down).
    Unreachable,
    /// No answer in time.
    Timeout,
    /// The centre does not know this kiosk (its id, credential or certificate).
    UnknownKiosk,
    /// The centre refused the heartbeat.
    Refused,
    /// An answer that is not the protocol.
    Protocol,
}

impl CentreProblem {
    pub fn of(error: &CentreError) -> CentreProblem {
        match error {
            CentreError::Unreachable(_) => CentreProblem::Unreachable,
            CentreError::Timeout(_) => CentreProblem::Timeout,
            CentreError::UnknownKiosk => CentreProblem::UnknownKiosk,
            CentreError::Refused(_) => CentreProblem::Refused,
            CentreError::Protocol(_) => CentreProblem::Protocol,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CentreProblem::Unreachable => "unreachable",
            CentreProblem::Timeout => "timeout",
            CentreProblem::UnknownKiosk => "unknown_kiosk",
            CentreProblem::Refused => "refused",
            CentreProblem::Protocol => "protocol",
        }
    }
}

impl std::fmt::Display for CentreProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

type Watcher = Box<dyn FnMut(ServiceState) + Send>;

struct Inner {
    snapshot: Snapshot,
    watcher: Option<Watcher>,
    /// The state the watcher was last told.
    told: Option<ServiceState>,
}

/// The shared snapshot. Clones share it; every holder changes it only under its lock, briefly
/// (nothing slow is done while holding it: a hanging centre cannot hold up the worker or the
/// screen through it).
#[derive(Clone)]
pub struct Status(Arc<Mutex<Inner>>);

impl std::fmt::Debug for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Status").field(&self.snapshot()).finish()
    }
}

impl Default for Status {
    fn default() -> Status {
        Status::new()
    }
}

impl Status {
    pub fn new() -> Status {
        Status(Arc::new(Mutex::new(Inner {
            snapshot: Snapshot::default(),
            watcher: None,
            told: None,
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of the snapshot as it is now.
    pub fn snapshot(&self) -> Snapshot {
        self.lock().snapshot.clone()
    }

    /// Changes the snapshot; the watcher hears of a changed [`ServiceState`].
    pub fn update(&self, change: impl FnOnce(&mut Snapshot)) {
        let mut inner = self.lock();
        change(&mut inner.snapshot);
        inner.tell();
    }

    /// `watcher` is told the service state now and at every change, in order, from the thread
    /// that changed it (it must be quick and must not use this `Status`).
    pub fn watch(&self, watcher: impl FnMut(ServiceState) + Send + 'static) {
        let mut inner = self.lock();
        inner.watcher = Some(Box::new(watcher));
        inner.told = None;
        inner.tell();
    }

    /// A heartbeat's answer (`Ok(maintenance)`) or failure at `now`; returns the hearing before.
    pub fn heartbeat_result(
        &self,
        result: Result<bool, CentreProblem>,
        now: DateTime<Utc>,
    ) -> Hearing {
        let mut before = Hearing::NotYet;
        self.update(|snapshot| {
            before = snapshot.hearing;
            snapshot.hearing = match (result, before) {
                (Ok(maintenance), _) => {
                    snapshot.centre_maintenance = maintenance;
                    Hearing::Heard { at: now }
                }
                (Err(problem), Hearing::Heard { at }) => Hearing::NotHeard { since: at, problem },
                (Err(problem), Hearing::NotHeard { since, .. }) => {
                    Hearing::NotHeard { since, problem }
                }
                (Err(problem), Hearing::NotYet) => Hearing::NotHeard {
                    since: now,
                    problem,
                },
            };
        });
        before
    }
}

impl Inner {
    fn tell(&mut self) {
        let state = self.snapshot.service_state();
        if self.told == Some(state) {
            return;
        }
        if let Some(watcher) = &mut self.watcher {
            watcher(state);
            self.told = Some(state);
        }
    }
}

/// Seconds from `then` to `now` (zero if the clock went back).
pub fn age_seconds(then: SystemTime, now: SystemTime) -> u64 {
    now.duration_since(then).unwrap_or_default().as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_out_of_service_puts_faults_first() {
        let mut snapshot = Snapshot::default();
        assert_eq!(snapshot.service_state(), ServiceState::Starting);
        snapshot.reader = ReaderState::Ready;
        assert_eq!(snapshot.service_state(), ServiceState::Serving);
        snapshot.centre_maintenance = true;
        assert_eq!(
            snapshot.out_of_service(),
            Some(OutOfService::CentreMaintenance)
        );
        snapshot.staff_out_of_service = true;
        assert_eq!(snapshot.out_of_service(), Some(OutOfService::StaffSet));
        snapshot.reader = ReaderState::Lost;
        assert_eq!(snapshot.service_state(), ServiceState::ReaderLost);
        snapshot.records_broken = true;
        assert_eq!(
            snapshot.service_state(),
            ServiceState::OutOfService(OutOfService::RecordsBroken)
        );
        assert_eq!(
            snapshot.service_state().to_string(),
            "out of service: the audit log cannot be written"
        );
    }

    #[test]
    fn the_watcher_hears_each_change_of_state_once() {
        let status = Status::new();
        let heard = Arc::new(Mutex::new(Vec::new()));
        let sink = heard.clone();
        status.watch(move |state| sink.lock().expect("lock").push(state.to_string()));
        status.update(|s| s.reader = ReaderState::Ready);
        // Not a change of the service's state: nothing said.
        status.update(|s| s.card_present = true);
        status.update(|s| s.last_error = Some(ErrorClass::WrongPin));
        status.update(|s| s.staff_out_of_service = true);
        status.update(|s| s.staff_out_of_service = false);
        status.update(|s| s.reader = ReaderState::Lost);
        assert_eq!(
            *heard.lock().expect("lock"),
            [
                "starting",
                "serving",
                "out of service: set by staff in maintenance mode",
                "serving",
                "reader lost"
            ]
        );
    }

    #[test]
    fn not_heard_since_is_the_last_answer() {
        let status = Status::new();
        let at = |s| DateTime::from_timestamp(s, 0).expect("time");
        status.heartbeat_result(Err(CentreProblem::Unreachable), at(100));
        assert_eq!(
            status.snapshot().hearing,
            Hearing::NotHeard {
                since: at(100),
                problem: CentreProblem::Unreachable
            },
            "never heard: since the first failure"
        );
        status.heartbeat_result(Ok(true), at(200));
        assert_eq!(status.snapshot().hearing, Hearing::Heard { at: at(200) });
        assert!(status.snapshot().centre_maintenance);
        status.heartbeat_result(Err(CentreProblem::Timeout), at(230));
        let before = status.heartbeat_result(Err(CentreProblem::Unreachable), at(260));
        assert!(matches!(before, Hearing::NotHeard { .. }));
        assert_eq!(
            status.snapshot().hearing,
            Hearing::NotHeard {
                since: at(200),
                problem: CentreProblem::Unreachable
            }
        );
    }
}
