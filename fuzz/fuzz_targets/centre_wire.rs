//! The JSON bodies between the kiosk and the centre (`reset_protocol::api::wire`), and the words
//! they carry (`ResetKind`, `Refusal`, `Outcome`, `ReservationState`, `SessionId`).
//!
//! Every request and response body is deserialised from the input with `serde_json::from_slice`
//! (as the server's `parse` and the client's `answer` do). A body that parses serialises to JSON
//! that parses again to the same JSON (nothing is lost or invented on the way), and its base64
//! fields go through `api::from_base64` / `api::to_base64` unchanged. `ResetKind::parse` and
//! `Refusal::code` agree with the wire names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reset_protocol::api::{self, wire};
use reset_protocol::{Outcome, Refusal, ReservationState, ResetKind, SessionId};
use serde::Serialize;
use serde::de::DeserializeOwned;

fuzz_target!(|data: &[u8]| {
    if let Some(request) = round_trip::<wire::CertificateRequest>(data) {
        base64_round_trip(&request.auth_certificate);
        assert_eq!(ResetKind::parse(request.kind.as_str()), Some(request.kind));
    }
    if let Some(response) = round_trip::<wire::CheckResponse>(data) {
        let _ = chrono::DateTime::parse_from_rfc3339(&response.valid_until);
    }
    if let Some(response) = round_trip::<wire::BeginResponse>(data) {
        base64_round_trip(&response.challenge);
        let _ = api::proof_digest(&response.session, response.challenge.as_bytes());
    }
    if let Some(request) = round_trip::<wire::ProofRequest>(data) {
        base64_round_trip(&request.signature);
        if let Some(certificate) = &request.certificate {
            base64_round_trip(certificate);
        }
    }
    if let Some(request) = round_trip::<wire::ResetCommandRequest>(data) {
        base64_round_trip(&request.card_challenge);
        assert_eq!(format!("{request:?}"), "ResetCommandRequest { .. }");
    }
    if let Some(response) = round_trip::<wire::ResetCommandResponse>(data) {
        base64_round_trip(&response.apdu);
    }
    round_trip::<wire::CompleteRequest>(data);
    round_trip::<wire::CompleteResponse>(data);
    if let Some(body) = round_trip::<wire::RefusalBody>(data) {
        let code = body.refusal.code();
        assert!(!code.is_empty());
        assert_eq!(
            serde_json::from_value::<Refusal>(serde_json::Value::String(code)).ok(),
            Some(body.refusal)
        );
    }
    round_trip::<wire::HealthResponse>(data);
    round_trip::<Outcome>(data);
    round_trip::<ReservationState>(data);
    round_trip::<SessionId>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(kind) = ResetKind::parse(text) {
            assert_eq!(ResetKind::parse(kind.as_str()), Some(kind));
        }
        base64_round_trip(text);
    }
});

/// Parses `T` from the bytes; if it parses, its JSON parses back to the same JSON.
fn round_trip<T: Serialize + DeserializeOwned>(data: &[u8]) -> Option<T> {
    let value: T = serde_json::from_slice(data).ok()?;
    let first = serde_json::to_value(&value).expect("a parsed body serialises");
    let text = serde_json::to_vec(&value).expect("a parsed body serialises to text");
    let again: T = serde_json::from_slice(&text).unwrap_or_else(|e| {
        panic!(
            "{} does not parse its own JSON {}: {e}",
            std::any::type_name::<T>(),
            String::from_utf8_lossy(&text)
        )
    });
    assert_eq!(serde_json::to_value(&again).expect("serialises"), first);
    Some(value)
}

/// What `from_base64` accepts, `to_base64` writes back the same (the standard alphabet, padded).
fn base64_round_trip(text: &str) {
    if let Some(bytes) = api::from_base64(text) {
        let encoded = api::to_base64(&bytes);
        assert_eq!(api::from_base64(&encoded), Some(bytes));
        assert_eq!(
            encoded, text,
            "from_base64 accepted a non-canonical encoding"
        );
    }
}
