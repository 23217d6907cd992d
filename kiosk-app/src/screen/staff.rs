//! Maintenance mode, for store staff: health, reader self-test, counters, recent audit events,
//! the out-of-service switch and the way out. Nothing here shows a holder's data: the audit
//! log holds none, and the self-test reads no file and asks no PIN.

use crate::i18n::{Arg, MessageId, msg};
use std::time::Duration;

use iced::widget::{Column, column, container, row, scrollable, text};
use iced::{Alignment, Element, Length};

use crate::theme::{self, Tone};
use crate::widget::{Ctx, footer, notice, text_button};
use kiosk_core::audit::{
    Counters, Event as AuditEvent, Fault, Outcome, Reason, Record, StaffAction, Tally,
};
use kiosk_core::config::Config;
use kiosk_core::diagnostics::{CardCheck, Health, SelfTest};
use kiosk_core::status::{CentreProblem, Hearing};
use reset_protocol::{Refusal, ResetKind};

/// The pages of maintenance mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Health,
    SelfTest,
    Counters,
    Events,
}

impl Page {
    const ALL: [Page; 4] = [Page::Health, Page::SelfTest, Page::Counters, Page::Events];

    pub fn name(self) -> &'static str {
        match self {
            Page::Health => "staff_health",
            Page::SelfTest => "staff_self_test",
            Page::Counters => "staff_counters",
            Page::Events => "staff_events",
        }
    }

    fn label_id(self) -> MessageId {
        match self {
            Page::Health => msg::STAFF_PAGE_HEALTH,
            Page::SelfTest => msg::STAFF_PAGE_SELF_TEST,
            Page::Counters => msg::STAFF_PAGE_COUNTERS,
            Page::Events => msg::STAFF_PAGE_EVENTS,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Show(Page),
    RunSelfTest,
    ToggleService,
    Exit,
}

/// What the staff screen asks of the app, which owns the log, the switch and the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// `page` is on show: the app brings its figures (the log's counters or events, the
    /// worker's health report).
    Show(Page),
    RunSelfTest,
    ToggleService,
    Exit,
}

/// What staff are looking at, with what the worker and the log reported for it.
#[derive(Debug)]
pub struct Staff {
    page: Page,
    health: Option<Health>,
    self_test: SelfTestState,
    counters: Option<Result<Counters, String>>,
    events: Option<Result<Vec<Record>, String>>,
}

#[derive(Debug)]
pub enum SelfTestState {
    NotRun,
    Running,
    Done(SelfTest),
}

/// What the app knows of the kiosk itself.
#[derive(Debug)]
pub struct Facts<'a> {
    pub config: &'a Config,
    pub reader_ok: bool,
    pub card_present: bool,
    pub out_of_service: bool,
    pub audit_broken: Option<&'a str>,
    pub uptime: Duration,
    /// Whether the centre hears the kiosk's heartbeat.
    pub hearing: Hearing,
}

/// The software as built (version, commit, profile), for the health page.
pub fn build() -> String {
    format!(
        "kiosk-app {} ({}, {})",
        env!("CARGO_PKG_VERSION"),
        option_env!("KIOSK_BUILD_COMMIT").unwrap_or("unknown commit"),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    )
}

impl Staff {
    pub fn new() -> Staff {
        Staff {
            page: Page::Health,
            health: None,
            self_test: SelfTestState::NotRun,
            counters: None,
            events: None,
        }
    }

    pub fn update(&mut self, message: Message) -> Event {
        match message {
            Message::Show(page) => {
                self.page = page;
                if page == Page::Health {
                    // Until the worker's fresh report: no stale figures on show.
                    self.health = None;
                }
                Event::Show(page)
            }
            Message::RunSelfTest => {
                self.self_test = SelfTestState::Running;
                Event::RunSelfTest
            }
            Message::ToggleService => Event::ToggleService,
            Message::Exit => Event::Exit,
        }
    }

    /// The page on show.
    pub fn page(&self) -> Page {
        self.page
    }

