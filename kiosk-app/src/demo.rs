//! The demo: no reader, no network. Virtual cards from `config/cards/` on an in-process reader,
//! the stand-in centre in the same process on a fresh database with fresh reservations, and a
//! clearly marked panel to place and take the demo cards.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use card_driver::pin::Pin;
use card_driver::reset_cryptogram::ResetCommand;
use iced::widget::{column, container, scrollable, text};
use iced::{Element, Length};
use reset_center::config::ServiceHours;
use reset_center::{
    Begun, Centre, CentreConfig, CentreError, InProcessCentre, Outcome, ReservationState,
    ResetCentre, ResetKind, SessionId, SystemClock,
};
use serde::Deserialize;
use virtual_card::InProcessReader;

use crate::app::{Demo, Message};
use crate::config::Config;
use crate::theme::{self, Tone, colour};
use crate::widget::{Ctx, touch};
use crate::worker::Reader;

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
    pub reader: Reader,
    pub centre: Arc<dyn ResetCentre>,
    pub demo: Demo,
    database: tempfile::TempDir,
}

impl DemoServices {
    /// The parts, and the centre's temporary database to keep alive as long as the kiosk runs.
    pub fn into_parts(self) -> (Reader, Arc<dyn ResetCentre>, Demo, tempfile::TempDir) {
        (self.reader, self.centre, self.demo, self.database)
    }
}

/// When the demo's centre is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentreStart {
    /// At once (tests).
    Now,
    /// After the kiosk's first frame (the application: the screen first).
    AfterFirstFrame,
}

pub fn services(
    config: &Config,
    config_path: &Path,
    start: CentreStart,
) -> Result<DemoServices, String> {
    let base = config_path.parent().unwrap_or(Path::new("."));
    let profiles = profiles(&base.join("cards"))?;
    let database = tempfile::tempdir().map_err(|e| format!("demo database: {e}"))?;
    let centre_path = base.join("reset-center.json");
    let mut centre_config = CentreConfig::load(&centre_path).map_err(|e| e.to_string())?;
    centre_config.database = database.path().join("demo-centre.sqlite");
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
        if start == CentreStart::AfterFirstFrame {
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
    let demo = listing(&profiles);
    Ok(DemoServices {
        reader: Reader::Demo {
            reader: InProcessReader::new(),
            profiles,
        },
        centre: Arc::new(centre),
        demo,
        database,
    })
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
                    eprintln!("kiosk-app: demo centre: {error}");
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
}

/// The demo panel alone for the cards beside `config_path` (no reader, no centre): for tools
/// that lay out the demo's screens from outside.
pub fn panel_for(config_path: &Path) -> Result<Demo, String> {
    let base = config_path.parent().unwrap_or(Path::new("."));
    Ok(listing(&profiles(&base.join("cards"))?))
}

/// The panel listing `profiles`, no card on the reader.
fn listing(profiles: &[(String, PathBuf)]) -> Demo {
    Demo {
        profiles: profiles.iter().map(|(name, _)| name.clone()).collect(),
        on_reader: None,
    }
}

/// The card profiles, by name, `normal` first.
fn profiles(folder: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = std::fs::read_dir(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let mut profiles: Vec<(String, PathBuf)> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .filter_map(|path| Some((path.file_stem()?.to_string_lossy().into_owned(), path)))
        .collect();
    profiles.sort_by_key(|(name, _)| (name != "normal", name.clone()));
    if profiles.is_empty() {
        return Err(format!("no card profiles in {}", folder.display()));
    }
    Ok(profiles)
}

/// The width of the demo panel for a window width.
pub fn panel_width(window_width: f32) -> f32 {
    (window_width * 0.16).clamp(220.0, 320.0)
}

/// The demo panel: which card is on the reader, one button per card, and "take the card".
pub fn panel<'a>(ctx: &Ctx, demo: &Demo, width: f32) -> Element<'a, Message> {
    let m = ctx.metrics;
    let small = m.small().min(22.0);
    let tries = |tries: Option<u8>| tries.map_or_else(|| "-".to_string(), |n| n.to_string());
    let status = match &demo.on_reader {
        Some(card) => ctx.f(
            "demo.on_reader",
            &[
                ("card", &card.name),
                ("auth", &tries(card.auth_tries)),
                ("signing", &tries(card.signing_tries)),
            ],
        ),
        None => ctx.t("demo.empty").to_string(),
    };
    let mut list = column![
        text(ctx.t("demo.place"))
            .size(small)
            .color(colour::HEADER_TEXT)
    ]
    .spacing(8.0);
    for profile in &demo.profiles {
        list = list.push(touch(
            ctx,
            text(profile.clone()).size(small.min(20.0)),
            Tone::Secondary,
            demo.on_reader
                .is_none()
                .then(|| Message::DemoPlace(profile.clone())),
            Length::Fill,
            48.0,
        ));
    }
    let pull = touch(
        ctx,
        text(ctx.t("demo.pull")).size(small).font(theme::BOLD),
        Tone::Primary,
        demo.on_reader.is_some().then_some(Message::DemoPull),
        Length::Fill,
        72.0,
    );
    container(
        column![
            text(ctx.t("demo.title"))
                .size(m.heading())
                .font(theme::BOLD)
                .color(colour::HEADER_TEXT),
            text(ctx.t("demo.note"))
                .size(small)
                .color(colour::HEADER_TEXT),
            text(status)
                .size(small)
                .font(theme::BOLD)
                .color(colour::HEADER_TEXT),
            pull,
            scrollable(list).height(Length::Fill),
        ]
        .spacing(12.0),
    )
    .padding(16.0)
    .width(Length::Fixed(width))
    .height(Length::Fill)
    .style(|_| container::Style {
        background: Some(colour::DEMO.into()),
        ..Default::default()
    })
    .into()
}
