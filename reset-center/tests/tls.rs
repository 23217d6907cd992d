//! The link's mutual TLS and the server's limits (docs/tls.md), through real sockets against
//! the real `reset-center serve`: each test starts its own server on its own site (link PKI from
//! `tls init`, configuration, database; `common::server`), killed when the test ends, passed or
//! not. HTTP is written by hand over bare rustls connections where the kiosk's client would hide
//! what the server did.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use card_driver::apdu::StatusWord;
use card_driver::pin::Pin;
use common::server::{
    BINARY, Kiosk, Server, Site, client_config, exchange, one_request, read_message, read_response,
    request, tls_connect, wait_exit,
};
use common::*;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use reset_center::store::KioskCertificate;
use reset_protocol::api::{proof_digest, to_base64};
use reset_protocol::client::ClientTls;
use reset_protocol::{CentreError, HttpCentre, Outcome, Refusal, ReservationState, ResetCentre};
use reset_protocol::{ResetKind, SessionId};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

/// `GET /v1/health` with the kiosk's credential.
fn health(kiosk: &Kiosk) -> Vec<u8> {
    request("GET", "/v1/health", Some(&kiosk.credential), "")
}

/// A body for `POST /v1/reservations/check` or `POST /v1/sessions`.
fn certificate_body(card: &str) -> String {
    serde_json::json!({
        "kind": "signing",
        "auth_certificate": to_base64(&auth_certificate(card)),
    })
    .to_string()
}

/// A connection made with `config` gets no HTTP answer to `request`: the handshake, or the first
/// read after it (TLS 1.3: the server judges the client's certificate after the client has
/// finished), fails. Returns the error.
fn no_answer(server: &Server, config: &Arc<rustls::ClientConfig>, request: &[u8]) -> String {
    match one_request(&server.address, config, request) {
        Ok(response) => panic!(
            "answered {}: {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        ),
        Err(error) => error.to_string(),
    }
}

/// Writes a certificate (chain) and key, PEM, as `DIR/NAME.crt` and `DIR/NAME.key`; the kiosk
/// that presents them with `credential`.
fn identity(dir: &Path, name: &str, certificate: &str, key: &str, credential: &str) -> Kiosk {
    std::fs::create_dir_all(dir).expect("dir");
    let kiosk = Kiosk {
        id: name.to_string(),
        certificate: dir.join(format!("{name}.crt")),
        key: dir.join(format!("{name}.key")),
        credential: credential.to_string(),
    };
    std::fs::write(&kiosk.certificate, certificate).expect("certificate");
    std::fs::write(&kiosk.key, key).expect("key");
    kiosk
}

/// A CA of somebody else's, under the very names the site's own CAs have.
fn foreign_ca(common_name: &str) -> (rcgen::Certificate, KeyPair) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "My Number kiosk reset stand-in");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let certificate = params.self_signed(&key).expect("CA certificate");
    (certificate, key)
}

/// A certificate from `ca` named `common_name`, valid for `hosts`, for `usage`.
fn foreign_leaf(
    ca: &rcgen::Certificate,
    ca_key: &KeyPair,
    common_name: &str,
    hosts: &[&str],
    usage: ExtendedKeyUsagePurpose,
) -> (rcgen::Certificate, KeyPair) {
    let key = KeyPair::generate().expect("key");
    let mut params =
        CertificateParams::new(hosts.iter().map(|h| h.to_string()).collect::<Vec<_>>())
            .expect("names");
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.extended_key_usages = vec![usage];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    let certificate = params.signed_by(&key, ca, ca_key).expect("certificate");
    (certificate, key)
}

/// A child process killed when dropped.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Plain HTTP on the HTTPS port: no HTTP answer, at most a TLS alert, and the port serves on.
#[test]
fn plain_http_on_the_tls_port_gets_no_http_answer() {
    let server = Server::start();
    let mut tcp = TcpStream::connect(&server.address).expect("connects");
    tcp.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .expect("sent");
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    let closed = loop {
        match tcp.read(&mut buffer) {
            Ok(0) => break true,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break false;
            }
            // Reset: closed too.
            Err(_) => break true,
        }
    };
    assert!(
        closed,
        "the connection was left open {:?}",
        started.elapsed()
    );
    assert!(
        !received.windows(5).any(|w| w == b"HTTP/"),
        "an HTTP answer: {:?}",
        String::from_utf8_lossy(&received)
    );
    // Nothing but a TLS alert record, if anything.
    assert!(
        received.is_empty() || received[0] == 0x15,
        "not a TLS alert: {received:02x?}"
    );
    // And the server serves TLS as before.
    let answer =
        one_request(&server.address, &server.tls_config(None), HEALTHZ).expect("healthz over TLS");
    assert_eq!(answer.status, 200);
}