    /// The log's counters, read for the counters page.
    pub fn counters_read(&mut self, counters: Result<Counters, String>) {
        self.counters = Some(counters);
    }

    /// The log's newest events, read for the events page.
    pub fn events_read(&mut self, events: Result<Vec<Record>, String>) {
        self.events = Some(events);
    }

    /// The worker's health report.
    pub fn health_reported(&mut self, health: Health) {
        self.health = Some(health);
    }

    /// The worker's self-test report.
    pub fn self_test_reported(&mut self, report: SelfTest) {
        self.self_test = SelfTestState::Done(report);
    }

    pub fn view<'a>(&'a self, ctx: &Ctx, facts: &Facts<'_>) -> Element<'a, Message> {
        let m = ctx.metrics;
        let mut tabs = column![].spacing(m.px(16.0));
        for page in Page::ALL {
            let tone = if page == self.page {
                Tone::Primary
            } else {
                Tone::Secondary
            };
            tabs = tabs.push(text_button(
                ctx,
                ctx.t(page.label_id()),
                tone,
                Some(Message::Show(page)),
                Length::Fixed(m.px(360.0)),
            ));
        }
        let content: Element<'a, Message> = match self.page {
            Page::Health => self.health_view(ctx, facts),
            Page::SelfTest => self.self_test_view(ctx),
            Page::Counters => self.counters_view(ctx),
            Page::Events => self.events_view(ctx),
        };
        let heading = text(ctx.t(self.page.label_id()))
            .size(m.heading())
            .font(theme::BOLD);
        row![
            tabs,
            column![heading, scrollable(content).height(Length::Fill)]
                .spacing(m.spacing())
                .width(Length::Fill)
        ]
        .spacing(m.px(48.0))
        .into()
    }

    pub fn footer<'a>(&self, ctx: &Ctx, out_of_service: bool) -> Element<'a, Message> {
        let m = ctx.metrics;
        let toggle = if out_of_service {
            msg::STAFF_BACK_IN_SERVICE
        } else {
            msg::STAFF_OUT_OF_SERVICE
        };
        footer(
            vec![text_button(
                ctx,
                ctx.t(toggle),
                Tone::Secondary,
                Some(Message::ToggleService),
                Length::Fixed(m.px(460.0)),
            )],
            vec![text_button(
                ctx,
                ctx.t(msg::STAFF_EXIT),
                Tone::Primary,
                Some(Message::Exit),
                Length::Fixed(m.px(460.0)),
            )],
        )
    }

    fn health_view<'a>(&self, ctx: &Ctx, facts: &Facts<'_>) -> Element<'a, Message> {
        let yes_no =
            |ok: bool, yes: MessageId, no: MessageId| ctx.t(if ok { yes } else { no }).to_string();
        let pcsc = match &self.health {
            None => ctx.t(msg::STAFF_CHECKING).to_string(),
            Some(Health {
                readers: Ok(readers),
                ..
            }) => ctx.f(
                msg::STAFF_HEALTH_PCSC_OK,
                &[
                    ("n", readers.len().into()),
                    ("names", Arg::from(&readers.join(", "))),
                ],
            ),
            Some(Health {
                readers: Err(error),
                ..
            }) => ctx.f(msg::STAFF_HEALTH_PCSC_ERROR, &[("error", error.into())]),
        };
        let centre = match &self.health {
            None => ctx.t(msg::STAFF_CHECKING).to_string(),
            Some(Health {
                centre: Ok(false), ..
            }) => ctx.t(msg::STAFF_HEALTH_CENTRE_OK).to_string(),
            Some(Health {
                centre: Ok(true), ..
            }) => ctx.t(msg::STAFF_HEALTH_CENTRE_MAINTENANCE).to_string(),
            Some(Health {
                centre: Err(error), ..
            }) => ctx.f(msg::STAFF_HEALTH_CENTRE_ERROR, &[("error", error.into())]),
        };
        let service = match (facts.audit_broken, facts.out_of_service) {
            (Some(error), _) => ctx.f(msg::STAFF_HEALTH_AUDIT_BROKEN, &[("error", error.into())]),
            (None, true) => ctx.t(msg::STAFF_HEALTH_OUT_OF_SERVICE).to_string(),
            (None, false) => ctx.t(msg::STAFF_HEALTH_IN_SERVICE).to_string(),
        };
        let minutes = facts.uptime.as_secs() / 60;
        let uptime = ctx.f(
            msg::STAFF_HEALTH_UPTIME_VALUE,
            &[("h", (minutes / 60).into()), ("m", (minutes % 60).into())],
        );
        // In groups of eight so that the 64 digits wrap, and are easy to read out.
        let groups: Vec<String> = facts
            .config
            .checksum
            .as_bytes()
            .chunks(8)
            .map(|group| String::from_utf8_lossy(group).into_owned())
            .collect();
        let config = format!(
            "{}\nSHA-256 {}",
            facts.config.source.display(),
            groups.join(" ")
        );
        let rows = [
            (
                msg::STAFF_HEALTH_READER,
                yes_no(
                    facts.reader_ok,
                    msg::STAFF_HEALTH_PRESENT,
                    msg::STAFF_HEALTH_ABSENT,
                ),
            ),
            (
                msg::STAFF_HEALTH_CARD,
                yes_no(
                    facts.card_present,
                    msg::STAFF_HEALTH_CARD_ON,
                    msg::STAFF_HEALTH_CARD_OFF,
                ),
            ),
            (msg::STAFF_HEALTH_PCSC, pcsc),
            (msg::STAFF_HEALTH_CENTRE, centre),
            (
                msg::STAFF_HEALTH_HEARD,
                hearing_text(
                    ctx,
                    facts.hearing,
                    facts.config.heartbeat,
                    chrono::Utc::now(),
                ),
            ),
            (msg::STAFF_HEALTH_SERVICE, service),
            (msg::STAFF_HEALTH_STORE, facts.config.store_id.clone()),
            (msg::STAFF_HEALTH_SOFTWARE, build()),
            (msg::STAFF_HEALTH_UPTIME, uptime),
            (msg::STAFF_HEALTH_CONFIG, config),
        ];
        table(
            ctx,
            rows.iter()
                .map(|(label, value)| (ctx.t(*label).to_string(), value.clone())),
        )
    }

    fn self_test_view<'a>(&self, ctx: &Ctx) -> Element<'a, Message> {
        let m = ctx.metrics;
        let run = text_button(
            ctx,
            ctx.t(msg::STAFF_SELF_TEST_RUN),
            Tone::Primary,
            (!matches!(self.self_test, SelfTestState::Running)).then_some(Message::RunSelfTest),
            Length::Fixed(m.px(460.0)),
        );
        let mut page = column![text(ctx.t(msg::STAFF_SELF_TEST_NOTE)).size(m.small()), run]
            .spacing(m.spacing());
        match &self.self_test {
            SelfTestState::NotRun => {}
            SelfTestState::Running => {
                page = page.push(text(ctx.t(msg::STAFF_CHECKING)).size(m.body()))
            }
            SelfTestState::Done(report) => page = page.push(self_test_report(ctx, report)),
        }
        page.into()
    }

    fn counters_view<'a>(&self, ctx: &Ctx) -> Element<'a, Message> {
        let counters = match &self.counters {
            None => return text(ctx.t(msg::STAFF_CHECKING)).into(),
            Some(Err(error)) => return notice(ctx, error.clone(), true),
            Some(Ok(counters)) => counters,
        };
        let tally = |t: &Tally| {
            ctx.f(
                msg::STAFF_COUNTERS_TALLY,
                &[("today", t.today.into()), ("total", t.total.into())],
            )
        };
        let mut rows = vec![
            (
                ctx.t(msg::STAFF_COUNTERS_SESSIONS).to_string(),
                tally(&counters.sessions),
            ),
            (
                ctx.t(msg::STAFF_COUNTERS_COMPLETED).to_string(),
                tally(&counters.completed),
            ),
            (
                ctx.t(msg::STAFF_COUNTERS_CANCELLED).to_string(),
                tally(&counters.cancelled),
            ),
            (
                ctx.t(msg::STAFF_COUNTERS_TIMED_OUT).to_string(),
                tally(&counters.timed_out),
            ),
        ];
        for (reason, count) in &counters.refusals {
            rows.push((
                ctx.f(
                    msg::STAFF_COUNTERS_REFUSED,
                    &[("reason", Arg::from(&reason_label(ctx, *reason)))],
                ),
                tally(count),
            ));
        }
        for (reason, count) in &counters.errors {
            rows.push((
                ctx.f(
                    msg::STAFF_COUNTERS_ERROR,
                    &[("reason", Arg::from(&reason_label(ctx, *reason)))],
                ),
                tally(count),
            ));
        }
        rows.push((
            ctx.t(msg::STAFF_COUNTERS_PASSCODE_FAILURES).to_string(),
            tally(&counters.passcode_failures),
        ));
        let m = ctx.metrics;
        column![
            text(ctx.t(msg::STAFF_COUNTERS_NOTE))
                .size(m.small())
                .color(ctx.palette.muted),
            table(ctx, rows)
        ]
        .spacing(m.spacing())
        .into()
    }

    fn events_view<'a>(&self, ctx: &Ctx) -> Element<'a, Message> {
        let records = match &self.events {
            None => return text(ctx.t(msg::STAFF_CHECKING)).into(),
            Some(Err(error)) => return notice(ctx, error.clone(), true),
            Some(Ok(records)) => records,
        };
        let japan = chrono::FixedOffset::east_opt(9 * 3600)
            .unwrap_or_else(|| unreachable!("+09:00 is valid"));
        table(
            ctx,
            records.iter().map(|record| {
                (
                    record
                        .at
                        .with_timezone(&japan)
                        .format("%m/%d %H:%M:%S")
                        .to_string(),
                    event_text(ctx, &record.event),
                )
            }),
        )
    }
}

