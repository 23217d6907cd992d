//! The centre's handling of requests: `reset_center::server::router` (the real axum routes,
//! called in-process with `tower::ServiceExt::oneshot`) over a `Centre` on a scratch SQLite
//! database with the test PKI, a fixed clock inside service hours, one known kiosk, and open
//! reservations of both kinds for the `normal` test card. Each request carries what the TLS
//! layer of `serve` would attach to it (`reset_center::server::Peer`): the kiosk's verified
//! client certificate, another one, or none. The session-start limit is lifted (the fuzzer
//! starts sessions far faster than any kiosk may).
//!
//! The input is a session of up to 6 requests: route, credentials, and a body that is either
//! the input's bytes as they are or a well-formed JSON body whose fields (certificate from the
//! test cards or from the input, signature, card challenge, new PIN, outcome) the input picks,
//! so the fuzzer reaches past JSON parsing into the centre's decisions. Session ids are the
//! last one the centre handed out in this session, or text from the input. The input may also
//! ask for what only a card could give: a valid holder proof for the last session (signed with
//! the `normal` card's key) and a valid reset receipt for the last command (made with the
//! card's key from the test master key), so sessions reach the reset command and the receipt's
//! judgement.
//!
//! Properties: a request without the kiosk's certificate and credential (either missing or
//! wrong, or another kiosk's certificate, or the kiosk's name on a certificate that is not the
//! registered one) gets `401 {"error":"unknown_kiosk"}`;
//! one with them is never a `500` (nothing breaks inside the centre) and is `200` with the
//! route's response body, or a refusal body whose status matches the refusal (`400`
//! bad_request/invalid_pin, `404` session_unknown, `403` otherwise).
#![no_main]

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{TimeZone, Utc};
use kiosk_fuzz::{Bytes, config_path, scratch_dir};
use libfuzzer_sys::fuzz_target;
use reset_center::pki::PeerCertificate;
use reset_center::server::Peer;
use reset_center::store::KioskCertificate;
use reset_center::{Centre, CentreConfig, ManualClock};
use reset_protocol::api::{self, wire};
use reset_protocol::{Refusal, ResetKind};
use tower::ServiceExt;

const KIOSK: &str = "FUZZ-KIOSK";
/// The certificate the kiosk is registered with (as `kiosk add` would record it).
const KIOSK_CERTIFICATE_SHA256: [u8; 32] = [0x4b; 32];
const KIOSK_CERTIFICATE_SERIAL: &str = "4b4b";

/// What the handshake verified, as `serve` attaches it to each request of a connection.
fn peer(common_name: &str, sha256: [u8; 32]) -> Peer {
    Peer(Some(Arc::new(PeerCertificate {
        common_name: common_name.to_string(),
        serial: KIOSK_CERTIFICATE_SERIAL.to_string(),
        sha256,
    })))
}
/// The centre starts over on a new database this often, so the database stays small.
const RUNS_PER_DATABASE: u32 = 20_000;

struct World {
    runtime: tokio::runtime::Runtime,
    /// The `normal` card's auth and signing keys, and its reset key.
    auth_key: rsa::RsaPrivateKey,
    signing_key: rsa::RsaPrivateKey,
    card_key: card_driver::reset_cryptogram::CardKey,
    dir: tempfile::TempDir,
    config: CentreConfig,
    certificates: Vec<Vec<u8>>,
    router: Router,
    token: String,
    /// `limits.body_kib`: a body over it is refused (`413`) before anything else.
    body_limit: usize,
    runs: u32,
    databases: u32,
}

thread_local! {
    static WORLD: RefCell<Option<World>> = const { RefCell::new(None) };
}

fn open_router(
    config: &mut CentreConfig,
    dir: &std::path::Path,
    n: u32,
    certificates: &[Vec<u8>],
) -> (Router, String) {
    let old = config.database.clone();
    config.database = reset_center::store::Database::Sqlite(dir.join(format!("centre-{n}.sqlite")));
    let reset_center::store::Database::Sqlite(old) = old else {
        unreachable!("the fuzz target runs on SQLite files")
    };
    for suffix in ["", "-wal", "-shm"] {
        let mut path = old.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 3, 0, 0)
        .single()
        .expect("a valid instant");
    let centre = Centre::open(config, Arc::new(ManualClock::new(now))).expect("the centre opens");
    let token = centre
        .add_kiosk(
            KIOSK,
            &KioskCertificate {
                sha256: KIOSK_CERTIFICATE_SHA256,
                serial: KIOSK_CERTIFICATE_SERIAL.to_string(),
            },
        )
        .expect("a kiosk")
        .to_string();
    let auth_certificate = &certificates[0];
    centre
        .reserve_many(&[
            (auth_certificate, ResetKind::Signing, None),
            (auth_certificate, ResetKind::Auth, None),
        ])
        .expect("reservations");
    let limits = reset_center::config::Limits {
        session_starts_per_minute: u32::MAX,
        ..config.limits
    };
    (
        reset_center::server::router(Arc::new(centre), &limits),
        token,
    )
}

