//! What the token API's `#[utoipa::path]` attributes refer to beyond the handlers' own
//! types: the path and query parameters, and the body `create` answers with. The
//! parameters' values come from the domain's lists, as the handlers parse them.

use super::view::TokenJson;
use crate::api::schemas::word_schema;
use crate::domain::Transition;
use crate::domain::token_list_query::{
    LEAKED_PARAM, SortDirection, SortKey, StatusFilter, UnusedFilter,
};

word_schema!(
    ActionWord = "TokenAction",
    "What to do to the token.",
    [Transition::Enable, Transition::Disable].map(Transition::slug)
);

word_schema!(
    StatusFilterWord = "StatusFilter",
    "The statuses to list.",
    StatusFilter::CHOICES
        .into_iter()
        .map(StatusFilter::as_param)
        .filter(|param| !param.is_empty())
);

word_schema!(
    UnusedWord = "UnusedFilter",
    "How long unused.",
    UnusedFilter::CHOICES.map(UnusedFilter::as_param)
);

word_schema!(ExpiringWord = "ExpiringFilter", "How soon expiring.", ["7"]);

word_schema!(
    LeakedWord = "LeakedFilter",
    "Found in public.",
    [LEAKED_PARAM]
);

word_schema!(
    SortWord = "SortKey",
    "The sort key.",
    SortKey::CHOICES.map(SortKey::as_param)
);

word_schema!(
    DirectionWord = "SortDirection",
    "The sort direction.",
    [SortDirection::Asc, SortDirection::Desc].map(SortDirection::as_param)
);

/// `{id}`: a token id.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "only its parameters are used, for the document")]
pub struct TokenPath {
    /// A token id, like `TK-1234-5678-9012`.
    #[param(
        pattern = "^TK-[0-9]{4}-[0-9]{4}-[0-9]{4}$",
        example = "TK-1000-0000-0001"
    )]
    id: String,
}

/// `{id}/{action}`: a token id and what to do to it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "only its parameters are used, for the document")]
pub struct TransitionPath {
    /// A token id, like `TK-1234-5678-9012`.
    #[param(
        pattern = "^TK-[0-9]{4}-[0-9]{4}-[0-9]{4}$",
        example = "TK-1000-0000-0001"
    )]
    id: String,
    /// `enable` a disabled token, or `disable` an active one.
    #[param(value_type = ActionWord, inline)]
    action: String,
}

/// The list's search, filters, sort and page, as the portal's list takes them; a value
/// it does not know is ignored. Pages of 25 are walked with `after`; `page` greater
/// than 1 without it is `400`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "only its parameters are used, for the document")]
pub struct ListQuery {
    /// Name or ID contains
    q: Option<String>,
    /// One status, or `all` (default: active and disabled, expired included)
    #[param(value_type = Option<StatusFilterWord>, inline)]
    status: Option<String>,
    /// A module id
    module: Option<String>,
    /// Not used in 30 or 90 days, or `never` used
    #[param(value_type = Option<UnusedWord>, inline)]
    unused: Option<String>,
    /// `7`: expiring within 7 days
    #[param(value_type = Option<ExpiringWord>, inline)]
    expiring: Option<String>,
    /// `1`: only tokens whose secret was found in public (with `status=disabled`, the
    /// ones the portal's banner counts)
    #[param(value_type = Option<LeakedWord>, inline)]
    leaked: Option<String>,
    /// The sort key (default: `created`)
    #[param(value_type = Option<SortWord>, inline)]
    sort: Option<String>,
    /// The direction (default: newest first for times, A to Z for names, soonest expiry first)
    #[param(value_type = Option<DirectionWord>, inline)]
    dir: Option<String>,
    /// The page after this token: the previous page's `next_after`. Without it, the
    /// first page.
    #[param(value_type = Option<String>, example = "TK-1000-0000-0025")]
    after: Option<String>,
}

/// The new token, and its secret, which the API shows this once.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "only its schema is used, for the document")]
pub struct CreatedToken {
    token: TokenJson,
    /// The token's value, `tdk_…`: the API answers with it here only.
    secret: String,
}

/// The rotated token, its new secret (shown this once) and when the old one stops.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "only its schema is used, for the document")]
pub struct RotatedToken {
    token: TokenJson,
    /// The token's new value, `tdk_…`: the API answers with it here only.
    secret: String,
    /// When the replaced secret stops working: the rotation itself with no grace period.
    old_secret_ends_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use crate::domain::token_list_query::PAGE_SIZE;

    #[test]
    fn a_page_holds_what_the_description_says() {
        assert_eq!(PAGE_SIZE, 25, "update ListQuery's page description");
    }
}
