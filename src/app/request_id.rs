//! Every request's id, on its response as `X-Request-Id` and on its root span, so every
//! log line of the request carries it. A trusted proxy's `X-Request-Id` is kept when
//! it is sane (1 to 128 visible ASCII characters: no spaces, no control characters);
//! from anyone else, or when it is not sane, a new one is made: 128 random bits in hex.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

use crate::domain::secret::without_secrets;
use crate::state::{self, AppState};

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id kept from a proxy.
const MAX_LEN: usize = 128;

/// A request's id: visible ASCII, so it is a valid header value and one log token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// `sent` when it came from a trusted proxy and is sane, else a new id.
    pub fn choose(sent: Option<&[u8]>, from_trusted_proxy: bool) -> Self {
        sent.filter(|_| from_trusted_proxy)
            .filter(|sent| is_sane(sent))
            .and_then(|sent| std::str::from_utf8(sent).ok())
            .map_or_else(Self::generate, |sent| Self(sent.to_owned()))
    }

    pub fn generate() -> Self {
        Self(format!("{:032x}", rand::random::<u128>()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_sane(sent: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&sent.len()) && sent.iter().all(u8::is_ascii_graphic)
}

/// Gives the request its id, before the root span is made, and puts it on the
/// response, an error's included.
pub async fn assign(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let from_trusted_proxy = req.peer_addr().is_some_and(|peer| {
        req.app_data::<web::Data<AppState>>()
            .is_some_and(|state| state.trusted_proxies.trusts(peer.ip()))
    });
    let sent = req.headers().get(HEADER).map(HeaderValue::as_bytes);
    let id = RequestId::choose(sent, from_trusted_proxy);
    let value = HeaderValue::from_str(id.as_str())?;
    req.extensions_mut().insert(id);
    match next.call(req).await {
        Ok(mut response) => {
            response.headers_mut().insert(HEADER, value);
            Ok(response)
        }
        Err(error) => {
            let mut response = error.error_response();
            response.headers_mut().insert(HEADER, value);
            Err(InternalError::from_response(error, response).into())
        }
    }
}

/// The root span of each request: its id first, then what it asked for and from where
/// (the address as `state::client_ip` believes it); the status and any error are
/// recorded at its end.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = request
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(RequestId::generate);
        let user_agent = request
            .headers()
            .get("user-agent")
            .and_then(|agent| agent.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(crate::domain::token_use::USER_AGENT_MAX_CHARS)
            .collect::<String>();
        let client_ip = state::client_ip(request.request());
        tracing::info_span!(
            "HTTP request",
            request_id = %id,
            http.method = %request.method(),
            http.route = %super::prometheus::route(request.request()),
            // A secret pasted where it doesn't belong (a search box) stays out of the log.
            http.target = %without_secrets(request.uri().path_and_query().map_or("", |p| p.as_str())),
            http.client_ip = client_ip.map(tracing::field::display),
            http.user_agent = ?user_agent,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    /// As tracing-actix-web's own, but an error's words are recorded without any secret
    /// they quote (a token sent in a field that names a module, say).
    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error) = match outcome {
            Ok(response) => (
                response.status(),
                response.response().error().map(Error::as_response_error),
            ),
            Err(error) => {
                let error = error.as_response_error();
                (error.status_code(), Some(error))
            }
        };
        span.record("http.status_code", i64::from(status.as_u16()));
        let failed = error.is_some() && !status.is_client_error();
        span.record("otel.status_code", if failed { "ERROR" } else { "OK" });
        if let Some(error) = error {
            span.record(
                "exception.message",
                tracing::field::display(without_secrets(&error.to_string())),
            );
            span.record(
                "exception.details",
                tracing::field::display(without_secrets(&format!("{error:?}"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trusted_proxys_sane_id_is_kept() {
        let sent = b"req-42_abc.DEF:1/2";
        assert_eq!(
            RequestId::choose(Some(sent), true).as_str().as_bytes(),
            sent
        );
        let longest = [b'a'; MAX_LEN];
        assert_eq!(
            RequestId::choose(Some(&longest), true).as_str().len(),
            MAX_LEN
        );
    }

    #[test]
    fn other_ids_are_replaced_by_128_random_bits() {
        let too_long = [b'a'; MAX_LEN + 1];
        let replaced: [(&[u8], bool); 6] = [
            (b"req-42", false),
            (b"", true),
            (&too_long, true),
            (b"two words", true),
            (b"line\nbreak", true),
            ("caf\u{e9}".as_bytes(), true),
        ];
        for (sent, trusted) in replaced {
            let id = RequestId::choose(Some(sent), trusted);
            assert_ne!(id.as_str().as_bytes(), sent);
            assert_eq!(id.as_str().len(), 32, "{id}");
            assert!(id.as_str().bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        }
        assert_ne!(RequestId::generate(), RequestId::generate());
    }
}
