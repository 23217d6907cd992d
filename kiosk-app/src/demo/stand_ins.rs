//! What the demo runs on (the `demo` cargo feature): virtual cards from `config/cards/` on an
//! in-process reader — a [`CardSource`] of its own, so the kiosk's worker has no demo branches —
//! and the stand-in centre in the kiosk's process on a fresh database with fresh reservations
//! (`config/demo-reservations.json`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use card_driver::jpki::Jpki;
use card_driver::pin::Pin;
use card_driver::reset_cryptogram::ResetCommand;
use card_driver::transport::Transport;
use kiosk_core::cards::CardCheck;
use kiosk_core::cards::{CardSource, Opener, Probe, SourceEvent, SourceEvents};
use kiosk_core::config::Config;
use reset_center::config::ServiceHours;
use reset_center::{Centre, CentreConfig, InProcessCentre, SystemClock};
use reset_protocol::{
    Begun, CentreError, Outcome, ReservationState, ResetCentre, ResetKind, SessionId,
};
use serde::Deserialize;
use virtual_card::{InProcessReader, PinId, VirtualCard};

use super::{Demo, DemoCard, DemoHands, listing, profiles};

/// The name the demo's in-process reader is shown under to staff.
pub const DEMO_READER: &str = "DEMO in-process virtual reader";

/// Which demo cards get which reservations (`config/demo-reservations.json`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoReservations {
    #[serde(default, rename = "_comment")]
    _comment: Option<serde_json::Value>,
    /// Cards that get no reservation at all.
    none: Vec<String>,
    /// Cards whose reservation is 25 hours old.
    expired: Vec<String>,
    /// Cards reserved for these kinds only (when offered), to show the wrong-kind refusal.
    #[serde(default)]
    only: std::collections::BTreeMap<String, Vec<String>>,
}

