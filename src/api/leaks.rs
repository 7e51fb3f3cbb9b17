//! `POST /api/v1/leaks`: leak reports from secret scanners, in the format of GitHub's
//! secret-scanning partner programme (`[{token, type, url, source}]`), sent with a
//! service credential. Each reported `tdk_` token whose secret still works is disabled
//! at once on every instance, marked as found in public with the report's url and
//! source, and audited with the service as the actor; only a person may enable it
//! again. A token disabled already is marked and audited the same way, so no token may
//! enable it either. The answer labels each match, in GitHub's format: `true_positive` for a token
//! of ours (disabled now, or already disabled or deleted), `false_positive` for anything
//! else. A match that is no well-formed token costs no lookup, an unknown one a single
//! lookup (then the cache remembers it). Secrets are never logged, token ids only.

use actix_web::error::JsonPayloadError;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::bearer::look_up;
use super::problem::ApiError;
use super::schemas::word_schema;
use super::service::ServiceCaller;
use crate::db::tokens::{Lookup, Outcome};
use crate::domain::leak_report::{Label, LeakLocation, LeakReport, ReportedMatch};
use crate::domain::{Acting, Actor, ClientIp, ServiceName};
use crate::state::{self, AppState};

/// The largest report this endpoint accepts: 100 matches with long urls fit.
pub const MAX_REPORT_BYTES: usize = 64 * 1024;

word_schema!(
    LabelWord = "LeakLabel",
    "Whether the token reported is one of tokendesk's.",
    [Label::TruePositive, Label::FalsePositive].map(Label::as_str)
);

/// Why a body is not a report, without serde's words, which may quote a value (a
/// secret sent as a bare string, say) into the answer and the request's log line.
pub fn not_a_report(error: JsonPayloadError) -> String {
    let at = match &error {
        JsonPayloadError::ContentType => {
            return "Send the report as `Content-Type: application/json`.".to_owned();
        }
        JsonPayloadError::Deserialize(error) => {
            format!(" (at line {}, column {})", error.line(), error.column())
        }
        _ => String::new(),
    };
    format!(
        "The request body is not a report{at}: send a JSON array of objects, each with a \
         string `token` and optionally string `type`, `url` and `source`."
    )
}

/// One match a scanner found.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LeakMatch {
    /// The secret found, as found.
    #[schema(example = "tdk_ExampleExampleExampleExample00aBcDeF")]
    token: String,
    /// The scanner's name for the kind of secret, answered back as `token_type`.
    #[serde(rename = "type")]
    #[schema(example = "tokendesk_api_token")]
    token_type: Option<String>,
    /// Where it was found: kept on the token (up to 2,000 characters) and shown on its
    /// details page.
    #[schema(
        example = "https://github.com/octo-org/octo-repo/blob/12345600b9cbe38a219f39a9941c9319b600c002/.env"
    )]
    url: Option<String>,
    /// What it was found in (GitHub says `content`, `commit`, `pull_request_title`, …),
    /// kept up to 100 characters.
    #[schema(example = "content")]
    source: Option<String>,
}

impl From<LeakMatch> for ReportedMatch {
    fn from(found: LeakMatch) -> Self {
        Self {
            location: LeakLocation::new(found.url.as_deref(), found.source.as_deref()),
            token_raw: found.token,
            token_type: found.token_type.unwrap_or_default(),
        }
    }
}

/// What tokendesk says of one match, in GitHub's format.
#[derive(Serialize, utoipa::ToSchema)]
struct LeakVerdict {
    /// The token as reported.
    #[schema(example = "tdk_ExampleExampleExampleExample00aBcDeF")]
    token_raw: String,
    /// The `type` as reported (empty when there was none).
    #[schema(example = "tokendesk_api_token")]
    token_type: String,
    #[schema(value_type = LabelWord)]
    label: &'static str,
}

#[utoipa::path(
    post,
    path = "/leaks",
    operation_id = "reportLeaks",
    summary = "Report tokens found in public, for secret scanners",
    description = "GitHub's secret-scanning partner format, with a service credential. \
                   Each reported tdk_ token that still works is disabled at once, marked \
                   as found in public (url and source) and audited; only a person can \
                   enable it again. At most 100 matches and 64 KiB; an empty array \
                   answers `[]`.",
    security(("service" = []), ("serviceBasic" = [])),
    request_body(content = Vec<LeakMatch>, description = "The matches found"),
    responses(
        (status = 200, description = "Each match, in the order reported, labelled", body = Vec<LeakVerdict>),
        (
            status = 400,
            description = "A body that is not a JSON array of matches each with a string \
                           `token`, or more than 100 matches",
            body = super::problem::Problem,
            content_type = "application/problem+json",
        ),
        (status = 401, response = inline(super::schemas::ServiceUnauthorized)),
        (
            status = 413,
            description = "A body over 64 KiB",
            body = super::problem::Problem,
            content_type = "application/problem+json",
        ),
        (status = 429, response = inline(super::schemas::TooManyRefusals)),
    ),
)]
pub async fn report(
    req: HttpRequest,
    service: ServiceCaller,
    state: web::Data<AppState>,
    body: web::Json<Vec<LeakMatch>>,
) -> Result<HttpResponse, ApiError> {
    let matches = body.into_inner().into_iter().map(ReportedMatch::from);
    let report = LeakReport::new(matches.collect()).map_err(|e| ApiError::BadRequest(e.0))?;
    let from = state::client_ip(&req);
    let mut verdicts = Vec::with_capacity(report.matches().len());
    for reported in report.matches() {
        let label = label(&state, &service.name, from, reported).await?;
        verdicts.push(LeakVerdict {
            token_raw: reported.token_raw.clone(),
            token_type: reported.token_type.clone(),
            label: label.as_str(),
        });
    }
    Ok(HttpResponse::Ok().json(verdicts))
}

/// Whether `reported` is one of our tokens, disabling it (reported by `service` from
/// `from`) if its secret still works.
async fn label(
    state: &AppState,
    service: &ServiceName,
    from: Option<ClientIp>,
    reported: &ReportedMatch,
) -> Result<Label, ApiError> {
    let Some(secret) = reported.secret() else {
        return Ok(Label::FalsePositive);
    };
    let digest = secret.digest();
    // The service's own address is not counted: the token is not its credential.
    let grant = match look_up(state, digest, None).await? {
        Lookup::Unknown => return Ok(Label::FalsePositive),
        Lookup::Deleted => return Ok(Label::TruePositive),
        Lookup::Found(grant) => grant,
    };
    // Whatever the cache said of its state, the change reads the row: a token enabled a
    // moment ago is disabled all the same.
    let token = grant.token_id.clone();
    let by = Acting::now(
        grant.account_id.clone(),
        Actor::Service(service.clone()),
        from,
    );
    let ctx = by.on(token.clone());
    let location = reported.location.clone();
    let changes = state.changes.clone();
    let outcome = state
        .db("disabling a token found in public", move |conn| {
            changes.report_leak(conn, &ctx, &digest, &location)
        })
        .await?;
    match outcome {
        Outcome::Done(reported) if reported.disabled_now => {
            tracing::warn!(token_id = %token, service = %service, "a token found in public was disabled");
        }
        Outcome::Done(_) => {
            tracing::warn!(token_id = %token, service = %service, "a disabled token was found in public; only a person may enable it now");
        }
        _ => {}
    }
    Ok(Label::TruePositive)
}