impl Default for Staff {
    fn default() -> Staff {
        Staff::new()
    }
}

fn self_test_report<'a>(ctx: &Ctx, report: &SelfTest) -> Element<'a, Message> {
    let readers = match &report.readers {
        Ok(readers) if readers.is_empty() => ctx.t(msg::STAFF_SELF_TEST_NO_READERS).to_string(),
        Ok(readers) => readers.join("\n"),
        Err(error) => ctx.f(msg::STAFF_HEALTH_PCSC_ERROR, &[("error", error.into())]),
    };
    let tested = report
        .reader
        .clone()
        .unwrap_or_else(|| ctx.t(msg::STAFF_SELF_TEST_NO_READER).to_string());
    let (atr, jpki) = match &report.card {
        CardCheck::NoCard => (
            ctx.t(msg::STAFF_SELF_TEST_NO_CARD).to_string(),
            String::new(),
        ),
        CardCheck::Answered { atr, jpki } => (
            atr.clone(),
            match jpki {
                Ok(()) => ctx.t(msg::STAFF_SELF_TEST_JPKI_OK).to_string(),
                Err(error) => ctx.f(msg::STAFF_SELF_TEST_JPKI_ERROR, &[("error", error.into())]),
            },
        ),
        CardCheck::Failed(error) => (
            ctx.f(msg::STAFF_SELF_TEST_CARD_ERROR, &[("error", error.into())]),
            String::new(),
        ),
    };
    table(
        ctx,
        [
            (ctx.t(msg::STAFF_SELF_TEST_READERS).to_string(), readers),
            (ctx.t(msg::STAFF_SELF_TEST_READER).to_string(), tested),
            (ctx.t(msg::STAFF_SELF_TEST_ATR).to_string(), atr),
            (ctx.t(msg::STAFF_SELF_TEST_JPKI).to_string(), jpki),
        ],
    )
}