impl DemoReservations {
    /// The kinds `card` is reserved for, of those `offered`.
    fn kinds_for(&self, card: &str, offered: &[ResetKind]) -> Result<Vec<ResetKind>, String> {
        let Some(only) = self.only.get(card) else {
            return Ok(offered.to_vec());
        };
        let mut kinds = Vec::new();
        for name in only {
            let kind = ResetKind::parse(name)
                .ok_or_else(|| format!("only.{card}: {name:?} is not \"signing\" or \"auth\""))?;
            if offered.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(kinds)
    }
}

/// Everything the demo runs on.
#[allow(missing_debug_implementations)]
pub struct DemoServices {
    /// For the worker.
    pub cards: DemoCards,
    pub centre: Arc<dyn ResetCentre>,
    /// The panel, with its hands on the same reader.
    pub demo: Demo,
    /// The same reader, for tests that look at the card.
    pub reader: DemoReader,
    /// The centre's temporary database: to keep as long as the kiosk runs.
    pub database: tempfile::TempDir,
}

pub fn services(
    config: &Config,
    config_path: &Path,
    start: super::CentreStart,
) -> Result<DemoServices, String> {
    let base = config_path.parent().unwrap_or(Path::new("."));
    let profiles = profiles(&base.join("cards"))?;
    let database = tempfile::tempdir().map_err(|e| format!("demo database: {e}"))?;
    let centre_path = base.join("reset-center.json");
    let mut centre_config = CentreConfig::load(&centre_path).map_err(|e| e.to_string())?;
    centre_config.database =
        reset_center::store::Database::Sqlite(database.path().join("demo-centre.sqlite"));
    // The demo centre keeps the kiosk's hours.
    centre_config.service_hours = ServiceHours {
        start: config.service_start,
        end: config.service_end,
        ..centre_config.service_hours
    };
    let plan_path = base.join("demo-reservations.json");
    let plan: DemoReservations = serde_json::from_str(
        &std::fs::read_to_string(&plan_path)
            .map_err(|e| format!("{}: {e}", plan_path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", plan_path.display()))?;
    let mut certificates = Vec::new();
    for (name, path) in &profiles {
        if plan.none.contains(name) {
            continue;
        }
        let Ok(certificate) = std::fs::read(path.with_extension("").join("auth-cert.der")) else {
            continue; // not a My Number Card
        };
        let made_at = plan
            .expired
            .contains(name)
            .then(|| chrono::Utc::now() - chrono::Duration::hours(25));
        let kinds = plan
            .kinds_for(name, &config.offered)
            .map_err(|e| format!("{}: {e}", plan_path.display()))?;
        certificates.push((certificate, made_at, kinds));
    }
    let store_id = config.store_id.clone();
    // The centre (database, trust anchors, reservations) is made on the side: the kiosk's first
    // frame does not wait for it, and no customer needs it before a card is read.
    let centre = LazyCentre::start(move || {
        if start == super::CentreStart::AfterFirstFrame {
            crate::startup::after_first_frame(std::time::Duration::from_secs(2));
        }
        let centre =
            Centre::open(&centre_config, Arc::new(SystemClock)).map_err(|e| e.to_string())?;
        let requests: Vec<_> = certificates
            .iter()
            .flat_map(|(certificate, made_at, kinds)| {
                kinds
                    .iter()
                    .map(move |kind| (certificate.as_slice(), *kind, *made_at))
            })
            .collect();
        centre
            .reserve_many(&requests)
            .map_err(|e| format!("demo reservations: {e}"))?;
        Ok(InProcessCentre::new(Arc::new(centre), &store_id))
    });
    let reader = DemoReader {
        reader: InProcessReader::new(),
        profiles: profiles.clone(),
        shelf: Arc::default(),
        events: Arc::default(),
    };
    let mut demo = listing(&profiles);
    demo.hands = Some(Arc::new(reader.clone()));
    Ok(DemoServices {
        cards: DemoCards(reader.clone()),
        centre: Arc::new(centre),
        demo,
        reader,
        database,
    })
}

/// The demo reader: the in-process reader the worker's cards are opened on, the card
/// profiles, the cards taken off it (they keep their PINs and counters, as real cards do), and
/// the worker's ear once it listens. Clones share all of it.
#[derive(Clone)]
pub struct DemoReader {
    reader: InProcessReader,
    profiles: Vec<(String, PathBuf)>,
    shelf: Arc<Mutex<Vec<VirtualCard>>>,
    events: Arc<Mutex<Option<SourceEvents>>>,
}

impl std::fmt::Debug for DemoReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoReader")
            .field("card", &self.reader.has_card())
            .finish_non_exhaustive()
    }
}

impl DemoReader {
    /// The in-process reader itself (tests look at the card through it).
    pub fn reader(&self) -> &InProcessReader {
        &self.reader
    }

    fn events(&self) -> std::sync::MutexGuard<'_, Option<SourceEvents>> {
        self.events.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn shelf(&self) -> std::sync::MutexGuard<'_, Vec<VirtualCard>> {
        self.shelf.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl DemoHands for DemoReader {
    fn place(&self, profile: &str) {
        // Held while the card goes on, so the worker starting to listen sees it once.
        let events = self.events();
        if self.reader.has_card() {
            return;
        }
        let Some((_, path)) = self.profiles.iter().find(|(name, _)| name == profile) else {
            return;
        };
        let kept = {
            let mut shelf = self.shelf();
            let at = shelf.iter().position(|card| card.name() == profile);
            at.map(|i| shelf.remove(i))
        };
        match kept
            .map(Ok)
            .unwrap_or_else(|| virtual_card::load_card(path))
        {
            Ok(card) => {
                self.reader.insert(card);
                if let Some(events) = events.as_ref() {
                    events.send(SourceEvent::CardPlaced);
                }
            }
            Err(error) => tracing::error!(profile, %error, "a demo card cannot be loaded"),
        }
    }

    fn pull(&self) {
        let events = self.events();
        if let Some(card) = self.reader.remove() {
            self.shelf().push(card);
            if let Some(events) = events.as_ref() {
                events.send(SourceEvent::CardTaken);
            }
        }
    }

    fn on_reader(&self) -> Option<DemoCard> {
        self.reader.with_card(|card| DemoCard {
            name: card.name().to_string(),
            auth_tries: card.tries_left(PinId::Auth),
            signing_tries: card.tries_left(PinId::Signing),
        })
    }
}

/// The demo reader as the worker's card source.
#[derive(Debug)]
pub struct DemoCards(DemoReader);

impl CardSource for DemoCards {
    fn watch(&mut self, events: SourceEvents) {
        let mut slot = self.0.events();
        events.send(SourceEvent::ReaderReady);
        if self.0.reader.has_card() {
            events.send(SourceEvent::CardPlaced);
        }
        *slot = Some(events);
    }

    fn opener(&self) -> Option<Opener> {
        let reader = self.0.reader.clone();
        Some(Box::new(move || {
            reader
                .connect()
                .map(|c| Jpki::new(Box::new(c) as Box<dyn Transport>))
        }))
    }

    fn readers(&self) -> Result<Vec<String>, String> {
        Ok(vec![DEMO_READER.to_string()])
    }

    fn probe(&self) -> Option<Probe> {
        let reader = self.0.reader.clone();
        Some(Probe {
            reader: DEMO_READER.to_string(),
            check: Box::new(move || check(&reader)),
        })
    }

    /// The demo's cards die with the process that had them.
    fn cards_outlive_the_kiosk(&self) -> bool {
        false
    }
}

/// The self-test's look at the demo card: its ATR and a SELECT of JPKI-AP.
fn check(reader: &InProcessReader) -> CardCheck {
    let Some(atr) = reader.with_card(|card| hex::encode_upper(card.atr())) else {
        return CardCheck::NoCard;
    };
    match reader.connect() {
        Ok(transport) => CardCheck::Answered {
            atr,
            jpki: Jpki::new(transport)
                .select_application()
                .map_err(|e| e.to_string()),
        },
        Err(error) => CardCheck::Failed(error.to_string()),
    }
}

/// The demo centre once made, or why it could not be.
type Made = Result<InProcessCentre, String>;

/// The demo centre, being made on a thread of its own; calls wait for it (a card is read
/// seconds after the start, long after it is ready).
#[derive(Clone)]
struct LazyCentre {
    cell: Arc<(Mutex<Option<Made>>, Condvar)>,
}

impl LazyCentre {
    fn start(
        make: impl FnOnce() -> Result<InProcessCentre, String> + Send + 'static,
    ) -> LazyCentre {
        let centre = LazyCentre {
            cell: Arc::new((Mutex::new(None), Condvar::new())),
        };
        let cell = centre.cell.clone();
        let spawned = std::thread::Builder::new()
            .name("demo centre".to_string())
            .spawn(move || {
                let made = make();
                if let Err(error) = &made {
                    tracing::error!(%error, "the demo centre cannot start");
                }
                let (slot, ready) = &*cell;
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(made);
                ready.notify_all();
            });
        if spawned.is_err() {
            let (slot, _) = &*centre.cell;
            *slot.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(Err("cannot start the demo centre".to_string()));
        }
        centre
    }

    fn get(&self) -> Result<InProcessCentre, CentreError> {
        let (slot, ready) = &*self.cell;
        let mut made = slot.lock().unwrap_or_else(|p| p.into_inner());
        while made.is_none() {
            made = ready.wait(made).unwrap_or_else(|p| p.into_inner());
        }
        match made.as_ref() {
            Some(Ok(centre)) => Ok(centre.clone()),
            Some(Err(error)) => Err(CentreError::Unreachable(error.clone())),
            None => Err(CentreError::Unreachable(
                "the demo centre is not ready".to_string(),
            )),
        }
    }
}

impl std::fmt::Debug for LazyCentre {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LazyCentre")
    }
}

impl ResetCentre for LazyCentre {
    fn check_reservation(
        &self,
        kind: ResetKind,
        auth_certificate: &[u8],
    ) -> Result<String, CentreError> {
        self.get()?.check_reservation(kind, auth_certificate)
    }

    fn begin(&self, kind: ResetKind, auth_certificate: &[u8]) -> Result<Begun, CentreError> {
        self.get()?.begin(kind, auth_certificate)
    }

    fn prove(
        &self,
        session: &SessionId,
        signature: &[u8],
        certificate: Option<&[u8]>,
    ) -> Result<(), CentreError> {
        self.get()?.prove(session, signature, certificate)
    }

    fn reset_command(
        &self,
        session: &SessionId,
        card_challenge: &[u8],
        new_pin: &Pin,
    ) -> Result<ResetCommand, CentreError> {
        self.get()?.reset_command(session, card_challenge, new_pin)
    }

    fn complete(
        &self,
        session: &SessionId,
        outcome: Outcome,
    ) -> Result<ReservationState, CentreError> {
        self.get()?.complete(session, outcome)
    }

    fn health(&self) -> Result<bool, CentreError> {
        self.get()?.health()
    }

    fn heartbeat(
        &self,
        report: &reset_protocol::Heartbeat,
    ) -> Result<reset_protocol::HeartbeatAnswer, CentreError> {
        self.get()?.heartbeat(report)
    }
}
