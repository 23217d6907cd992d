//! The centre over HTTPS + JSON (axum behind rustls; docs/tls.md). Every route but
//! `GET /healthz` needs a kiosk: a client certificate from the kiosk CA (verified in the
//! handshake) whose common name is a registered kiosk and which is the very certificate
//! registered for it, and that kiosk's credential (`Authorization: Bearer …`) as a second
//! factor. Anything less gets a bare 401 and nothing else. Refusals are `403` (`404` for an
//! unknown session, `400` for a malformed request, `429` for too many session starts) with
//! `{"refusal": "...", "message": "..."}`.
//!
//! What a client may cost is bounded ([`Limits`]): the handshake, the request headers, the
//! whole request, the connection's life, the body (checked before anything is read), the
//! connections at once, and the sessions a kiosk may start a minute.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, MatchedPath, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use card_driver::pin::Pin;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::ServiceExt as _;
use zeroize::Zeroizing;

use crate::centre::{Centre, CentreFailure, KioskId};
use crate::config::Limits;
use crate::pki::PeerCertificate;
use crate::tls::ServerTls;
use reset_protocol::api::{Refusal, SessionId, from_base64, to_base64, wire};
use reset_protocol::heartbeat::{Heartbeat, OutOfService};

/// The verified client certificate of the connection a request came on (none: the client
/// presented none).
#[derive(Debug, Clone)]
pub struct Peer(pub Option<Arc<PeerCertificate>>);

/// What the handlers share.
#[derive(Debug)]
struct Shared {
    centre: Arc<Centre>,
    starts: StartLimiter,
}

/// Session starts per kiosk in the last minute: a kiosk (or a stolen kiosk identity) cannot
/// open sessions faster than any real use needs.
#[derive(Debug)]
struct StartLimiter {
    per_minute: u32,
    recent: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl StartLimiter {
    fn admit(&self, kiosk: &KioskId) -> bool {
        let now = Instant::now();
        let mut recent = match self.recent.lock() {
            Ok(recent) => recent,
            Err(poisoned) => poisoned.into_inner(),
        };
        let starts = recent.entry(kiosk.0.clone()).or_default();
        while starts
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            starts.pop_front();
        }
        if starts.len() >= self.per_minute as usize {
            return false;
        }
        starts.push_back(now);
        true
    }
}

/// The router of the centre's API, with the body limit and the request timeout.
pub fn router(centre: Arc<Centre>, limits: &Limits) -> Router {
    let metrics = centre.clone();
    let shared = Arc::new(Shared {
        centre,
        starts: StartLimiter {
            per_minute: limits.session_starts_per_minute,
            recent: Mutex::new(HashMap::new()),
        },
    });
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/health", get(health))
        .route("/v1/reservations/check", post(check))
        .route("/v1/sessions", post(begin))
        .route("/v1/sessions/{id}/proof", post(prove))
        .route("/v1/sessions/{id}/reset-command", post(reset_command))
        .route("/v1/sessions/{id}/complete", post(complete))
        .route("/v1/heartbeat", post(heartbeat))
        .with_state(shared)
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        // Outside the routes, so that a body too large is refused (413) from its declared
        // length before any handler, authentication included, reads it.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            limits.body_bytes,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request,
        ))
        // Outside the limits, so that what they refuse is counted and logged too. The last
        // layer is the outermost: a request gets its id, then its span, then is measured.
        .layer(axum::middleware::from_fn_with_state(metrics, measure))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(request_span)
                // The request's one line is [`measure`]'s (it knows the route, and keeps the
                // fleet's heartbeats out of the info level).
                .on_request(())
                .on_response(())
                .on_failure(()),
        )
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            tower_http::request_id::MakeRequestUuid,
        ))
}

/// One span per request: what an operator filters on. The route is the template
/// (`/v1/sessions/{id}/proof`), never the path with its session id; `kiosk` is filled in once
/// the kiosk is authenticated.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        request_id,
        kiosk = tracing::field::Empty,
    )
}

/// The response is an internal error, for [`measure`] to count.
#[derive(Debug, Clone, Copy)]
struct InternalError;

/// A refusal the response carries, for [`measure`] to count and log.
#[derive(Debug, Clone, Copy)]
struct Refused(Refusal);