fn new_world() -> World {
    let dir = scratch_dir("centre-requests-fuzz");
    let mut config =
        CentreConfig::load(&config_path("reset-center.json")).expect("the test config");
    config.database = reset_center::store::Database::Sqlite(dir.path().join("unused.sqlite"));
    let read = |path: &str| std::fs::read(config_path(path)).expect("a test certificate");
    let certificates = vec![
        read("cards/normal/auth-cert.der"),
        read("cards/normal/signing-cert.der"),
        read("cards/signing-revoked/auth-cert.der"),
        read("cards/untrusted-ca/auth-cert.der"),
        read("cards/auth-expired/auth-cert.der"),
        read("cards/no-signing-cert/auth-cert.der"),
        read("test-pki/auth-ca.der"),
    ];
    let (router, token) = open_router(&mut config, dir.path(), 0, &certificates);
    let body_limit = config.limits.body_bytes;
    let key = |path: &str| {
        use rsa::pkcs8::DecodePrivateKey;
        let pem = std::fs::read_to_string(config_path(path)).expect("a test key");
        rsa::RsaPrivateKey::from_pkcs8_pem(&pem).expect("a PKCS#8 key")
    };
    let master = std::fs::read_to_string(config_path("test-pki/master-key.hex")).expect("master");
    let master: Vec<u8> = (0..master.trim().len() / 2)
        .map(|i| u8::from_str_radix(&master.trim()[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    let card_id = card_driver::reset_cryptogram::CardId::from_auth_certificate(&certificates[0])
        .expect("a card id");
    World {
        auth_key: key("cards/normal/auth-key.pem"),
        signing_key: key("cards/normal/signing-key.pem"),
        card_key: card_driver::reset_cryptogram::CardKey::derive(&master, &card_id),
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime"),
        dir,
        config,
        certificates,
        body_limit,
        router,
        token,
        runs: 0,
        databases: 0,
    }
}

fuzz_target!(|data: &[u8]| {
    WORLD.with_borrow_mut(|world| run(world.get_or_insert_with(new_world), data));
});

fn run(world: &mut World, data: &[u8]) {
    world.runs += 1;
    if world.runs % RUNS_PER_DATABASE == 0 {
        world.databases += 1;
        let (router, token) = open_router(
            &mut world.config,
            world.dir.path(),
            world.databases,
            &world.certificates,
        );
        world.router = router;
        world.token = token;
    }
    let mut input = Bytes(data);
    let mut session: Option<Tracked> = None;
    for _ in 0..6 {
        if input.is_empty() {
            break;
        }
        let request = make_request(&mut input, world, session.as_ref());
        let Some((route, authorised, request, sent)) = request else {
            continue;
        };
        let router = world.router.clone();
        let (status, body) = world.runtime.block_on(async move {
            let response = router.oneshot(request).await.expect("the router answers");
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .expect("a body");
            (status, body)
        });
        if sent.body_length > world.body_limit {
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{route:?}");
            continue;
        }
        match check(route, authorised, status, &body) {
            Some((id, challenge)) => {
                session = Some(Tracked {
                    id,
                    challenge,
                    kind: sent.kind.unwrap_or(ResetKind::Signing),
                    card_challenge: None,
                })
            }
            None if route == Route::ResetCommand && status == StatusCode::OK => {
                if let Some(tracked) = session.as_mut() {
                    tracked.card_challenge = sent.card_challenge;
                }
            }
            None => {}
        }
    }
}

/// The last session the centre handed out in this input, as far as a kiosk knows it.
struct Tracked {
    id: String,
    challenge: Vec<u8>,
    kind: ResetKind,
    /// The card challenge of the last reset command the centre issued for it.
    card_challenge: Option<Vec<u8>>,
}

/// What a request carried that the next ones may need.
#[derive(Default)]
struct Sent {
    kind: Option<ResetKind>,
    card_challenge: Option<Vec<u8>>,
    body_length: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Health,
    Check,
    Begin,
    Prove,
    ResetCommand,
    Complete,
}

fn make_request(
    input: &mut Bytes<'_>,
    world: &World,
    tracked: Option<&Tracked>,
) -> Option<(Route, bool, Request<Body>, Sent)> {
    let session = tracked.map(|t| t.id.as_str());
    let mut sent = Sent::default();
    let choice = input.u8();
    let route = match (choice & 0x3F) % 6 {
        0 => Route::Health,
        1 => Route::Check,
        2 => Route::Begin,
        3 => Route::Prove,
        4 => Route::ResetCommand,
        _ => Route::Complete,
    };
    let credentials = input.u8();
    let raw_body = choice & 0x80 != 0;
    let has_id = matches!(route, Route::Prove | Route::ResetCommand | Route::Complete);
    let id = if !has_id {
        String::new()
    } else if choice & 0x40 != 0 || session.is_none() {
        // An empty segment would be another route (axum's own 404), not a session id.
        let text = String::from_utf8_lossy(input.chunk()).into_owned();
        if text.is_empty() {
            "0".to_string()
        } else {
            text
        }
    } else {
        session.unwrap_or_default().to_string()
    };
    let path = match route {
        Route::Health => "/v1/health".to_string(),
        Route::Check => "/v1/reservations/check".to_string(),
        Route::Begin => "/v1/sessions".to_string(),
        Route::Prove => format!("/v1/sessions/{}/proof", escape(&id)),
        Route::ResetCommand => format!("/v1/sessions/{}/reset-command", escape(&id)),
        Route::Complete => format!("/v1/sessions/{}/complete", escape(&id)),
    };
    let body: Vec<u8> = if raw_body {
        input.chunk().to_vec()
    } else {
        let certificate = |input: &mut Bytes<'_>| {
            let pick = input.u8() as usize;
            if pick < world.certificates.len() * 32 {
                api::to_base64(&world.certificates[pick % world.certificates.len()])
            } else {
                api::to_base64(input.chunk())
            }
        };
        let value = match route {
            Route::Health => serde_json::json!({}),
            Route::Check | Route::Begin => {
                let kind = if input.bool() {
                    ResetKind::Signing
                } else {
                    ResetKind::Auth
                };
                sent.kind = Some(kind);
                serde_json::json!({"kind": kind.as_str(), "auth_certificate": certificate(input)})
            }
            // What the card would sign for the tracked session: the auth key proves a signing
            // reset, the signing key (with its certificate) an auth reset.
            Route::Prove if input.u8() % 4 == 0 && tracked.is_some_and(|t| t.id == id) => {
                let tracked = tracked.expect("checked");
                let digest =
                    api::proof_digest(&api::SessionId(tracked.id.clone()), &tracked.challenge);
                let (key, certificate) = match tracked.kind {
                    ResetKind::Signing => (&world.auth_key, None),
                    ResetKind::Auth => (&world.signing_key, Some(&world.certificates[1])),
                };
                let signature = key
                    .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
                    .expect("a signature");
                match certificate {
                    Some(certificate) => serde_json::json!({
                        "signature": api::to_base64(&signature),
                        "certificate": api::to_base64(certificate),
                    }),
                    None => serde_json::json!({"signature": api::to_base64(&signature)}),
                }
            }
            Route::Prove => {
                let signature = api::to_base64(input.chunk());
                if input.bool() {
                    serde_json::json!({"signature": signature, "certificate": certificate(input)})
                } else {
                    serde_json::json!({"signature": signature})
                }
            }
            Route::ResetCommand => {
                let card_challenge = input.chunk().to_vec();
                let body = serde_json::json!({
                    "card_challenge": api::to_base64(&card_challenge),
                    "new_pin": String::from_utf8_lossy(input.chunk()),
                });
                sent.card_challenge = Some(card_challenge);
                body
            }
            Route::Complete => match input.u8() % 4 {
                0 => serde_json::json!({"outcome": "unchanged"}),
                1 => serde_json::json!({"outcome": "unknown"}),
                // A card's reset receipt: the card's own for the tracked command, or bytes.
                2 => {
                    let made = tracked
                        .filter(|t| t.id == id && input.bool())
                        .and_then(|t| Some((t.kind, t.card_challenge.as_deref()?.try_into().ok()?)))
                        .map(|(kind, challenge)| {
                            use card_driver::reset_cryptogram::{pin_file, receipt};
                            receipt(&world.card_key, &challenge, pin_file(kind.target())).to_vec()
                        });
                    let receipt = made.unwrap_or_else(|| input.chunk().to_vec());
                    serde_json::json!({"outcome": {"receipt": {"receipt": api::to_base64(&receipt)}}})
                }
                _ => serde_json::json!({"outcome": {"card": {"sw": input.u16()}}}),
            },
        };
        serde_json::to_vec(&value).expect("JSON")
    };
    sent.body_length = body.len();
    // Who the request comes from: the TLS layer's verified certificate (or none) and the
    // credential. Only the registered kiosk's own pair gets through.
    let right = format!("Bearer {}", world.token);
    let wrong = format!("Bearer {}x", world.token);
    let (from, authorization, authorised) = match (credentials % 4, credentials & 0x80 != 0) {
        (0, false) => (Peer(None), None, false),
        // The credential without any certificate.
        (0, true) => (Peer(None), Some(right), false),
        // The kiosk's certificate, a wrong credential.
        (1, true) => (peer(KIOSK, KIOSK_CERTIFICATE_SHA256), Some(wrong), false),
        // Another kiosk's certificate with this one's credential.
        (2, true) if credentials & 0x40 == 0 => (
            peer("OTHER-KIOSK", KIOSK_CERTIFICATE_SHA256),
            Some(right),
            false,
        ),
        // The kiosk's name on a certificate that is not the one registered for it.
        (2, true) => (peer(KIOSK, [0x5a; 32]), Some(right), false),
        _ => (peer(KIOSK, KIOSK_CERTIFICATE_SHA256), Some(right), true),
    };
    let mut builder = Request::builder()
        .method(if route == Route::Health {
            "GET"
        } else {
            "POST"
        })
        .uri(path)
        .header("content-type", "application/json")
        .extension(from);
    if let Some(authorization) = authorization {
        builder = builder.header("authorization", authorization);
    }
    Some((
        route,
        authorised,
        builder.body(Body::from(body)).ok()?,
        sent,
    ))
}

/// Percent-encodes everything but unreserved characters, so any text is one path segment.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Checks one answer; returns the session id and challenge a successful begin handed out.
fn check(
    route: Route,
    authorised: bool,
    status: StatusCode,
    body: &[u8],
) -> Option<(String, Vec<u8>)> {
    let text = String::from_utf8_lossy(body);
    if !authorised {
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{route:?}: {text}");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(body).ok(),
            Some(serde_json::json!({"error": "unknown_kiosk"}))
        );
        return None;
    }
    assert_ne!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{route:?}: the centre broke: {text}"
    );
    if status == StatusCode::OK {
        let parses = match route {
            Route::Health => serde_json::from_slice::<wire::HealthResponse>(body).is_ok(),
            Route::Check => serde_json::from_slice::<wire::CheckResponse>(body).is_ok(),
            Route::Begin => {
                let begun: wire::BeginResponse =
                    serde_json::from_slice(body).unwrap_or_else(|e| panic!("{text}: {e}"));
                let challenge = api::from_base64(&begun.challenge).expect("base64");
                assert_eq!(challenge.len(), api::CENTRE_CHALLENGE_LENGTH);
                return Some((begun.session.0, challenge));
            }
            Route::Prove => serde_json::from_slice::<serde_json::Value>(body).is_ok(),
            Route::ResetCommand => {
                serde_json::from_slice::<wire::ResetCommandResponse>(body).is_ok()
            }
            Route::Complete => serde_json::from_slice::<wire::CompleteResponse>(body).is_ok(),
        };
        assert!(parses, "{route:?}: 200 with {text}");
        return None;
    }
    let refusal: wire::RefusalBody = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{route:?}: {status} without a refusal body ({e}): {text}"));
    let expected = match refusal.refusal {
        Refusal::BadRequest | Refusal::InvalidPin => StatusCode::BAD_REQUEST,
        Refusal::SessionUnknown => StatusCode::NOT_FOUND,
        _ => StatusCode::FORBIDDEN,
    };
    assert_eq!(status, expected, "{route:?}: {text}");
    None
}