/// A TLS client without a certificate completes the handshake but gets only `GET /healthz`;
/// the kiosk's credential without its certificate is nothing.
#[test]
fn without_a_client_certificate_only_healthz_answers() {
    let server = Server::start();
    let kiosk = server.add_kiosk(KIOSK);
    let mut anonymous = server
        .connect(&server.tls_config(None))
        .expect("a handshake without a client certificate");
    let answer = exchange(&mut anonymous, HEALTHZ).expect("healthz");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json(), serde_json::json!({"status": "ok"}));
    // The kiosk's credential alone is nothing: its certificate is its identity.
    let body = certificate_body("normal");
    for request in [
        health(&kiosk),
        request("GET", "/v1/health", None, ""),
        request(
            "POST",
            "/v1/reservations/check",
            Some(&kiosk.credential),
            &body,
        ),
        request("POST", "/v1/sessions", Some(&kiosk.credential), &body),
    ] {
        let answer = exchange(&mut anonymous, &request).expect("an answer");
        assert_eq!(answer.status, 401, "{}", String::from_utf8_lossy(&request));
        assert_eq!(answer.json(), serde_json::json!({"error": "unknown_kiosk"}));
    }
    // The same with the kiosk's certificate.
    let mut kiosk_connection = server.connect(&server.kiosk_tls(&kiosk)).expect("kiosk");
    let answer = exchange(&mut kiosk_connection, &health(&kiosk)).expect("health");
    assert_eq!(answer.status, 200, "{:?}", answer.json());
    assert_eq!(answer.json()["maintenance"], false);
}

