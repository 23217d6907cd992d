//! The kiosk's heartbeat: every `heartbeat_seconds` it tells the centre how it is
//! ([`reset_protocol::Heartbeat`]: its build and configuration, its reader, why it does not
//! serve, its outbox, the class of the last error a session met — never anything of a
//! customer), and learns whether the centre hears it and whether the centre is in maintenance.
//!
//! It runs on a thread of its own: a centre that answers slowly, or not at all, holds up only
//! this thread — never the card worker, never the screen, which read and write the shared
//! [`Status`] under its lock for an instant. The first heartbeat goes at once.
//!
//! A failure is logged once when it begins ("centre does not hear this kiosk since …", warn)
//! and once when it ends ("centre hears this kiosk again", info), not at every beat.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant, SystemTime};

use chrono::Utc;
use reset_protocol::{CentreError, Heartbeat, HeartbeatAnswer, ResetCentre};

use crate::config::Config;
use crate::outbox::{Outbox, OutboxState};
use crate::status::{CentreProblem, Hearing, Snapshot, Status, age_seconds};

/// The program as built: the heartbeat says which build runs where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// `CARGO_PKG_VERSION` of the kiosk program.
    pub version: String,
    /// The commit it was built from, or "unknown" (a build without git or `.git`).
    pub commit: String,
}

/// What every heartbeat of this kiosk says alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub interval: Duration,
    /// SHA-256 (hex) of the configuration file's bytes.
    pub config_sha256: String,
    pub build: Build,
}

impl Settings {
    pub fn for_config(config: &Config, build: Build) -> Settings {
        Settings {
            interval: config.heartbeat,
            config_sha256: config.checksum.clone(),
            build,
        }
    }
}

/// The heartbeat of a kiosk in `snapshot` with `outbox`, at `now`.
pub fn report(
    settings: &Settings,
    snapshot: &Snapshot,
    outbox: &OutboxState,
    now: SystemTime,
) -> Heartbeat {
    Heartbeat {
        version: settings.build.version.clone(),
        commit: settings.build.commit.clone(),
        config_sha256: settings.config_sha256.clone(),
        interval_seconds: u32::try_from(settings.interval.as_secs()).unwrap_or(u32::MAX),
        reader: snapshot.reader,
        card_present: snapshot.card_present,
        out_of_service: snapshot.out_of_service(),
        outbox_depth: outbox.depth,
        outbox_oldest_seconds: outbox.oldest.map(|oldest| age_seconds(oldest, now)),
        last_error: snapshot.last_error,
    }
}

/// The running heartbeat; dropping it stops the thread after the beat under way (a beat that
/// hangs in the centre is not waited for).
#[derive(Debug)]
pub struct Heartbeats {
    _stop: Sender<()>,
}

/// Starts the heartbeat of the kiosk whose state `status` keeps and whose outbox is `outbox`
/// (the worker's: `worker::Shared`), to `centre`.
pub fn start(
    settings: Settings,
    centre: Arc<dyn ResetCentre>,
    status: Status,
    outbox: Outbox,
) -> Heartbeats {
    let (stop, stopped) = channel();
    let spawned = std::thread::Builder::new()
        .name("heartbeat".to_string())
        .spawn(move || run(&settings, centre.as_ref(), &status, &outbox, &stopped));
    if let Err(error) = spawned {
        // The kiosk serves without it; the centre will call it silent.
        tracing::error!(%error, "the heartbeat thread could not start");
    }
    Heartbeats { _stop: stop }
}

