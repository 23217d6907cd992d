//! Maintenance mode, for store staff: health, reader self-test, counters, recent audit events,
//! the out-of-service switch and the way out. Nothing here shows a holder's data: the audit
//! log holds none, and the self-test reads no file and asks no PIN.

use std::time::Duration;

use iced::widget::{Column, column, container, row, scrollable, text};
use iced::{Alignment, Element, Length};

use crate::theme::{self, Tone, colour};
use crate::widget::{Ctx, footer, notice, text_button};
use kiosk_core::audit::{Counters, Event as AuditEvent, Outcome, Record, Tally};
use kiosk_core::config::Config;
use kiosk_core::diagnostics::{CardCheck, Health, SelfTest};

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

    fn label_id(self) -> &'static str {
        match self {
            Page::Health => "staff.page.health",
            Page::SelfTest => "staff.page.self_test",
            Page::Counters => "staff.page.counters",
            Page::Events => "staff.page.events",
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

/// What staff are looking at, with what the worker and the log reported for it.
#[derive(Debug)]
pub struct Staff {
    pub page: Page,
    pub health: Option<Health>,
    pub self_test: SelfTestState,
    pub counters: Option<Result<Counters, String>>,
    pub events: Option<Result<Vec<Record>, String>>,
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
            "staff.back_in_service"
        } else {
            "staff.out_of_service"
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
                ctx.t("staff.exit"),
                Tone::Primary,
                Some(Message::Exit),
                Length::Fixed(m.px(460.0)),
            )],
        )
    }

    fn health_view<'a>(&self, ctx: &Ctx, facts: &Facts<'_>) -> Element<'a, Message> {
        let yes_no = |ok: bool, yes: &str, no: &str| ctx.t(if ok { yes } else { no }).to_string();
        let pcsc = match &self.health {
            None => ctx.t("staff.checking").to_string(),
            Some(Health {
                readers: Ok(readers),
                ..
            }) => ctx.f(
                "staff.health.pcsc_ok",
                &[
                    ("n", &readers.len().to_string()),
                    ("names", &readers.join(", ")),
                ],
            ),
            Some(Health {
                readers: Err(error),
                ..
            }) => ctx.f("staff.health.pcsc_error", &[("error", error)]),
        };
        let centre = match &self.health {
            None => ctx.t("staff.checking").to_string(),
            Some(Health {
                centre: Ok(false), ..
            }) => ctx.t("staff.health.centre_ok").to_string(),
            Some(Health {
                centre: Ok(true), ..
            }) => ctx.t("staff.health.centre_maintenance").to_string(),
            Some(Health {
                centre: Err(error), ..
            }) => ctx.f("staff.health.centre_error", &[("error", error)]),
        };
        let service = match (facts.audit_broken, facts.out_of_service) {
            (Some(error), _) => ctx.f("staff.health.audit_broken", &[("error", error)]),
            (None, true) => ctx.t("staff.health.out_of_service").to_string(),
            (None, false) => ctx.t("staff.health.in_service").to_string(),
        };
        let minutes = facts.uptime.as_secs() / 60;
        let uptime = ctx.f(
            "staff.health.uptime_value",
            &[
                ("h", &(minutes / 60).to_string()),
                ("m", &(minutes % 60).to_string()),
            ],
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
                "staff.health.reader",
                yes_no(
                    facts.reader_ok,
                    "staff.health.present",
                    "staff.health.absent",
                ),
            ),
            (
                "staff.health.card",
                yes_no(
                    facts.card_present,
                    "staff.health.card_on",
                    "staff.health.card_off",
                ),
            ),
            ("staff.health.pcsc", pcsc),
            ("staff.health.centre", centre),
            ("staff.health.service", service),
            ("staff.health.store", facts.config.store_id.clone()),
            ("staff.health.software", build()),
            ("staff.health.uptime", uptime),
            ("staff.health.config", config),
        ];
        table(
            ctx,
            rows.iter()
                .map(|(label, value)| (ctx.t(label).to_string(), value.clone())),
        )
    }

    fn self_test_view<'a>(&self, ctx: &Ctx) -> Element<'a, Message> {
        let m = ctx.metrics;
        let run = text_button(
            ctx,
            ctx.t("staff.self_test.run"),
            Tone::Primary,
            (!matches!(self.self_test, SelfTestState::Running)).then_some(Message::RunSelfTest),
            Length::Fixed(m.px(460.0)),
        );
        let mut page =
            column![text(ctx.t("staff.self_test.note")).size(m.small()), run].spacing(m.spacing());
        match &self.self_test {
            SelfTestState::NotRun => {}
            SelfTestState::Running => {
                page = page.push(text(ctx.t("staff.checking")).size(m.body()))
            }
            SelfTestState::Done(report) => page = page.push(self_test_report(ctx, report)),
        }
        page.into()
    }

    fn counters_view<'a>(&self, ctx: &Ctx) -> Element<'a, Message> {
        let counters = match &self.counters {
            None => return text(ctx.t("staff.checking")).into(),
            Some(Err(error)) => return notice(ctx, error.clone(), true),
            Some(Ok(counters)) => counters,
        };
        let tally = |t: &Tally| {
            ctx.f(
                "staff.counters.tally",
                &[
                    ("today", &t.today.to_string()),
                    ("total", &t.total.to_string()),
                ],
            )
        };
        let mut rows = vec![
            (
                ctx.t("staff.counters.sessions").to_string(),
                tally(&counters.sessions),
            ),
            (
                ctx.t("staff.counters.completed").to_string(),
                tally(&counters.completed),
            ),
            (
                ctx.t("staff.counters.cancelled").to_string(),
                tally(&counters.cancelled),
            ),
            (
                ctx.t("staff.counters.timed_out").to_string(),
                tally(&counters.timed_out),
            ),
        ];
        for (reason, count) in &counters.refusals {
            rows.push((
                ctx.f(
                    "staff.counters.refused",
                    &[("reason", &reason_label(ctx, reason))],
                ),
                tally(count),
            ));
        }
        for (reason, count) in &counters.errors {
            rows.push((
                ctx.f(
                    "staff.counters.error",
                    &[("reason", &reason_label(ctx, reason))],
                ),
                tally(count),
            ));
        }
        rows.push((
            ctx.t("staff.counters.passcode_failures").to_string(),
            tally(&counters.passcode_failures),
        ));
        let m = ctx.metrics;
        column![
            text(ctx.t("staff.counters.note"))
                .size(m.small())
                .color(colour::MUTED),
            table(ctx, rows)
        ]
        .spacing(m.spacing())
        .into()
    }

    fn events_view<'a>(&self, ctx: &Ctx) -> Element<'a, Message> {
        let records = match &self.events {
            None => return text(ctx.t("staff.checking")).into(),
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
        Ok(readers) if readers.is_empty() => ctx.t("staff.self_test.no_readers").to_string(),
        Ok(readers) => readers.join("\n"),
        Err(error) => ctx.f("staff.health.pcsc_error", &[("error", error)]),
    };
    let tested = report
        .reader
        .clone()
        .unwrap_or_else(|| ctx.t("staff.self_test.no_reader").to_string());
    let (atr, jpki) = match &report.card {
        CardCheck::NoCard => (ctx.t("staff.self_test.no_card").to_string(), String::new()),
        CardCheck::Answered { atr, jpki } => (
            atr.clone(),
            match jpki {
                Ok(()) => ctx.t("staff.self_test.jpki_ok").to_string(),
                Err(error) => ctx.f("staff.self_test.jpki_error", &[("error", error)]),
            },
        ),
        CardCheck::Failed(error) => (
            ctx.f("staff.self_test.card_error", &[("error", error)]),
            String::new(),
        ),
    };
    table(
        ctx,
        [
            (ctx.t("staff.self_test.readers").to_string(), readers),
            (ctx.t("staff.self_test.reader").to_string(), tested),
            (ctx.t("staff.self_test.atr").to_string(), atr),
            (ctx.t("staff.self_test.jpki").to_string(), jpki),
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

/// An audit reason shown in the staff's language (the identifier if it has no label).
fn reason_label(ctx: &Ctx, reason: &str) -> String {
    crate::i18n::lookup(ctx.language, &format!("staff.reason.{reason}"))
        .map_or_else(|| reason.to_string(), str::to_string)
}

fn event_text(ctx: &Ctx, event: &AuditEvent) -> String {
    match event {
        AuditEvent::Started { version } => ctx.f("staff.event.started", &[("version", version)]),
        AuditEvent::SessionStart { kind } => ctx.f(
            "staff.event.session_start",
            &[("kind", &kind_label(ctx, kind))],
        ),
        AuditEvent::SessionEnd {
            kind,
            outcome,
            reason,
            card,
        } => {
            let outcome = ctx.t(match outcome {
                Outcome::Completed => "staff.outcome.completed",
                Outcome::Refused => "staff.outcome.refused",
                Outcome::Failed => "staff.outcome.failed",
                Outcome::Cancelled => "staff.outcome.cancelled",
                Outcome::TimedOut => "staff.outcome.timed_out",
            });
            let mut line = ctx.f(
                "staff.event.session_end",
                &[("kind", &kind_label(ctx, kind)), ("outcome", outcome)],
            );
            if let Some(reason) = reason {
                line.push_str(&format!(" · {}", reason_label(ctx, reason)));
            }
            if let Some(card) = card {
                line.push_str(&format!(" · {} {card}", ctx.t("staff.event.card")));
            }
            line
        }
        AuditEvent::ReaderLost => ctx.t("staff.event.reader_lost").to_string(),
        AuditEvent::ReaderBack => ctx.t("staff.event.reader_back").to_string(),
        AuditEvent::StaffEntry => ctx.t("staff.event.staff_entry").to_string(),
        AuditEvent::StaffExit { idle: true } => ctx.t("staff.event.staff_exit_idle").to_string(),
        AuditEvent::StaffExit { idle: false } => ctx.t("staff.event.staff_exit").to_string(),
        AuditEvent::StaffAction { action } => ctx.f(
            "staff.event.staff_action",
            &[("action", &reason_label(ctx, action))],
        ),
        AuditEvent::PasscodeFailed {
            consecutive,
            locked_seconds,
        } => ctx.f(
            "staff.event.passcode_failed",
            &[
                ("n", &consecutive.to_string()),
                ("seconds", &locked_seconds.to_string()),
            ],
        ),
    }
}

fn kind_label(ctx: &Ctx, kind: &str) -> String {
    match kind {
        "signing" => ctx.t("staff.kind.signing").to_string(),
        "auth" => ctx.t("staff.kind.auth").to_string(),
        other => other.to_string(),
    }
}
