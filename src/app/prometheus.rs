//! Metrics over HTTP: the middleware that counts and times each request of the main
//! server by its route pattern, and the listener of its own that serves
//! `GET /metrics` in the Prometheus text format (never on the main port), filling in
//! what is read at scrape time: the pool, the token cache, the last-access queue, and
//! whether the database was reachable.

use std::net::TcpListener;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::rt::task::JoinHandle;
use actix_web::{App, Error, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::instruments;
use crate::state::AppState;

/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// Methods counted by name; any other is counted as `OTHER`, so a client can't add
/// series by inventing methods.
const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
];

/// The pattern of the route `req` matches (`/settings/api-tokens/{id}`), never its
/// raw path, or `unmatched`.
pub fn route(req: &HttpRequest) -> String {
    req.match_pattern().unwrap_or_else(|| UNMATCHED.to_owned())
}

fn method(req: &HttpRequest) -> &'static str {
    let method = req.method().as_str();
    METHODS
        .into_iter()
        .find(|known| *known == method)
        .unwrap_or("OTHER")
}

/// Counts and times one request, by method, route pattern and status.
pub async fn measure(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    // Read now: a clone of the request kept across the call would stop it being routed.
    let (method, route) = (method(req.request()), route(req.request()));
    let outcome = next.call(req).await;
    let status = match &outcome {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    instruments::http_request(method, route, status.as_u16(), started.elapsed());
    outcome
}

/// The metrics listener, bound but not yet serving.
pub struct MetricsServer {
    port: u16,
    server: Server,
}

/// The metrics listener, serving until stopped.
pub struct Serving {
    handle: ServerHandle,
    task: JoinHandle<std::io::Result<()>>,
}

impl MetricsServer {
    /// Installs the process's recorder (once) and binds `bind` (port 0 picks a free
    /// one); the gauges it fills in at each scrape are `state`'s.
    pub fn bind(bind: &str, state: web::Data<AppState>) -> anyhow::Result<Self> {
        let handle = web::Data::new(instruments::prometheus()?);
        let listener = TcpListener::bind(bind)
            .with_context(|| format!("cannot listen for metrics on {bind}"))?;
        let port = listener
            .local_addr()
            .context("reading the metrics address")?
            .port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(handle.clone())
                .route("/metrics", web::get().to(scrape))
        })
        .workers(1)
        // The main server hears the signals, and stops this one when it stops.
        .disable_signals()
        .listen(listener)
        .context("starting the metrics server")?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves in the background until `Serving::stop`.
    pub fn spawn(self) -> Serving {
        Serving {
            handle: self.server.handle(),
            task: actix_web::rt::spawn(self.server),
        }
    }
}

impl Serving {
    pub async fn stop(self) {
        self.handle.stop(true).await;
        if let Ok(Err(error)) = self.task.await {
            tracing::warn!(%error, "the metrics server failed");
        }
    }
}

/// `GET /metrics`: the gauges read now, and everything recorded.
async fn scrape(
    state: web::Data<AppState>,
    handle: web::Data<&'static PrometheusHandle>,
) -> HttpResponse {
    instruments::pool_connections(&state.pool.state());
    let (known, unknown) = state.cache.entry_counts();
    instruments::token_cache_entries(known, unknown);
    instruments::last_access_pending(state.recorder.len());
    instruments::database_up(state.database.is_up());
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}
