//! Maintenance mode and the audit log, through the app's own state machine and views: the way
//! in (gesture + passcode, refused with a card or a customer), the lockout, the
//! out-of-service switch across restarts, idle logout, and what the log holds after real
//! customer sessions (no PIN, no certificate, no name).

mod common;

use std::time::Duration;

use common::{Kiosk, workspace};
use kiosk_app::app::{Message, STAFF_HOLD};
use kiosk_app::i18n::Language;
use kiosk_core::audit::{self, CardTag, Event, Outcome, Reason, StaffAction};

/// The demo configuration's staff passcode (README).
const PASSCODE: &str = "246810";

impl Kiosk {
    /// The hidden gesture: the header's title held for the hold time.
    fn hold_corner(&mut self) {
        self.send(Message::Corner(true));
        std::thread::sleep(STAFF_HOLD + Duration::from_millis(100));
        self.send(Message::Corner(false));
    }

    fn enter_staff(&mut self) {
        self.hold_corner();
        assert_eq!(self.screen(), "staff_login");
        self.type_keys(PASSCODE);
        self.tap("確定");
        assert_eq!(self.screen(), "staff_health");
    }

    /// Every record of the kiosk's audit log.
    fn audit(&self) -> Vec<Event> {
        let (records, _) = audit::read_all(&self.state.path().join("audit")).expect("audit log");
        records.into_iter().map(|record| record.event).collect()
    }
}

fn locked_notice(seconds: u64) -> String {
    format!("続けて間違えたため、ロックしています。あと {seconds} 秒お待ちください。")
}

/// Whether the lock notice shows a count of `seconds` or a little less (the count runs down
/// while the test restarts the kiosk and holds the corner).
fn shows_lock(kiosk: &Kiosk, seconds: u64) -> bool {
    (seconds - 15..=seconds).any(|left| kiosk.shows(&locked_notice(left)))
}

#[test]
fn the_gesture_alone_never_enters_and_the_passcode_is_needed() {
    let mut kiosk = Kiosk::demo();
    kiosk.send(Message::Corner(true));
    kiosk.send(Message::Corner(false));
    assert_eq!(kiosk.screen(), "top", "a short press does nothing");

    kiosk.hold_corner();
    assert_eq!(
        kiosk.screen(),
        "staff_login",
        "the gesture opens the passcode only"
    );
    kiosk.snapshot("staff-login");
    kiosk.type_keys("12345");
    assert!(!kiosk.taps("確定"), "five digits cannot be sent");
    kiosk.type_keys("6");
    kiosk.tap("確定");
    assert_eq!(kiosk.screen(), "staff_login");
    assert!(kiosk.shows("パスコードが違います。"));
    kiosk.type_keys(PASSCODE);
    kiosk.tap("確定");
    assert_eq!(kiosk.screen(), "staff_health");
    for line in [
        "接続されています",
        "置かれていません",
        "稼働中",
        "接続できます",
        "DEMO-STORE-0001",
    ] {
        assert!(kiosk.shows(line), "health shows {line:?}");
    }
    kiosk.tap("読取機テスト");
    kiosk.tap("テストを実行");
    assert!(kiosk.shows("カードが置かれていません"));
    kiosk.place("normal");
    assert_eq!(
        kiosk.screen(),
        "staff_self_test",
        "staff may place a test card"
    );
    kiosk.tap("テストを実行");
    assert!(
        kiosk.shows("選択できました"),
        "JPKI-AP selected on the card"
    );
    kiosk.snapshot("staff-self-test");
    kiosk.tap("保守モードを終了");
    assert_eq!(
        kiosk.screen(),
        "remove_card",
        "the test card comes back first"
    );
    kiosk.pull();
    assert_eq!(kiosk.screen(), "top");

    let events = kiosk.audit();
    assert!(events.contains(&Event::StaffEntry));
    assert!(events.contains(&Event::StaffExit { idle: false }));
    assert!(events.contains(&Event::PasscodeFailed {
        consecutive: 1,
        locked_seconds: 0
    }));
}