/// Counts and times every request by method, route and status, and counts refusals by reason.
async fn measure(
    State(metrics): State<Arc<Centre>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    let metrics = metrics.metrics();
    metrics.request(method.as_str(), &route, status, took);
    let latency_ms = took.as_secs_f64() * 1000.0;
    // Every kiosk heartbeats every half-minute: thousands of lines a minute that say only
    // "alive" go to debug; the metrics and `reset-center kiosks` have them.
    if route == "/v1/heartbeat" && status == 200 {
        tracing::debug!(status, latency_ms, "answered");
    } else {
        tracing::info!(status, latency_ms, "answered");
    }
    if let Some(Refused(refusal)) = response.extensions().get::<Refused>() {
        metrics.refused(*refusal);
        // A refusal is the centre doing its job: info, with the code to filter on.
        tracing::info!(refusal = %refusal.code(), "refused");
    }
    if response.extensions().get::<InternalError>().is_some() {
        metrics.internal_error();
    }
    response
}

/// How often `serve` deletes what the retention periods no longer keep.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Serves HTTPS on `listener` until SIGTERM or Ctrl-C; reads the TLS files and the card CAs'
/// revocation lists again every `reload` (a failed read keeps what is in use and is logged).
/// `metrics`, if given, serves `/metrics`, `/healthz` and `/readyz` in plain HTTP
/// ([`metrics_router`]).
pub async fn serve(
    centre: Arc<Centre>,
    listener: tokio::net::TcpListener,
    metrics: Option<tokio::net::TcpListener>,
    tls: Arc<ServerTls>,
    reload: Duration,
    limits: Limits,
) -> std::io::Result<()> {
    let app = router(centre.clone(), &limits);
    let metrics_server = metrics.map(|listener| {
        let app = metrics_router(centre.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "metrics listener");
            }
        })
    });
    let reloader = tokio::spawn({
        let tls = tls.clone();
        let centre = centre.clone();
        async move {
            let mut every = tokio::time::interval(reload);
            every.tick().await;
            loop {
                every.tick().await;
                let (tls, centre) = (tls.clone(), centre.clone());
                let reloaded = tokio::task::spawn_blocking(move || {
                    (
                        tls.reload(),
                        centre.reload_trust().map_err(|e| e.to_string()),
                    )
                })
                .await;
                match reloaded {
                    Ok((tls, trust)) => {
                        if let Err(e) = tls {
                            tracing::warn!(error = %e, "TLS files not read again");
                        }
                        if let Err(e) = trust {
                            tracing::warn!(error = %e, "trust anchors not read again");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "reload failed"),
                }
            }
        }
    });
    // Retention: what the centre no longer needs goes every hour (and once at start). Every
    // instance does it; the deletes are idempotent.
    let purger = tokio::spawn({
        let centre = centre.clone();
        async move {
            let mut every = tokio::time::interval(PURGE_EVERY);
            loop {
                every.tick().await;
                let centre = centre.clone();
                match tokio::task::spawn_blocking(move || centre.purge()).await {
                    Ok(Ok(purged)) if purged != crate::store::Purged::default() => tracing::info!(
                        sessions = purged.sessions,
                        card_challenges = purged.card_challenges,
                        reservations = purged.reservations,
                        "retention: deleted"
                    ),
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::error!(error = %e, "retention"),
                    Err(e) => tracing::error!(error = %e, "retention failed"),
                }
            }
        }
    });
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let mut connections = tokio::task::JoinSet::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let tcp = match accepted {
                    Ok((tcp, _)) => tcp,
                    Err(e) => {
                        // Out of descriptors and the like: wait rather than spin.
                        tracing::warn!(error = %e, "accept");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                // Over the limit the connection is closed at once: the kiosk retries later.
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    continue;
                };
                let acceptor = tokio_rustls::TlsAcceptor::from(tls.current());
                let app = app.clone();
                connections.spawn(async move {
                    let _permit = permit;
                    connection(tcp, acceptor, app, limits).await;
                });
            }
        }
    }
    reloader.abort();
    purger.abort();
    if let Some(metrics_server) = metrics_server {
        metrics_server.abort();
    }
    // Requests under way get a few seconds to finish.
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    Ok(())
}

