//! The centre over HTTP + JSON (axum). Every route needs a known kiosk (`X-Kiosk-Id` and
//! `Authorization: Bearer <credential>`); an unknown kiosk gets a bare 401 and nothing else.
//! Refusals are `403` (`404` for an unknown session, `400` for a malformed request) with
//! `{"refusal": "...", "message": "..."}`. Production would add mutual TLS in front.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use card_driver::pin::Pin;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::centre::{Centre, CentreFailure, KioskId};
use reset_protocol::api::{Refusal, SessionId, from_base64, to_base64, wire};

/// The router of the centre's API.
pub fn router(centre: Arc<Centre>) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/reservations/check", post(check))
        .route("/v1/sessions", post(begin))
        .route("/v1/sessions/{id}/proof", post(prove))
        .route("/v1/sessions/{id}/reset-command", post(reset_command))
        .route("/v1/sessions/{id}/complete", post(complete))
        .with_state(centre)
}

/// Serves until SIGTERM or Ctrl-C.
pub async fn serve(centre: Arc<Centre>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(centre))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// Why a request gets no answer: each becomes its own HTTP response.
#[derive(Debug)]
enum ApiError {
    UnknownKiosk,
    Refused(Refusal),
    Internal,
}

impl From<CentreFailure> for ApiError {
    fn from(failure: CentreFailure) -> ApiError {
        match failure {
            CentreFailure::Refused(refusal) => ApiError::Refused(refusal),
            CentreFailure::Internal(_) => ApiError::Internal,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::UnknownKiosk => (
                StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"error": "unknown_kiosk"})),
            )
                .into_response(),
            ApiError::Refused(refusal) => {
                let status = match refusal {
                    Refusal::BadRequest | Refusal::InvalidPin => StatusCode::BAD_REQUEST,
                    Refusal::SessionUnknown => StatusCode::NOT_FOUND,
                    _ => StatusCode::FORBIDDEN,
                };
                let body = wire::RefusalBody {
                    refusal,
                    message: refusal.to_string(),
                };
                (status, axum::Json(body)).into_response()
            }
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(serde_json::json!({"error": "internal"})),
            )
                .into_response(),
        }
    }
}

type Reply = Result<Response, ApiError>;

fn kiosk(centre: &Centre, headers: &HeaderMap) -> Result<KioskId, ApiError> {
    let id = headers.get("x-kiosk-id").and_then(|v| v.to_str().ok());
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match (id, token) {
        (Some(id), Some(token)) => centre.authenticate(id, token).ok_or(ApiError::UnknownKiosk),
        _ => Err(ApiError::UnknownKiosk),
    }
}

fn ok(body: impl Serialize) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::Refused(Refusal::BadRequest))
}

fn decode(text: &str) -> Result<Vec<u8>, ApiError> {
    from_base64(text).ok_or(ApiError::Refused(Refusal::BadRequest))
}

/// Runs centre work (SQLite, RSA) off the async threads; its failure becomes the answer.
async fn blocking<R: Send + 'static>(
    work: impl FnOnce() -> Result<R, CentreFailure> + Send + 'static,
) -> Result<R, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(ApiError::from)
}

async fn health(State(centre): State<Arc<Centre>>, headers: HeaderMap) -> Reply {
    kiosk(&centre, &headers)?;
    let maintenance = blocking(move || centre.maintenance()).await?;
    Ok(ok(wire::HealthResponse {
        status: "ok".to_string(),
        maintenance,
        time: chrono::Utc::now().to_rfc3339(),
    }))
}

async fn check(State(centre): State<Arc<Centre>>, headers: HeaderMap, body: Bytes) -> Reply {
    let kiosk = kiosk(&centre, &headers)?;
    let request: wire::CertificateRequest = parse(&body)?;
    let certificate = decode(&request.auth_certificate)?;
    let valid_until = blocking(move || centre.check(&kiosk, request.kind, &certificate)).await?;
    Ok(ok(wire::CheckResponse {
        valid_until: valid_until.to_rfc3339(),
    }))
}

async fn begin(State(centre): State<Arc<Centre>>, headers: HeaderMap, body: Bytes) -> Reply {
    let kiosk = kiosk(&centre, &headers)?;
    let request: wire::CertificateRequest = parse(&body)?;
    let certificate = decode(&request.auth_certificate)?;
    let (session, challenge) =
        blocking(move || centre.begin(&kiosk, request.kind, &certificate)).await?;
    Ok(ok(wire::BeginResponse {
        session,
        challenge: to_base64(&challenge),
    }))
}

async fn prove(
    State(centre): State<Arc<Centre>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let kiosk = kiosk(&centre, &headers)?;
    let request: wire::ProofRequest = parse(&body)?;
    let signature = decode(&request.signature)?;
    let certificate = request.certificate.as_deref().map(decode).transpose()?;
    blocking(move || centre.prove(&kiosk, &SessionId(id), &signature, certificate.as_deref()))
        .await?;
    Ok(ok(serde_json::json!({})))
}

async fn reset_command(
    State(centre): State<Arc<Centre>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let kiosk = kiosk(&centre, &headers)?;
    // The body carries the new PIN: copy it into a buffer that is wiped, and wipe the original
    // if nothing else shares it.
    let raw = Zeroizing::new(body.to_vec());
    if let Ok(mut original) = body.try_into_mut() {
        zeroize::Zeroize::zeroize(original.as_mut());
    }
    let request: wire::ResetCommandRequest = parse(&raw)?;
    let card_challenge = decode(&request.card_challenge)?;
    let session = SessionId(id);
    let pin_kind = blocking({
        let centre = centre.clone();
        let kiosk = kiosk.clone();
        let session = session.clone();
        move || centre.session_kind(&kiosk, &session)
    })
    .await?;
    let new_pin = Pin::new(pin_kind.target(), &request.new_pin)
        .map_err(|_| ApiError::Refused(Refusal::InvalidPin))?;
    drop(request);
    let command =
        blocking(move || centre.reset_command(&kiosk, &session, &card_challenge, &new_pin)).await?;
    Ok(ok(wire::ResetCommandResponse {
        apdu: to_base64(command.as_bytes()),
    }))
}

async fn complete(
    State(centre): State<Arc<Centre>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let kiosk = kiosk(&centre, &headers)?;
    let request: wire::CompleteRequest = parse(&body)?;
    let reservation =
        blocking(move || centre.complete(&kiosk, &SessionId(id), request.outcome)).await?;
    Ok(ok(wire::CompleteResponse { reservation }))
}