#[test]
fn entry_is_refused_with_a_card_on_the_reader() {
    let mut kiosk = Kiosk::demo();
    kiosk.place("normal");
    assert_eq!(kiosk.screen(), "remove_card");
    kiosk.hold_corner();
    assert_eq!(kiosk.screen(), "remove_card");
    kiosk.pull();

    // A card placed while the passcode is typed ends the attempt.
    kiosk.hold_corner();
    kiosk.type_keys("2468");
    kiosk.place("normal");
    assert_eq!(kiosk.screen(), "remove_card");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "top");
    assert!(!kiosk.audit().contains(&Event::StaffEntry));
}

#[test]
fn entry_is_refused_during_a_customer_session() {
    let mut kiosk = Kiosk::demo();
    kiosk.tap("行政サービス");
    kiosk.tap("マイナンバーカードのパスワード再設定");
    kiosk.tap("署名用パスワードの初期化・再設定");
    kiosk.hold_corner();
    assert_eq!(kiosk.screen(), "consent");
    kiosk.tap("同意する");
    kiosk.hold_corner();
    assert_eq!(kiosk.screen(), "insert_card");
}

#[test]
fn wrong_passcodes_lock_entry_longer_each_time_even_across_restarts() {
    let mut kiosk = Kiosk::demo();
    kiosk.hold_corner();
    for _ in 0..2 {
        kiosk.type_keys("111111");
        kiosk.tap("確定");
        assert!(
            kiosk.shows("パスコードが違います。"),
            "no lock for the first two"
        );
    }
    kiosk.type_keys("111111");
    kiosk.tap("確定");
    assert!(shows_lock(&kiosk, 30), "the third locks for 30 s");
    kiosk.type_keys(PASSCODE);
    assert!(
        !kiosk.taps("確定"),
        "not even the right passcode is tried while locked"
    );

    let mut kiosk = Kiosk::restarted(kiosk);
    kiosk.hold_corner();
    assert!(shows_lock(&kiosk, 30), "a restart keeps the lock");

    // Thirty seconds later (the lock's end moved into the past), the next wrong one locks
    // twice as long.
    let path = kiosk.state.path().join("staff-lockout.json");
    let text = std::fs::read_to_string(&path).expect("lockout file");
    let mut state: serde_json::Value = serde_json::from_str(&text).expect("json");
    state["locked_until"] = serde_json::json!(1);
    std::fs::write(&path, state.to_string()).expect("write");
    let mut kiosk = Kiosk::restarted(kiosk);
    kiosk.hold_corner();
    kiosk.type_keys("222222");
    kiosk.tap("確定");
    assert!(shows_lock(&kiosk, 60), "the fourth locks for 60 s");

    let failures: Vec<(u32, u64)> = kiosk
        .audit()
        .into_iter()
        .filter_map(|event| match event {
            Event::PasscodeFailed {
                consecutive,
                locked_seconds,
            } => Some((consecutive, locked_seconds)),
            _ => None,
        })
        .collect();
    assert_eq!(failures, vec![(1, 0), (2, 0), (3, 30), (4, 60)]);
}

#[test]
fn out_of_service_survives_a_restart_and_blocks_customers() {
    let mut kiosk = Kiosk::demo();
    kiosk.enter_staff();
    kiosk.tap("休止にする");
    assert!(kiosk.shows("休止中（係員が設定）"));
    assert!(kiosk.shows("再開する"));
    kiosk.tap("保守モードを終了");
    assert_eq!(kiosk.screen(), "out_of_service");
    assert!(!kiosk.shows("行政サービス"));

    let mut kiosk = Kiosk::restarted(kiosk);
    assert_eq!(kiosk.screen(), "out_of_service", "still out of service");
    assert!(!kiosk.taps("行政サービス"));
    kiosk.enter_staff();
    kiosk.tap("再開する");
    kiosk.tap("保守モードを終了");
    assert_eq!(kiosk.screen(), "top");
    kiosk.tap("行政サービス");
    assert_eq!(kiosk.screen(), "services", "customers are served again");

    let actions: Vec<Event> = kiosk
        .audit()
        .into_iter()
        .filter(|event| matches!(event, Event::StaffAction { .. }))
        .collect();
    assert_eq!(
        actions,
        vec![
            Event::StaffAction {
                action: StaffAction::OutOfService
            },
            Event::StaffAction {
                action: StaffAction::BackInService
            },
        ]
    );
}