/// Whether the centre hears the kiosk, in Japan time: when it last answered a heartbeat, or
/// since when it has not and why. An answer older than three intervals is no longer news that
/// the centre hears the kiosk (the beat under way may hang): it counts as no answer in time.
pub fn hearing_text(
    ctx: &Ctx,
    hearing: Hearing,
    interval: Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let japan =
        chrono::FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| unreachable!("+09:00 is valid"));
    let stale =
        |at: chrono::DateTime<chrono::Utc>| (now - at).to_std().unwrap_or_default() > interval * 3;
    let (since, problem) = match hearing {
        Hearing::NotYet => return ctx.t(msg::STAFF_HEALTH_HEARD_NOT_YET).to_string(),
        Hearing::Heard { at } if !stale(at) => {
            let time = at.with_timezone(&japan).format("%H:%M:%S").to_string();
            return ctx.f(
                msg::STAFF_HEALTH_HEARD_AT,
                &[("time", time.as_str().into())],
            );
        }
        Hearing::Heard { at } => (at, CentreProblem::Timeout),
        Hearing::NotHeard { since, problem } => (since, problem),
    };
    let since = since.with_timezone(&japan);
    // Another day's time says which day.
    let format = if since.date_naive() == now.with_timezone(&japan).date_naive() {
        "%H:%M"
    } else {
        "%m/%d %H:%M"
    };
    let reason = ctx.t(match problem {
        CentreProblem::Unreachable => msg::STAFF_HEALTH_PROBLEM_UNREACHABLE,
        CentreProblem::Timeout => msg::STAFF_HEALTH_PROBLEM_TIMEOUT,
        CentreProblem::UnknownKiosk => msg::STAFF_HEALTH_PROBLEM_UNKNOWN_KIOSK,
        CentreProblem::Refused => msg::STAFF_HEALTH_PROBLEM_REFUSED,
        CentreProblem::Protocol => msg::STAFF_HEALTH_PROBLEM_PROTOCOL,
    });
    ctx.f(
        msg::STAFF_HEALTH_NOT_HEARD,
        &[
            ("time", Arg::from(&since.format(format).to_string())),
            ("reason", reason.into()),
        ],
    )
}