/// A client certificate from another CA, for a registered kiosk, fails the handshake.
#[test]
fn a_client_certificate_from_another_ca_fails_the_handshake() {
    let server = Server::start();
    let kiosk = server.add_kiosk(KIOSK);
    // Another CA, under a name of its own or under the kiosk CA's very name (then its
    // signature is what fails), and a certificate from it for the registered kiosk, presented
    // with the kiosk's credential.
    for (ca_name, alert) in [
        ("Another kiosk CA", "UnknownCA"),
        ("Kiosk CA (stand-in)", "DecryptError"),
    ] {
        let (ca, ca_key) = foreign_ca(ca_name);
        let (certificate, key) = foreign_leaf(
            &ca,
            &ca_key,
            KIOSK,
            &[],
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        let impostor = identity(
            &server.path().join(ca_name),
            KIOSK,
            &format!("{}{}", certificate.pem(), ca.pem()),
            &key.serialize_pem(),
            &kiosk.credential,
        );
        let config = server.tls_config(Some((&impostor.certificate, &impostor.key)));
        // Not even the open route: the handshake itself fails.
        for request in [health(&impostor), HEALTHZ.to_vec()] {
            let error = no_answer(&server, &config, &request);
            assert!(error.contains(alert), "{ca_name}: {error}");
        }
        // The kiosk's client with it: unreachable, as for the customer.
        let health = server.http(&impostor).health();
        assert!(
            matches!(health, Err(CentreError::Unreachable(_))),
            "{ca_name}: {health:?}"
        );
    }
    // The real one still gets in.
    assert_eq!(server.http(&kiosk).health(), Ok(false));
}

/// A kiosk certificate from the kiosk CA past its validity fails the handshake, even when it
/// is the one registered for the kiosk.
#[test]
fn an_expired_kiosk_certificate_fails_the_handshake() {
    let server = Server::start();
    let ca = server.kiosk_ca();
    let now = time::OffsetDateTime::now_utc();
    let expired = ca
        .issue_kiosk(
            KIOSK,
            now - time::Duration::days(30),
            now - time::Duration::days(1),
        )
        .expect("issued");
    let current = ca.issue_kiosk_for_days(KIOSK, 1).expect("issued");
    // The expired certificate is even the one registered for the kiosk: only its dates stop it.
    let centre =
        reset_center::Centre::open(&server.centre_config(), Arc::new(reset_center::SystemClock))
            .expect("the site's centre");
    let credential = centre
        .add_kiosk(
            KIOSK,
            &KioskCertificate {
                sha256: expired.sha256,
                serial: expired.serial.clone(),
            },
        )
        .expect("registered");
    let dir = server.path().join("issued");
    let old = identity(
        &dir,
        "expired",
        &expired.certificate_pem,
        &expired.key_pem,
        &credential,
    );
    let config = server.tls_config(Some((&old.certificate, &old.key)));
    let error = no_answer(&server, &config, &health(&old));
    assert!(error.contains("CertificateExpired"), "{error}");
    // Registered with a current certificate, the kiosk gets in.
    let credential = centre
        .add_kiosk(
            KIOSK,
            &KioskCertificate {
                sha256: current.sha256,
                serial: current.serial.clone(),
            },
        )
        .expect("registered");
    let new = identity(
        &dir,
        "current",
        &current.certificate_pem,
        &current.key_pem,
        &credential,
    );
    let config = server.tls_config(Some((&new.certificate, &new.key)));
    let answer = one_request(&server.address, &config, &health(&new)).expect("an answer");
    assert_eq!(answer.status, 200);
}

/// `kiosk remove`: the next request is refused (`401`) at once, even on a connection already
/// verified; once the server has read the new revocation list, the handshake fails.
#[test]
fn a_removed_kiosk_is_refused_at_once_then_at_the_handshake() {
    let server = Site::new(|config| config["tls"]["crl_reload_seconds"] = 1.into()).serve();
    let gone = server.add_kiosk("STORE-A");
    let stays = server.add_kiosk("STORE-B");
    let gone_tls = server.kiosk_tls(&gone);
    let mut held = server.connect(&gone_tls).expect("connects");
    assert_eq!(
        exchange(&mut held, &health(&gone)).expect("health").status,
        200
    );

    server.remove_kiosk("STORE-A");
    let removed = Instant::now();
    // The next request, even on the connection already verified, is refused.
    let answer = exchange(&mut held, &health(&gone)).expect("an answer");
    assert_eq!(answer.status, 401);
    assert_eq!(answer.json(), serde_json::json!({"error": "unknown_kiosk"}));
    assert!(matches!(
        server.http(&gone).health(),
        Err(CentreError::UnknownKiosk) | Err(CentreError::Unreachable(_))
    ));

    // Once the server has read the new list (every second here), the handshake fails.
    let error = loop {
        match one_request(&server.address, &gone_tls, &health(&gone)) {
            Err(error) => break error.to_string(),
            Ok(answer) => {
                assert_eq!(answer.status, 401);
                assert!(
                    removed.elapsed() < Duration::from_secs(6),
                    "the revoked certificate still passes the handshake after {:?}",
                    removed.elapsed()
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    };
    assert!(error.contains("CertificateRevoked"), "{error}");
    let after = removed.elapsed();
    assert!(after < Duration::from_secs(4), "{after:?}");
    // The other kiosk is untouched by the new list.
    let answer = one_request(&server.address, &server.kiosk_tls(&stays), &health(&stays))
        .expect("an answer");
    assert_eq!(answer.status, 200);
    assert_eq!(server.http(&stays).health(), Ok(false));
}

/// A kiosk's id is its certificate's name, but only the certificate registered for it counts.
#[test]
fn only_the_registered_certificate_identifies_a_kiosk() {
    let server = Server::start();
    let first = server.add_kiosk(KIOSK);
    // From the kiosk CA, with the kiosk's name, never registered.
    let issued = server
        .kiosk_ca()
        .issue_kiosk_for_days(KIOSK, 1)
        .expect("issued");
    let twin = identity(
        &server.path().join("twin"),
        KIOSK,
        &issued.certificate_pem,
        &issued.key_pem,
        &first.credential,
    );
    assert_eq!(server.http(&twin).health(), Err(CentreError::UnknownKiosk));
    assert_eq!(server.http(&first).health(), Ok(false));
    // Added again: a new certificate and credential. The old files are moved away first
    // (`kiosk add` never replaces a key).
    let old_dir = server.path().join("old");
    std::fs::rename(server.kiosk_dir(), &old_dir).expect("old files moved away");
    let old = Kiosk {
        certificate: old_dir.join(format!("{KIOSK}.crt")),
        key: old_dir.join(format!("{KIOSK}.key")),
        ..first
    };
    let second = server.add_kiosk(KIOSK);
    assert_ne!(second.credential, old.credential);
    // The old certificate is refused at once (before the server reads the new revocation list),
    // with either credential; the new certificate with the old credential too.
    for (certificate_of, credential_of) in [(&old, &old), (&old, &second), (&second, &old)] {
        let mixed = Kiosk {
            credential: credential_of.credential.clone(),
            ..certificate_of.clone()
        };
        assert_eq!(server.http(&mixed).health(), Err(CentreError::UnknownKiosk));
    }
    assert_eq!(server.http(&second).health(), Ok(false));
}

/// A kiosk cannot prove, get a command for, or complete another kiosk's session, even with
/// the card's valid proof: `404 session_unknown`, and the reservation is untouched.
#[test]
fn a_kiosk_cannot_touch_another_kiosks_session() {
    let server = Server::start();
    let store_a = server.http(&server.add_kiosk("STORE-A"));
    let store_b = server.http(&server.add_kiosk("STORE-B"));
    server.reserve("normal", "signing", None);
    let state = || server.reservations()[0]["state"].clone();

    // B opens a session with the card, and the card signs B's challenge.
    let reader = card("normal");
    let mut jpki = connect(&reader);
    let certificate = reset_protocol::kiosk_side::read_identity(&mut jpki).expect("identity");
    jpki.verify_auth_pin(&auth_pin("1234")).expect("PIN");
    let begun = store_b
        .begin(ResetKind::Signing, &certificate)
        .expect("B begins");
    let digest = proof_digest(&begun.session, &begun.challenge);
    let signature = jpki
        .sign_sha256(ResetKind::Signing.proof(), &digest)
        .expect("signature");

    // A, with B's session id and even the card's valid proof, gets nothing.
    let unknown = Err(CentreError::Refused(Refusal::SessionUnknown));
    assert_eq!(store_a.prove(&begun.session, &signature, None), unknown);
    assert_eq!(
        store_a
            .reset_command(
                &begun.session,
                &[1; 8],
                &Pin::Signing(signing_pin("STOLEN1"))
            )
            .err(),
        Some(CentreError::Refused(Refusal::SessionUnknown))
    );
    // A can neither report B's card as reset (consuming the reservation) nor give it back.
    let a_completes_nothing = || {
        let success = Outcome::Card {
            sw: StatusWord::SUCCESS,
        };
        for outcome in [success, Outcome::Unchanged] {
            assert_eq!(
                store_a.complete(&begun.session, outcome),
                Err(CentreError::Refused(Refusal::SessionUnknown))
            );
        }
    };
    a_completes_nothing();
    // Nor does a session id that was never handed out.
    assert_eq!(
        store_a.complete(&SessionId("0".repeat(32)), Outcome::Unchanged),
        Err(CentreError::Refused(Refusal::SessionUnknown))
    );
    assert_eq!(state(), "open");

    // B's session is as it was: its challenge unused, its proof accepted.
    store_b
        .prove(&begun.session, &signature, None)
        .expect("B proves");
    let challenge = jpki.get_challenge().expect("card challenge");
    store_b
        .reset_command(
            &begun.session,
            &challenge,
            &Pin::Signing(signing_pin("NEWPASS1")),
        )
        .expect("B's command");
    assert_eq!(state(), "pending");
    // Nor once B's command is issued.
    a_completes_nothing();
    assert_eq!(state(), "pending");
    // B's card never got the command: its receipt (it was never reset) gives the
    // reservation back.
    let receipt =
        reset_protocol::kiosk_side::read_receipt(&mut jpki, card_driver::pin::PinKind::Signing)
            .expect("the card gives receipts");
    assert_eq!(
        store_b.complete(&begun.session, receipt),
        Ok(ReservationState::Open)
    );
    assert_eq!(state(), "open");
}

/// A man in the middle: a TLS server of its own on 127.0.0.1 that relays whatever it decrypts
/// to the real centre (without any kiosk's certificate, which it does not have).
struct Mitm {
    address: String,
    accepted: Arc<AtomicUsize>,
    handshakes: Arc<AtomicUsize>,
    decrypted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Mitm {
    fn start(
        config: Arc<rustls::ServerConfig>,
        upstream: String,
        upstream_tls: Arc<rustls::ClientConfig>,
    ) -> Mitm {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let address = listener.local_addr().expect("address").to_string();
        let accepted = Arc::new(AtomicUsize::new(0));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let decrypted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let (accepted, handshakes, decrypted, stop) = (
                accepted.clone(),
                handshakes.clone(),
                decrypted.clone(),
                stop.clone(),
            );
            move || {
                let mut relays = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((tcp, _)) => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                            let (config, upstream, upstream_tls) =
                                (config.clone(), upstream.clone(), upstream_tls.clone());
                            let (handshakes, decrypted) = (handshakes.clone(), decrypted.clone());
                            relays.push(std::thread::spawn(move || {
                                relay(
                                    tcp,
                                    config,
                                    &upstream,
                                    &upstream_tls,
                                    &handshakes,
                                    &decrypted,
                                )
                            }));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
                for relay in relays {
                    let _ = relay.join();
                }
            }
        });
        Mitm {
            address,
            accepted,
            handshakes,
            decrypted,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("https://{}", self.address)
    }
}

impl Drop for Mitm {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One intercepted connection: the handshake with the victim, then every request it decrypts
/// sent on to the centre and the centre's answer back.
fn relay(
    mut tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    upstream: &str,
    upstream_tls: &Arc<rustls::ClientConfig>,
    handshakes: &AtomicUsize,
    decrypted: &AtomicUsize,
) {
    let _ = tcp.set_nonblocking(false);
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(mut connection) = rustls::ServerConnection::new(config) else {
        return;
    };
    while connection.is_handshaking() {
        if connection.complete_io(&mut tcp).is_err() {
            return;
        }
    }
    handshakes.fetch_add(1, Ordering::SeqCst);
    let mut victim = rustls::StreamOwned::new(connection, tcp);
    let mut centre = None;
    loop {
        // A whole request (head and body may come in separate records), as it was sent.
        let Ok((head, body)) = read_message(&mut victim) else {
            return;
        };
        let request = [head.as_bytes(), &body].concat();
        decrypted.fetch_add(request.len(), Ordering::SeqCst);
        if centre.is_none() {
            centre = tls_connect(upstream, upstream_tls).ok();
        }
        let Some(centre) = centre.as_mut() else {
            return;
        };
        if centre.write_all(&request).is_err() {
            return;
        }
        // A request at a time (the kiosk's are small): the answer goes back whole.
        if let Ok(answer) = read_response(centre) {
            let _ = victim.write_all(answer.head.as_bytes());
            let _ = victim.write_all(&answer.body);
            let _ = victim.flush();
        }
    }
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Arc<rustls::ServerConfig> {
    Arc::new(
        rustls::ServerConfig::builder_with_provider(reset_protocol::client::crypto_provider())
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server config"),
    )
}

/// A man in the middle with a certificate the kiosk does not trust (another CA's for the
/// URL's address, or the centre CA's for another name): the kiosk's call fails as
/// unreachable before anything is sent, and the reservation is untouched.
#[test]
fn a_man_in_the_middle_gets_nothing_and_the_reservation_is_untouched() {
    let server = Server::start();
    let kiosk = server.add_kiosk(KIOSK);
    server.reserve("normal", "signing", None);
    let normal = auth_certificate("normal");

    // Its own CA, under the centre CA's name, and a certificate for 127.0.0.1 from it.
    let (ca, ca_key) = foreign_ca("Reset centre CA (stand-in)");
    let (leaf, leaf_key) = foreign_leaf(
        &ca,
        &ca_key,
        "127.0.0.1",
        &["127.0.0.1", "localhost"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let own = server_config(
        vec![leaf.der().clone(), ca.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    );
    // The centre CA's own key, stolen, but the certificate for another name than the URL's.
    let (chain, key) =
        reset_center::pki::Ca::load(&server.pki("centre-ca.crt"), &server.pki("centre-ca.key"))
            .expect("the centre CA")
            .issue_server(&["centre.example".to_string()])
            .expect("issued");
    let misnamed = server_config(
        CertificateDer::pem_slice_iter(chain.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("PEM"),
        PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("PEM key"),
    );

    for (what, config) in [("own CA", own.clone()), ("other name", misnamed)] {
        let mitm = Mitm::start(config, server.address.clone(), server.tls_config(None));
        let client = server.http_at(&mitm.url(), &kiosk);
        let begun = client.begin(ResetKind::Signing, &normal);
        assert!(
            matches!(begun, Err(CentreError::Unreachable(_))),
            "{what}: {begun:?}"
        );
        let checked = client.check_reservation(ResetKind::Signing, &normal);
        assert!(
            matches!(checked, Err(CentreError::Unreachable(_))),
            "{what}: {checked:?}"
        );
        assert!(mitm.accepted.load(Ordering::SeqCst) >= 1, "{what}");
        assert_eq!(mitm.handshakes.load(Ordering::SeqCst), 0, "{what}");
        assert_eq!(
            mitm.decrypted.load(Ordering::SeqCst),
            0,
            "{what}: the proxy read application data"
        );
    }
    assert_eq!(server.reservations()[0]["state"], "open");

    // The proxy does read what a kiosk that trusted its CA would send (so the zero above is
    // not the counter's): the credential, relayed, is worth nothing without the certificate.
    let ca_file = server.path().join("mitm-ca.crt");
    std::fs::write(&ca_file, ca.pem()).expect("CA file");
    let fooled_tls = ClientTls::from_files(&ca_file, &kiosk.certificate, &kiosk.key).expect("TLS");
    let mitm = Mitm::start(own, server.address.clone(), server.tls_config(None));
    let fooled = HttpCentre::new(
        &mitm.url(),
        KIOSK,
        &kiosk.credential,
        Duration::from_secs(5),
        &fooled_tls,
    )
    .expect("https");
    assert_eq!(
        fooled.begin(ResetKind::Signing, &normal).err(),
        Some(CentreError::UnknownKiosk)
    );
    assert!(mitm.handshakes.load(Ordering::SeqCst) >= 1);
    assert!(mitm.decrypted.load(Ordering::SeqCst) > 0);
    drop(mitm);
    assert_eq!(server.reservations()[0]["state"], "open");

    // Straight to the centre, the same kiosk is served.
    let direct = server.http(&kiosk);
    assert!(
        direct
            .check_reservation(ResetKind::Signing, &normal)
            .is_ok()
    );
}

/// Request headers one byte a second: the connection is closed after `limits.header_seconds`.
#[test]
fn a_client_sending_its_headers_slowly_is_cut_off() {
    let server = Site::new(|config| config["limits"]["header_seconds"] = 2.into()).serve();
    let mut slow = server.connect(&server.tls_config(None)).expect("handshake");
    slow.sock
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let started = Instant::now();
    let mut sent = 0;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    let cut_after = 'sending: loop {
        assert!(sent < HEALTHZ.len(), "the whole request went out, slowly");
        if slow
            .write_all(&HEALTHZ[sent..=sent])
            .and_then(|()| slow.flush())
            .is_err()
        {
            break started.elapsed();
        }
        sent += 1;
        // A second until the next byte, watching for the server closing the connection.
        let byte_sent = Instant::now();
        while byte_sent.elapsed() < Duration::from_secs(1) {
            match slow.read(&mut buffer) {
                Ok(0) => break 'sending started.elapsed(),
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => break 'sending started.elapsed(),
            }
        }
        // Meanwhile others are served.
        if sent == 1 {
            let other = one_request(&server.address, &server.tls_config(None), HEALTHZ);
            assert_eq!(other.expect("healthz").status, 200);
        }
    };
    assert!(
        cut_after < Duration::from_secs(5),
        "cut after {cut_after:?} ({sent} bytes)"
    );
    assert!(
        cut_after >= Duration::from_millis(1500),
        "cut too early to be the header timeout: {cut_after:?}"
    );
    assert!(
        !String::from_utf8_lossy(&answer).contains(" 200 "),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
}

/// A connection that sends nothing, first or after a request, is closed after the header
/// timeout too (the kiosk's client opens a new one), and a body that does not come in time
/// gets `408`.
#[test]
fn idle_connections_and_slow_bodies_are_bounded() {
    let server = Site::new(|config| {
        config["limits"]["header_seconds"] = 2.into();
        config["limits"]["request_seconds"] = 2.into();
    })
    .serve();
    let kiosk = server.add_kiosk(KIOSK);
    let anonymous = server.tls_config(None);
    let mut silent = server.connect(&anonymous).expect("handshake");
    let mut used = server.connect(&anonymous).expect("handshake");
    assert_eq!(exchange(&mut used, HEALTHZ).expect("healthz").status, 200);
    let mut slow_body = server
        .connect(&server.kiosk_tls(&kiosk))
        .expect("handshake");
    let head = format!(
        "POST /v1/reservations/check HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        kiosk.credential
    );
    slow_body.write_all(head.as_bytes()).expect("head");
    slow_body.flush().expect("flush");
    let started = Instant::now();
    let mut buffer = [0u8; 64];
    for (what, connection) in [("silent", &mut silent), ("kept alive", &mut used)] {
        // Reads time out after 5 s: an error of that kind is a connection left open.
        let read = connection.read(&mut buffer);
        assert!(
            matches!(&read, Ok(0))
                || read
                    .as_ref()
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::UnexpectedEof),
            "{what}: {read:?} after {:?}",
            started.elapsed()
        );
    }
    let answer = read_response(&mut slow_body).expect("an answer");
    assert_eq!(answer.status, 408);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1500) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
    // The kiosk's client, idle longer than that between requests, is not disturbed.
    let client = server.http(&kiosk);
    assert_eq!(client.health(), Ok(false));
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(client.health(), Ok(false));
    assert_eq!(
        client.check_reservation(ResetKind::Signing, &auth_certificate("normal")),
        Err(CentreError::Refused(Refusal::NoReservation))
    );
}

/// A `Content-Length` over `limits.body_kib` gets `413` before any of the body is sent, with or
/// without a kiosk's certificate.
#[test]
fn a_declared_body_over_the_limit_is_refused_before_it_is_sent() {
    let server = Server::start();
    let kiosk = server.add_kiosk(KIOSK);
    for config in [server.kiosk_tls(&kiosk), server.tls_config(None)] {
        let mut stream = server.connect(&config).expect("connects");
        let head = format!(
            "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            kiosk.credential,
            1024 * 1024
        );
        stream.write_all(head.as_bytes()).expect("head");
        stream.flush().expect("flush");
        let started = Instant::now();
        // Not one byte of the body: the answer comes anyway (reads time out after 5 s).
        let answer = read_response(&mut stream).expect("an answer without the body");
        assert_eq!(
            answer.status,
            413,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }
    // A body within the limit reaches the route.
    let body = certificate_body("normal");
    let answer = one_request(
        &server.address,
        &server.kiosk_tls(&kiosk),
        &request(
            "POST",
            "/v1/reservations/check",
            Some(&kiosk.credential),
            &body,
        ),
    )
    .expect("an answer");
    assert_eq!(answer.status, 403);
    assert_eq!(answer.json()["refusal"], "no_reservation");
}

/// `limits.session_starts_per_minute`: the next `begin` gets `429` (unreachable, for the
/// kiosk); the kiosk's other routes and other kiosks are not limited.
#[test]
fn session_starts_are_rate_limited_per_kiosk() {
    let server =
        Site::new(|config| config["limits"]["session_starts_per_minute"] = 3.into()).serve();
    let a = server.add_kiosk("STORE-A");
    let b = server.add_kiosk("STORE-B");
    server.reserve("normal", "signing", None);
    let normal = auth_certificate("normal");
    let store_a = server.http(&a);
    for n in 1..=3 {
        store_a
            .begin(ResetKind::Signing, &normal)
            .unwrap_or_else(|e| panic!("start {n}: {e}"));
    }
    match store_a.begin(ResetKind::Signing, &normal) {
        Err(CentreError::Unreachable(message)) => assert!(message.contains("429"), "{message}"),
        other => panic!("a fourth start: {other:?}"),
    }
    let answer = one_request(
        &server.address,
        &server.kiosk_tls(&a),
        &request(
            "POST",
            "/v1/sessions",
            Some(&a.credential),
            &certificate_body("normal"),
        ),
    )
    .expect("an answer");
    assert_eq!(answer.status, 429);
    assert_eq!(answer.json(), serde_json::json!({"error": "rate_limited"}));
    // Its other routes are not limited, and another kiosk has its own count.
    assert!(
        store_a
            .check_reservation(ResetKind::Signing, &normal)
            .is_ok()
    );
    assert_eq!(store_a.health(), Ok(false));
    assert!(server.http(&b).begin(ResetKind::Signing, &normal).is_ok());
    assert_eq!(server.reservations()[0]["state"], "open");
}

/// `limits.max_connections`: a connection over it is closed before its handshake while the
/// others are held; when one closes there is room again.
#[test]
fn connections_over_the_limit_are_closed_before_their_handshake() {
    let server = Site::new(|config| config["limits"]["max_connections"] = 2.into()).serve();
    let anonymous = server.tls_config(None);
    let mut first = server.connect(&anonymous).expect("first");
    let second = server.connect(&anonymous).expect("second");
    let started = Instant::now();
    let third = server.connect(&anonymous);
    assert!(third.is_err(), "a third connection was served");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "not closed at once: {:?}",
        started.elapsed()
    );
    // The two held ones are served.
    assert_eq!(exchange(&mut first, HEALTHZ).expect("first").status, 200);
    // One closed, there is room again.
    drop(second);
    let closed = Instant::now();
    loop {
        match one_request(&server.address, &anonymous, HEALTHZ) {
            Ok(answer) => {
                assert_eq!(answer.status, 200);
                break;
            }
            Err(error) => {
                assert!(
                    closed.elapsed() < Duration::from_secs(5),
                    "no room after a connection closed: {error}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// A TLS file of the configuration missing: `serve` exits 1 with one line naming the file.
#[test]
fn a_missing_tls_file_stops_serve_with_one_line() {
    for (field, file) in [
        ("certificate", "pki/missing-centre.crt"),
        ("key", "pki/missing-centre.key"),
        ("kiosk_ca_certificate", "pki/missing-kiosk-ca.crt"),
        ("kiosk_crl", "pki/missing-kiosk-ca.crl"),
    ] {
        let site = Site::new(|config| config["tls"][field] = file.into());
        let mut serve = Reaped(
            Command::new(BINARY)
                .arg("--config")
                .arg(site.config())
                .args(["serve", "--listen", "127.0.0.1:0"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("reset-center serve"),
        );
        let status = wait_exit(&mut serve.0, Duration::from_secs(15))
            .unwrap_or_else(|| panic!("{field}: serve did not stop"));
        let mut stderr = String::new();
        serve
            .0
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("stderr");
        assert_eq!(status.code(), Some(1), "{field}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{field}: {stderr}");
        let missing: PathBuf = site.path().join(file);
        assert!(
            stderr.contains(missing.to_str().expect("utf-8")),
            "{field}: {stderr}"
        );
        assert!(stderr.contains("tls"), "{field}: {stderr}");
    }
}

/// Each kiosk's client, through `client_config`, pins the site's centre CA: another site's
/// centre, with a certificate for the same address, is not it.
#[test]
fn a_centre_from_another_pki_is_not_trusted() {
    let server = Server::start();
    let other = Site::default();
    let kiosk = server.add_kiosk(KIOSK);
    let config = client_config(
        &other.pki("centre-ca.crt"),
        Some((&kiosk.certificate, &kiosk.key)),
    );
    let error = match one_request(&server.address, &config, &health(&kiosk)) {
        Ok(answer) => panic!("answered {}", answer.status),
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains("UnknownIssuer") || error.contains("certificate"),
        "{error}"
    );
    let tls = ClientTls::from_files(&other.pki("centre-ca.crt"), &kiosk.certificate, &kiosk.key)
        .expect("TLS");
    let client = HttpCentre::new(
        &server.url(),
        KIOSK,
        &kiosk.credential,
        Duration::from_secs(5),
        &tls,
    )
    .expect("https");
    assert!(matches!(client.health(), Err(CentreError::Unreachable(_))));
}