#[test]
fn maintenance_ends_by_itself_after_five_idle_minutes() {
    let mut kiosk = Kiosk::demo();
    kiosk.enter_staff();
    kiosk.tap("件数");
    kiosk.idle(4 * 60);
    assert_eq!(
        kiosk.screen(),
        "staff_counters",
        "four minutes are not enough"
    );
    kiosk.idle(5 * 60 + 1);
    assert_eq!(kiosk.screen(), "top");
    assert!(kiosk.audit().contains(&Event::StaffExit { idle: true }));
}

/// The bytes of a certificate that must never reach a log: the DER itself (and its hex and
/// base64 prefixes), its serial number and the names in its subject.
fn certificate_traces(path: &std::path::Path) -> Vec<Vec<u8>> {
    use base64::Engine;
    use x509_parser::prelude::{FromDer, X509Certificate};
    let der = std::fs::read(path).expect("certificate");
    let (_, certificate) = X509Certificate::from_der(&der).expect("parses");
    let mut traces = vec![
        der[..32].to_vec(),
        hex::encode(&der[..32]).into_bytes(),
        hex::encode_upper(&der[..32]).into_bytes(),
        base64::engine::general_purpose::STANDARD
            .encode(&der[..30])
            .into_bytes(),
        hex::encode(certificate.raw_serial()).into_bytes(),
        hex::encode_upper(certificate.raw_serial()).into_bytes(),
    ];
    for attribute in certificate.subject().iter_attributes() {
        if let Ok(value) = attribute.as_str()
            && value.len() > 3
        {
            traces.push(value.as_bytes().to_vec());
        }
    }
    traces
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[test]
fn the_log_of_real_sessions_holds_no_pin_certificate_or_name_and_counts_them() {
    let mut kiosk = Kiosk::demo();
    // A signing reset with a wrong auth PIN first.
    kiosk.walk_to_pin_screen("normal");
    kiosk.type_keys("9876");
    kiosk.tap("確定");
    kiosk.type_keys("1234");
    kiosk.tap("確定");
    kiosk.type_keys("ZQ7XW5KT");
    kiosk.tap("次へ");
    kiosk.type_keys("ZQ7XW5KT");
    kiosk.tap("設定する");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "done");
    kiosk.tap("終了");
    // An auth reset of the same card with a wrong signing password first.
    kiosk.walk_to_signing_password_screen("normal");
    kiosk.type_keys("WRONG9");
    kiosk.tap("確定");
    kiosk.type_keys("ZQ7XW5KT");
    kiosk.tap("確定");
    kiosk.type_keys("8023");
    kiosk.tap("次へ");
    kiosk.type_keys("8023");
    kiosk.tap("設定する");
    kiosk.pull();
    kiosk.tap("終了");
    // A refusal: no reservation.
    kiosk.walk_to_pin_screen("no-reservation");
    kiosk.pull();
    kiosk.tap("終了");

    // Staff see the counters move.
    kiosk.enter_staff();
    kiosk.tap("件数");
    assert!(kiosk.shows("今日 2 件 / 累計 2 件"), "two resets completed");
    assert!(kiosk.shows("受付不可：予約なし"));
    kiosk.snapshot("staff-counters");
    kiosk.tap("最近の記録");
    assert!(kiosk.shows("係員が保守モードに入りました"));

    // Every file the kiosk wrote: no PIN typed in this run, no certificate, no name.
    let pins: [&[u8]; 5] = [b"9876", b"1234", b"ZQ7XW5KT", b"WRONG9", b"8023"];
    let mut traces = certificate_traces(&workspace().join("config/cards/normal/auth-cert.der"));
    traces.extend(certificate_traces(
        &workspace().join("config/cards/normal/signing-cert.der"),
    ));
    let mut files = 0;
    for entry in walk(kiosk.state.path()) {
        let bytes = std::fs::read(&entry).expect("readable");
        files += 1;
        // The keyed card tags are 8 random-looking hex digits: they are taken out first so that
        // one of them happening to contain "1234" is not mistaken for a PIN.
        let text = String::from_utf8_lossy(&bytes);
        let without_tags = strip_card_tags(&text);
        for pin in pins {
            assert!(
                !contains(without_tags.as_bytes(), pin),
                "{} holds a PIN typed in this run",
                entry.display()
            );
        }
        for trace in &traces {
            assert!(
                !contains(&bytes, trace),
                "{} holds certificate bytes or a name",
                entry.display()
            );
        }
    }
    assert!(
        files >= 3,
        "the log, the lockout and the key were looked at"
    );

    // The sessions as the log has them: the same card, tagged the same way both times.
    let ends: Vec<(Outcome, Option<Reason>, Option<CardTag>)> = kiosk
        .audit()
        .into_iter()
        .filter_map(|event| match event {
            Event::SessionEnd {
                outcome,
                reason,
                card,
                ..
            } => Some((outcome, reason, card)),
            _ => None,
        })
        .collect();
    assert_eq!(ends.len(), 3);
    assert_eq!(ends[0].0, Outcome::Completed);
    assert_eq!(ends[1].0, Outcome::Completed);
    assert_eq!(
        (ends[2].0, ends[2].1),
        (
            Outcome::Refused,
            Some(Reason::Refused(reset_protocol::Refusal::NoReservation))
        )
    );
    assert!(
        ends[0].2.is_some() && ends[0].2 == ends[1].2,
        "one card, one tag"
    );
    assert_ne!(ends[0].2, ends[2].2, "another card, another tag");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn strip_card_tags(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\"card\":\"") {
        let value = at + "\"card\":\"".len();
        out.push_str(&rest[..value]);
        rest = rest[value..].get(8..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

#[test]
fn staff_see_whether_the_centre_hears_the_kiosk_and_the_status_follows_the_kiosk() {
    use kiosk_core::status::CentreProblem;
    use reset_protocol::{ErrorClass, OutOfService, ReaderState};

    let mut kiosk = Kiosk::demo();
    let status = kiosk.app.status().clone();
    let snapshot = status.snapshot();
    assert_eq!(
        snapshot.reader,
        ReaderState::Ready,
        "the worker reports into it"
    );
    assert_eq!(snapshot.out_of_service(), None);

    // A refused session: its class, never its detail.
    kiosk.walk_to_pin_screen("no-reservation");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "error");
    assert_eq!(status.snapshot().last_error, Some(ErrorClass::Refused));
    kiosk.tap("終了");

    kiosk.enter_staff();
    assert!(kiosk.shows("まだ確認されていません"), "no heartbeat yet");
    let japan = chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00");
    let heard = chrono::Utc::now();
    status.heartbeat_result(Ok(false), heard);
    let at = heard.with_timezone(&japan).format("%H:%M:%S");
    assert!(
        kiosk.shows(&format!("{at} に確認されました")),
        "the last answer, Japan time"
    );
    let failed = heard + chrono::Duration::seconds(30);
    status.heartbeat_result(Err(CentreProblem::Unreachable), failed);
    let since = heard.with_timezone(&japan).format("%H:%M");
    assert!(kiosk.shows(&format!("{since} から確認されていません（接続できません）")));
    kiosk.send(Message::Language(Language::English));
    assert!(kiosk.shows(&format!("Not heard since {since} (unreachable)")));
    kiosk.send(Message::Language(Language::Japanese));

    // The staff's switch goes into the status the heartbeat reports.
    kiosk.tap("休止にする");
    assert_eq!(
        status.snapshot().out_of_service(),
        Some(OutOfService::StaffSet)
    );
    kiosk.tap("再開する");
    assert_eq!(status.snapshot().out_of_service(), None);
}
