//! `POST /api/v1/tokens/bulk`: disable, enable or delete up to 100 tokens in one call
//! through `TokenChanges` (each checked and audited on its own, within the calling
//! token's reach; all in one transaction), with an outcome for each id.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::require;
use crate::api::{ApiError, Caller};
use crate::db::tokens::Outcome;
use crate::domain::bulk;
use crate::domain::{BulkIds, Scope, Transition};
use crate::state::AppState;

/// What to do, and to which tokens.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = BulkInput)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    action: BulkAction,
    /// Token ids of the calling token's account, 1 to 100; a repeated id counts once.
    #[schema(min_items = 1, max_items = 100, example = json!(["TK-1000-0000-0005", "TK-1000-0000-0006"]))]
    ids: Vec<String>,
}

/// What to do to each token.
#[derive(Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum BulkAction {
    Disable,
    Enable,
    Delete,
}

impl BulkAction {
    fn transition(self) -> Transition {
        match self {
            Self::Disable => Transition::Disable,
            Self::Enable => Transition::Enable,
            Self::Delete => Transition::Delete,
        }
    }
}

/// Each id's outcome, in the order the ids were sent (a repeat left out).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = BulkResults)]
pub struct BulkAnswer {
    results: Vec<BulkResult>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct BulkResult {
    #[schema(example = "TK-1000-0000-0005")]
    id: String,
    outcome: BulkOutcome,
    /// For people: what was done, or why not.
    #[schema(example = "Disabled.")]
    detail: String,
}

/// `done`; `skipped` when the token's state does not allow it (already in that state,
/// or deleted); `not_found` for an id of no token in this account (another account's
/// included); `exceeds_caller` when it is beyond the calling token's reach.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum BulkOutcome {
    Done,
    Skipped,
    NotFound,
    ExceedsCaller,
}

impl BulkResult {
    fn new(id: String, transition: Transition, outcome: Outcome<String>) -> Self {
        let (outcome, detail) = match outcome {
            Outcome::Done(_) => (BulkOutcome::Done, format!("{}.", bulk::past(transition))),
            Outcome::Refused(refusal) => (BulkOutcome::Skipped, refusal.to_string()),
            Outcome::NotFound => (
                BulkOutcome::NotFound,
                "There is no such token in this account.".to_owned(),
            ),
            Outcome::Exceeds(excess) => (BulkOutcome::ExceedsCaller, excess.to_string()),
            // A status change is held to no expiry policy: a bug, logged, with the
            // token skipped rather than the others' results lost.
            Outcome::BreaksPolicy(breach) => {
                tracing::error!(token_id = %id, %breach, "a status change answered a policy breach");
                (BulkOutcome::Skipped, breach.to_string())
            }
        };
        Self {
            id,
            outcome,
            detail,
        }
    }
}

#[utoipa::path(
    post,
    path = "/tokens/bulk",
    operation_id = "changeTokensInBulk",
    summary = "Disable, enable or delete up to 100 tokens, each on its own, with an outcome for each",
    request_body = BulkBody,
    responses(
        (status = 200, description = "Each id's outcome", body = BulkAnswer),
        (status = 400, response = inline(crate::api::schemas::BadRequest)),
        (status = 401, response = inline(crate::api::schemas::Unauthorized)),
        (
            status = 403,
            description = "A valid token without the Tokens module or write scope \
                           (error=\"insufficient_scope\"). A token beyond the calling token's \
                           reach is not a 403 but that id's `exceeds_caller` outcome",
            body = crate::api::problem::Problem,
            content_type = "application/problem+json",
            headers(
                ("WWW-Authenticate" = String, description = "`Bearer realm=\"tokendesk\", error=\"insufficient_scope\"`"),
            ),
        ),
        (
            status = 422,
            description = "`ids` is empty, names more than 100 tokens, or holds an entry that is \
                           not a token id: `errors.ids` says which. Nothing is changed",
            body = crate::api::problem::Problem,
            content_type = "application/problem+json",
        ),
    ),
)]
pub async fn change(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<BulkBody>,
) -> Result<HttpResponse, ApiError> {
    require(&caller, Scope::Write)?;
    let body = body.into_inner();
    let transition = body.action.transition();
    let ids = BulkIds::parse(body.ids.iter().map(String::as_str))
        .map_err(|error| ApiError::Invalid(vec![("ids", error.to_string())]))?;
    let by = caller.acting(&req);
    let changes = state.changes.clone();
    let (ids, outcomes) = state
        .db("changing tokens in bulk", move |conn| {
            let outcomes = changes.transition_each(conn, &by, &ids, transition)?;
            Ok((ids, outcomes))
        })
        .await?;
    let results: Vec<BulkResult> = ids
        .as_slice()
        .iter()
        .zip(outcomes)
        .map(|(id, outcome)| BulkResult::new(id.to_string(), transition, outcome))
        .collect();
    let done = results
        .iter()
        .filter(|r| matches!(r.outcome, BulkOutcome::Done))
        .count();
    tracing::info!(
        by = %caller.grant.token_id,
        action = transition.slug(),
        done,
        not_done = results.len() - done,
        "tokens changed in bulk through the API"
    );
    Ok(HttpResponse::Ok().json(BulkAnswer { results }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_states_the_limit_the_code_keeps() {
        use crate::domain::bulk::MAX_BULK_IDS;
        assert_eq!(MAX_BULK_IDS, 100, "update BulkBody's max_items");
    }
}