fn run(
    settings: &Settings,
    centre: &dyn ResetCentre,
    status: &Status,
    outbox: &Outbox,
    stopped: &Receiver<()>,
) {
    let mut next = Instant::now();
    loop {
        beat(settings, centre, status, outbox);
        // At a steady rate: the time a beat took is not added to the interval. A beat that
        // took longer than the interval is followed by the next at once.
        next += settings.interval;
        let now = Instant::now();
        if next < now {
            next = now;
        }
        match stopped.recv_timeout(next - now) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// One heartbeat: sent, its answer kept in `status`, a change of hearing logged.
fn beat(settings: &Settings, centre: &dyn ResetCentre, status: &Status, outbox: &Outbox) {
    let snapshot = status.snapshot();
    let report = report(settings, &snapshot, &outbox.state(), SystemTime::now());
    tracing::debug!(
        reader = report.reader.as_str(),
        card_present = report.card_present,
        out_of_service = report.out_of_service.map(|r| r.as_str()),
        outbox_depth = report.outbox_depth,
        outbox_oldest_seconds = report.outbox_oldest_seconds,
        last_error = report.last_error.map(|e| e.as_str()),
        "heartbeat"
    );
    let result = centre.heartbeat(&report);
    let now = Utc::now();
    let before = status.heartbeat_result(
        result
            .as_ref()
            .map(|answer| answer.maintenance)
            .map_err(CentreProblem::of),
        now,
    );
    log_change(before, &result, snapshot.centre_maintenance);
}

fn log_change(
    before: Hearing,
    result: &Result<HeartbeatAnswer, CentreError>,
    was_in_maintenance: bool,
) {
    match (before, result) {
        (Hearing::NotHeard { .. }, Ok(_)) => {
            tracing::info!("centre hears this kiosk again");
        }
        (Hearing::NotYet, Ok(_)) => tracing::info!("centre hears this kiosk"),
        (Hearing::Heard { .. }, Ok(answer)) => {
            tracing::debug!(heard_at = %answer.heard_at, "heartbeat answered");
        }
        (Hearing::Heard { at }, Err(error)) => tracing::warn!(
            problem = %CentreProblem::of(error),
            %error,
            "centre does not hear this kiosk since {}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        (Hearing::NotYet, Err(error)) => tracing::warn!(
            problem = %CentreProblem::of(error),
            %error,
            "centre does not hear this kiosk since its start"
        ),
        // Still not heard: said already.
        (Hearing::NotHeard { .. }, Err(error)) => {
            tracing::debug!(problem = %CentreProblem::of(error), %error, "heartbeat failed");
        }
    }
    if let Ok(answer) = result
        && answer.maintenance != was_in_maintenance
    {
        if answer.maintenance {
            tracing::warn!("the centre is in maintenance");
        } else {
            tracing::info!("the centre is out of maintenance");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Mutex;

    use card_driver::pin::Pin;
    use card_driver::reset_cryptogram::ResetCommand;
    use reset_protocol::{
        Begun, ErrorClass, OutOfService, Outcome, ReaderState, ReservationState, ResetKind,
        SessionId,
    };

    use super::*;

    fn settings(interval: Duration) -> Settings {
        Settings {
            interval,
            config_sha256: "ab".repeat(32),
            build: Build {
                version: "1.2.3".to_string(),
                commit: "0123456789ab".to_string(),
            },
        }
    }

    /// A centre that only hears heartbeats: each is handed to the test (when it has a
    /// receiver) and answered as `answer` says, after `gate` lets it go (when there is one).
    struct HeartbeatCentre {
        heard: Mutex<Vec<(Instant, Heartbeat)>>,
        answer: Mutex<Result<bool, CentreError>>,
        gate: Mutex<Option<Receiver<()>>>,
    }

    impl HeartbeatCentre {
        fn new() -> Arc<HeartbeatCentre> {
            Arc::new(HeartbeatCentre {
                heard: Mutex::default(),
                answer: Mutex::new(Ok(false)),
                gate: Mutex::default(),
            })
        }

        fn heard(&self) -> Vec<(Instant, Heartbeat)> {
            self.heard.lock().unwrap().clone()
        }

        fn wait_for(&self, beats: usize, within: Duration) -> Vec<(Instant, Heartbeat)> {
            let until = Instant::now() + within;
            while self.heard().len() < beats && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(5));
            }
            self.heard()
        }
    }

    impl ResetCentre for HeartbeatCentre {
        fn check_reservation(&self, _: ResetKind, _: &[u8]) -> Result<String, CentreError> {
            unreachable!("only heartbeats")
        }
        fn begin(&self, _: ResetKind, _: &[u8]) -> Result<Begun, CentreError> {
            unreachable!("only heartbeats")
        }
        fn prove(&self, _: &SessionId, _: &[u8], _: Option<&[u8]>) -> Result<(), CentreError> {
            unreachable!("only heartbeats")
        }
        fn reset_command(
            &self,
            _: &SessionId,
            _: &[u8],
            _: &Pin,
        ) -> Result<ResetCommand, CentreError> {
            unreachable!("only heartbeats")
        }
        fn complete(&self, _: &SessionId, _: Outcome) -> Result<ReservationState, CentreError> {
            unreachable!("only heartbeats")
        }
        fn health(&self) -> Result<bool, CentreError> {
            Ok(false)
        }
        fn heartbeat(&self, report: &Heartbeat) -> Result<HeartbeatAnswer, CentreError> {
            self.heard
                .lock()
                .unwrap()
                .push((Instant::now(), report.clone()));
            let gate = self.gate.lock().unwrap().take();
            if let Some(gate) = &gate {
                let _ = gate.recv();
            }
            *self.gate.lock().unwrap() = gate;
            self.answer
                .lock()
                .unwrap()
                .clone()
                .map(|maintenance| HeartbeatAnswer {
                    heard_at: "2026-12-06T00:00:00Z".to_string(),
                    maintenance,
                })
        }
    }

    #[test]
    fn a_heartbeat_reports_the_kiosk_and_nothing_of_a_customer() {
        let mut snapshot = Snapshot {
            reader: ReaderState::Ready,
            card_present: true,
            staff_out_of_service: true,
            last_error: Some(ErrorClass::Refused),
            ..Snapshot::default()
        };
        let now = SystemTime::now();
        let outbox = OutboxState {
            depth: 2,
            oldest: Some(now - Duration::from_secs(95)),
        };
        let beat = report(&settings(Duration::from_secs(30)), &snapshot, &outbox, now);
        assert_eq!(
            beat,
            Heartbeat {
                version: "1.2.3".to_string(),
                commit: "0123456789ab".to_string(),
                config_sha256: "ab".repeat(32),
                interval_seconds: 30,
                reader: ReaderState::Ready,
                card_present: true,
                out_of_service: Some(OutOfService::StaffSet),
                outbox_depth: 2,
                outbox_oldest_seconds: Some(95),
                last_error: Some(ErrorClass::Refused),
            }
        );
        snapshot.staff_out_of_service = false;
        let beat = report(
            &settings(Duration::from_secs(30)),
            &snapshot,
            &OutboxState::default(),
            now,
        );
        assert_eq!(beat.out_of_service, None, "serving");
        assert_eq!(beat.outbox_oldest_seconds, None);
    }

    #[test]
    fn the_first_beat_goes_at_once_and_the_rest_at_the_interval() {
        let centre = HeartbeatCentre::new();
        let status = Status::new();
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::at(dir.path().join("outbox"));
        outbox.add(
            &SessionId("0123456789abcdef0123456789abcdef".to_string()),
            Outcome::Unknown,
        );
        let started = Instant::now();
        let interval = Duration::from_millis(200);
        let heartbeats = start(settings(interval), centre.clone(), status.clone(), outbox);
        let first = centre.wait_for(1, Duration::from_secs(5));
        assert!(
            first[0].0 - started < Duration::from_millis(150),
            "the first beat goes at start"
        );
        assert_eq!(first[0].1.reader, ReaderState::Unknown);
        assert_eq!(first[0].1.outbox_depth, 1, "the outbox's entry is counted");
        status.update(|s| {
            s.reader = ReaderState::Lost;
            s.last_error = Some(ErrorClass::ReaderFault);
        });
        let beats = centre.wait_for(4, Duration::from_secs(5));
        assert!(beats.len() >= 4);
        // At a steady rate: the n-th beat never before n intervals after the first, and the
        // beats keep coming.
        let first_at = beats[0].0;
        for (n, (at, _)) in beats.iter().enumerate() {
            let due = first_at + interval * n as u32;
            assert!(
                *at + Duration::from_millis(5) >= due,
                "beat {n} early: {:?} before its time",
                due - *at
            );
        }
        for pair in beats.windows(2) {
            let gap = pair[1].0 - pair[0].0;
            assert!(gap < Duration::from_secs(1), "{gap:?} between beats");
        }
        let last = &beats.last().unwrap().1;
        assert_eq!(last.reader, ReaderState::Lost);
        assert_eq!(last.out_of_service, Some(OutOfService::ReaderLost));
        assert_eq!(last.last_error, Some(ErrorClass::ReaderFault));
        assert!(matches!(status.snapshot().hearing, Hearing::Heard { .. }));
        // Stopped: no more beats.
        drop(heartbeats);
        let count = centre
            .wait_for(usize::MAX, Duration::from_millis(500))
            .len();
        assert_eq!(centre.heard().len(), count);
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(centre.heard().len(), count, "no beat after the stop");
    }

    #[test]
    fn a_centre_that_stops_answering_is_not_heard_since_its_last_answer() {
        let centre = HeartbeatCentre::new();
        let status = Status::new();
        let _heartbeats = start(
            settings(Duration::from_millis(50)),
            centre.clone(),
            status.clone(),
            Outbox::none(),
        );
        centre.wait_for(2, Duration::from_secs(5));
        let Hearing::Heard { at } = status.snapshot().hearing else {
            panic!("heard: {:?}", status.snapshot().hearing);
        };
        *centre.answer.lock().unwrap() = Err(CentreError::Timeout(Duration::from_secs(10)));
        let count = centre.heard().len();
        centre.wait_for(count + 2, Duration::from_secs(5));
        let Hearing::NotHeard { since, problem } = status.snapshot().hearing else {
            panic!("not heard: {:?}", status.snapshot().hearing);
        };
        assert!(since >= at, "since the last answer");
        assert_eq!(problem, CentreProblem::Timeout);
        // Back, in maintenance: heard again, and the kiosk is out of service for it.
        *centre.answer.lock().unwrap() = Ok(true);
        let count = centre.heard().len();
        centre.wait_for(count + 2, Duration::from_secs(5));
        assert!(matches!(status.snapshot().hearing, Hearing::Heard { .. }));
        assert_eq!(
            status.snapshot().out_of_service(),
            Some(OutOfService::CentreMaintenance)
        );
    }

    #[test]
    fn a_hanging_centre_holds_up_only_the_heartbeat() {
        let centre = HeartbeatCentre::new();
        // Every beat waits in the centre until the test releases it.
        let (release, gate) = channel::<()>();
        *centre.gate.lock().unwrap() = Some(gate);
        let status = Status::new();
        let _heartbeats = start(
            settings(Duration::from_millis(20)),
            centre.clone(),
            status.clone(),
            Outbox::none(),
        );
        centre.wait_for(1, Duration::from_secs(5));
        // The beat hangs in the centre; the worker's and the screen's updates go through (on
        // a thread of their own: were the status held during the call, they would hang too).
        let (done, updated) = channel();
        let other = status.clone();
        std::thread::spawn(move || {
            for _ in 0..100 {
                other.update(|s| s.card_present = !s.card_present);
                let _ = other.snapshot();
            }
            let _ = done.send(());
        });
        assert_eq!(updated.recv_timeout(Duration::from_secs(2)), Ok(()));
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            centre.heard().len(),
            1,
            "no second beat while the first hangs"
        );
        assert_eq!(status.snapshot().hearing, Hearing::NotYet);
        let _ = release.send(());
        centre.wait_for(2, Duration::from_secs(5));
        assert!(
            centre.heard().len() >= 2,
            "beats go on once the centre answers"
        );
    }
}