/// Label: value rows.
fn table<'a>(ctx: &Ctx, rows: impl IntoIterator<Item = (String, String)>) -> Element<'a, Message> {
    let m = ctx.metrics;
    let lines: Column<'a, Message> =
        rows.into_iter()
            .fold(column![].spacing(m.px(14.0)), |lines, (label, value)| {
                lines.push(
                    row![
                        text(label)
                            .size(m.small())
                            .font(theme::BOLD)
                            .width(Length::Fixed(m.px(420.0))),
                        text(value).size(m.small()).width(Length::Fill),
                    ]
                    .spacing(m.px(24.0))
                    .align_y(Alignment::Start),
                )
            });
    container(lines).width(Length::Fill).into()
}

/// An audit reason shown in the staff's language; the centre's protocol refusals, which no
/// customer can cause, by their code.
fn reason_label(ctx: &Ctx, reason: Option<Reason>) -> String {
    let id = match reason {
        None => msg::STAFF_REASON_UNSPECIFIED,
        Some(Reason::Refused(refusal)) => match refusal {
            Refusal::NoReservation => msg::STAFF_REASON_NO_RESERVATION,
            Refusal::ReservationExpired => msg::STAFF_REASON_RESERVATION_EXPIRED,
            Refusal::ReservationUsed => msg::STAFF_REASON_RESERVATION_USED,
            Refusal::WrongKind => msg::STAFF_REASON_WRONG_KIND,
            Refusal::ReservationInUse => msg::STAFF_REASON_RESERVATION_IN_USE,
            Refusal::CertExpired => msg::STAFF_REASON_CERT_EXPIRED,
            Refusal::CertRevoked => msg::STAFF_REASON_CERT_REVOKED,
            Refusal::CertUntrusted => msg::STAFF_REASON_CERT_UNTRUSTED,
            Refusal::NoSigningCertificate => msg::STAFF_REASON_NO_SIGNING_CERTIFICATE,
            Refusal::OutsideHours => msg::STAFF_REASON_OUTSIDE_HOURS,
            Refusal::Maintenance => msg::STAFF_REASON_MAINTENANCE,
            Refusal::SessionUnknown
            | Refusal::SessionExpired
            | Refusal::SessionClosed
            | Refusal::ChallengeUsed
            | Refusal::BadProof
            | Refusal::ProofRequired
            | Refusal::CommandAlreadyIssued
            | Refusal::CardChallengeReused
            | Refusal::InvalidPin
            | Refusal::BadRequest
            // The centre's own state: staff pass the code on to the centre's operator.
            | Refusal::RevocationStale => return refusal.code(),
        },
        Some(Reason::Fault(fault)) => match fault {
            Fault::PinLockedAuth => msg::STAFF_REASON_PIN_LOCKED_AUTH,
            Fault::PinLockedSigning => msg::STAFF_REASON_PIN_LOCKED_SIGNING,
            Fault::WrongPin => msg::STAFF_REASON_WRONG_PIN,
            Fault::NotMyNumberCard => msg::STAFF_REASON_NOT_MY_NUMBER_CARD,
            Fault::CardUnreadable => msg::STAFF_REASON_CARD_UNREADABLE,
            Fault::CardMoved => msg::STAFF_REASON_CARD_MOVED,
            Fault::CardUnresponsive => msg::STAFF_REASON_CARD_UNRESPONSIVE,
            Fault::CentreUnreachable => msg::STAFF_REASON_CENTRE_UNREACHABLE,
            Fault::ReaderFault => msg::STAFF_REASON_READER_FAULT,
            Fault::ReaderLost => msg::STAFF_REASON_READER_LOST,
            Fault::Unconfirmed => msg::STAFF_REASON_UNCONFIRMED,
            Fault::NotChanged => msg::STAFF_REASON_NOT_CHANGED,
            Fault::Unexpected => msg::STAFF_REASON_UNEXPECTED,
        },
    };
    ctx.t(id).to_string()
}