/// The operator's listener (plain HTTP: for loopback or the operator network, never the
/// stores'): Prometheus text at `/metrics`, liveness at `/healthz` (the process answers),
/// readiness at `/readyz` (the database answers and the card CAs' revocation lists are
/// current; otherwise 503 with each problem). Nothing here names a customer.
pub fn metrics_router(centre: Arc<Centre>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(centre)
}

async fn metrics(State(centre): State<Arc<Centre>>) -> Response {
    let encoded = tokio::task::spawn_blocking(move || {
        let snapshot = centre.snapshot();
        centre.metrics().encode(&snapshot)
    })
    .await;
    match encoded {
        Ok(Ok(text)) => (
            StatusCode::OK,
            [(
                axum::http::header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn readyz(State(centre): State<Arc<Centre>>) -> Response {
    match tokio::task::spawn_blocking(move || centre.readiness()).await {
        Ok(Ok(())) => ok(serde_json::json!({"status": "ready"})),
        Ok(Err(problems)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "not_ready", "problems": problems})),
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// One client connection: the handshake (bounded), then HTTP/1.1 requests on it, each carrying
/// the verified certificate, until the client closes, a deadline passes or the connection's
/// lifetime ends.
async fn connection(
    tcp: tokio::net::TcpStream,
    acceptor: tokio_rustls::TlsAcceptor,
    app: Router,
    limits: Limits,
) {
    let Ok(Ok(stream)) = tokio::time::timeout(limits.handshake, acceptor.accept(tcp)).await else {
        return;
    };
    let peer = Peer(
        stream
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|der| PeerCertificate::from_der(der.as_ref()))
            .map(Arc::new),
    );
    let service = app.map_request(
        move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(peer.clone());
            request
        },
    );
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header);
    let serving = http.serve_connection(
        hyper_util::rt::TokioIo::new(stream),
        hyper_util::service::TowerToHyperService::new(service),
    );
    let _ = tokio::time::timeout(limits.connection, serving).await;
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
    /// More session starts than `limits.session_starts_per_minute`.
    RateLimited,
    Refused(Refusal),
    /// Logged where it happens (the text is for the operator only), counted by [`measure`].
    Internal,
}

impl From<CentreFailure> for ApiError {
    fn from(failure: CentreFailure) -> ApiError {
        match failure {
            CentreFailure::Refused(refusal) => ApiError::Refused(refusal),
            CentreFailure::Internal(message) => {
                // The kiosk learns only "internal"; the operator reads why here, in the
                // request's span (its id, route and kiosk).
                tracing::error!(error = %message, "internal error");
                ApiError::Internal
            }
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
            ApiError::RateLimited => (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(serde_json::json!({"error": "rate_limited"})),
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
                let mut response = (status, axum::Json(body)).into_response();
                response.extensions_mut().insert(Refused(refusal));
                response
            }
            ApiError::Internal => {
                let mut response = (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(serde_json::json!({"error": "internal"})),
                )
                    .into_response();
                response.extensions_mut().insert(InternalError);
                response
            }
        }
    }
}

type Reply = Result<Response, ApiError>;

/// The kiosk behind a request: its certificate's common name, if that kiosk is registered with
/// this very certificate and the request carries its credential.
/// (A database that cannot be read is an internal error, never "unknown kiosk": a kiosk told it
/// is unknown goes out of service.)
async fn kiosk(
    centre: &Arc<Centre>,
    peer: &Peer,
    headers: &HeaderMap,
) -> Result<KioskId, ApiError> {
    let certificate = peer.0.clone().ok_or(ApiError::UnknownKiosk)?;
    let token = Zeroizing::new(
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::UnknownKiosk)?
            .to_string(),
    );
    let centre = centre.clone();
    let kiosk = blocking(move || {
        centre.authenticate(&certificate.common_name, &certificate.sha256, &token)
    })
    .await?
    .ok_or_else(|| {
        tracing::info!("unknown kiosk");
        ApiError::UnknownKiosk
    })?;
    tracing::Span::current().record("kiosk", kiosk.0.as_str());
    Ok(kiosk)
}

fn ok(body: impl Serialize) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::Refused(Refusal::BadRequest))
}