/// A staff action in the staff's language.
fn action_label(ctx: &Ctx, action: StaffAction) -> &'static str {
    ctx.t(match action {
        StaffAction::SelfTest => msg::STAFF_REASON_SELF_TEST,
        StaffAction::OutOfService => msg::STAFF_REASON_OUT_OF_SERVICE,
        StaffAction::BackInService => msg::STAFF_REASON_BACK_IN_SERVICE,
    })
}

fn event_text(ctx: &Ctx, event: &AuditEvent) -> String {
    match event {
        AuditEvent::Started { version } => {
            ctx.f(msg::STAFF_EVENT_STARTED, &[("version", version.into())])
        }
        AuditEvent::SessionStart { kind } => ctx.f(
            msg::STAFF_EVENT_SESSION_START,
            &[("kind", Arg::from(&kind_label(ctx, kind)))],
        ),
        AuditEvent::SessionEnd {
            kind,
            outcome,
            reason,
            card,
        } => {
            let outcome = ctx.t(match outcome {
                Outcome::Completed => msg::STAFF_OUTCOME_COMPLETED,
                Outcome::Refused => msg::STAFF_OUTCOME_REFUSED,
                Outcome::Failed => msg::STAFF_OUTCOME_FAILED,
                Outcome::Cancelled => msg::STAFF_OUTCOME_CANCELLED,
                Outcome::TimedOut => msg::STAFF_OUTCOME_TIMED_OUT,
            });
            let mut line = ctx.f(
                msg::STAFF_EVENT_SESSION_END,
                &[
                    ("kind", Arg::from(&kind_label(ctx, kind))),
                    ("outcome", outcome.into()),
                ],
            );
            if let Some(reason) = reason {
                line.push_str(&format!(" · {}", reason_label(ctx, Some(*reason))));
            }
            if let Some(card) = card {
                line.push_str(&format!(
                    " · {} {}",
                    ctx.t(msg::STAFF_EVENT_CARD),
                    card.as_str()
                ));
            }
            line
        }
        AuditEvent::ReaderLost => ctx.t(msg::STAFF_EVENT_READER_LOST).to_string(),
        AuditEvent::ReaderBack => ctx.t(msg::STAFF_EVENT_READER_BACK).to_string(),
        AuditEvent::StaffEntry => ctx.t(msg::STAFF_EVENT_STAFF_ENTRY).to_string(),
        AuditEvent::StaffExit { idle: true } => ctx.t(msg::STAFF_EVENT_STAFF_EXIT_IDLE).to_string(),
        AuditEvent::StaffExit { idle: false } => ctx.t(msg::STAFF_EVENT_STAFF_EXIT).to_string(),
        AuditEvent::StaffAction { action } => ctx.f(
            msg::STAFF_EVENT_STAFF_ACTION,
            &[("action", action_label(ctx, *action).into())],
        ),
        AuditEvent::PasscodeFailed {
            consecutive,
            locked_seconds,
        } => ctx.f(
            msg::STAFF_EVENT_PASSCODE_FAILED,
            &[
                ("n", (*consecutive).into()),
                ("seconds", (*locked_seconds).into()),
            ],
        ),
    }
}

fn kind_label(ctx: &Ctx, kind: &ResetKind) -> String {
    ctx.t(match kind {
        ResetKind::Signing => msg::STAFF_KIND_SIGNING,
        ResetKind::Auth => msg::STAFF_KIND_AUTH,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;

    fn ctx(language: Language) -> Ctx {
        Ctx {
            language,
            palette: &crate::theme::Palette::STANDARD,
            metrics: crate::theme::Metrics::default(),
            hide_cursor: false,
            low: false,
        }
    }

    fn utc(text: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&chrono::Utc)
    }

    #[test]
    fn staff_see_whether_the_centre_hears_the_kiosk_in_japan_time() {
        let interval = Duration::from_secs(30);
        let now = utc("2026-12-06T03:10:20Z");
        let ja = ctx(Language::Japanese);
        let en = ctx(Language::English);
        let heard = Hearing::Heard {
            at: utc("2026-12-06T03:10:05Z"),
        };
        assert_eq!(
            hearing_text(&ja, heard, interval, now),
            crate::i18n::keep_numbers_together("12:10:05 に確認されました")
        );
        assert_eq!(hearing_text(&en, heard, interval, now), "Yes, at 12:10:05");
        let lost = Hearing::NotHeard {
            since: utc("2026-12-06T02:58:00Z"),
            problem: CentreProblem::Unreachable,
        };
        assert_eq!(
            hearing_text(&ja, lost, interval, now),
            crate::i18n::keep_numbers_together("11:58 から確認されていません（接続できません）")
        );
        assert_eq!(
            hearing_text(&en, lost, interval, now),
            "Not heard since 11:58 (unreachable)"
        );
        // Yesterday in Japan (the UTC date is the same): the day is shown.
        let long_ago = Hearing::NotHeard {
            since: utc("2026-12-05T14:30:00Z"),
            problem: CentreProblem::UnknownKiosk,
        };
        assert_eq!(
            hearing_text(&en, long_ago, interval, now),
            "Not heard since 12/05 23:30 (the centre does not accept this kiosk)"
        );
        // An answer more than three intervals old is not news any more: the beat hangs.
        let stale = Hearing::Heard {
            at: utc("2026-12-06T03:08:00Z"),
        };
        assert_eq!(
            hearing_text(&en, stale, interval, now),
            "Not heard since 12:08 (no answer in time)"
        );
        assert_eq!(
            hearing_text(&ja, Hearing::NotYet, interval, now),
            crate::i18n::keep_numbers_together("まだ確認されていません")
        );
    }
}