/// A session id from a request's path: anything that cannot be one is no session.
fn session_id(text: &str) -> Result<SessionId, ApiError> {
    SessionId::parse(text).ok_or(ApiError::Refused(Refusal::SessionUnknown))
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
        .map_err(|e| {
            tracing::error!(error = %e, "centre work failed");
            ApiError::Internal
        })?
        .map_err(ApiError::from)
}

/// For load balancers and monitoring: answers without any authentication, and says nothing
/// but that the process serves.
async fn healthz() -> Response {
    ok(serde_json::json!({"status": "ok"}))
}

async fn health(
    State(shared): State<Arc<Shared>>,
    Extension(peer): Extension<Peer>,
    headers: HeaderMap,
) -> Reply {
    kiosk(&shared.centre, &peer, &headers).await?;
    let centre = shared.centre.clone();
    let maintenance = blocking(move || centre.maintenance()).await?;
    Ok(ok(wire::HealthResponse {
        status: "ok".to_string(),
        maintenance,
        time: chrono::Utc::now().to_rfc3339(),
    }))
}

async fn check(
    State(shared): State<Arc<Shared>>,
    Extension(peer): Extension<Peer>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let kiosk = kiosk(&shared.centre, &peer, &headers).await?;
    let centre = shared.centre.clone();
    let request: wire::CertificateRequest = parse(&body)?;
    let certificate = decode(&request.auth_certificate)?;
    let valid_until = blocking(move || centre.check(&kiosk, request.kind, &certificate)).await?;
    Ok(ok(wire::CheckResponse {
        valid_until: valid_until.to_rfc3339(),
    }))
}

async fn begin(
    State(shared): State<Arc<Shared>>,
    Extension(peer): Extension<Peer>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let kiosk = kiosk(&shared.centre, &peer, &headers).await?;
    let centre = shared.centre.clone();
    if !shared.starts.admit(&kiosk) {
        return Err(ApiError::RateLimited);
    }
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
    State(shared): State<Arc<Shared>>,
    Extension(peer): Extension<Peer>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let kiosk = kiosk(&shared.centre, &peer, &headers).await?;
    let centre = shared.centre.clone();
    let session = session_id(&id)?;
    let request: wire::ProofRequest = parse(&body)?;
    let signature = decode(&request.signature)?;
    let certificate = request.certificate.as_deref().map(decode).transpose()?;
    blocking(move || centre.prove(&kiosk, &session, &signature, certificate.as_deref())).await?;
    Ok(ok(serde_json::json!({})))
}

async fn reset_command(
    State(shared): State<Arc<Shared>>,
    Extension(peer): Extension<Peer>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let kiosk = kiosk(&shared.centre, &peer, &headers).await?;
    let centre = shared.centre.clone();
    // The body carries the new PIN: copy it into a buffer that is wiped, and wipe the original
    // if nothing else shares it.
    let raw = Zeroizing::new(body.to_vec());
    if let Ok(mut original) = body.try_into_mut() {
        zeroize::Zeroize::zeroize(original.as_mut());
    }
    let request: wire::ResetCommandRequest = parse(&raw)?;
    let card_challenge = decode(&request.card_challenge)?;
    let session = session_id(&id)?;
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
    State(shared): State<Arc<Shared>>,
    Extension(peer): Extension<Peer>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let kiosk = kiosk(&shared.centre, &peer, &headers).await?;
    let centre = shared.centre.clone();
    let session = session_id(&id)?;
    let request: wire::CompleteRequest = parse(&body)?;
    let reservation = blocking(move || centre.complete(&kiosk, &session, request.outcome)).await?;
    Ok(ok(wire::CompleteResponse { reservation }))
}

async fn heartbeat(
    State(shared): State<Arc<Shared>>,
    Extension(peer): Extension<Peer>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let kiosk = kiosk(&shared.centre, &peer, &headers).await?;
    let centre = shared.centre.clone();
    let report: Heartbeat = parse(&body)?;
    tracing::debug!(
        reader = report.reader.as_str(),
        out_of_service = report.out_of_service.map(OutOfService::as_str),
        outbox_depth = report.outbox_depth,
        "heartbeat"
    );
    let answer = blocking(move || centre.heartbeat(&kiosk, &report)).await?;
    Ok(ok(answer))
}
