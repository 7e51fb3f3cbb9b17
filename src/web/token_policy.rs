//! `/settings/token-policy`: the account's token expiry policy, which its admins set
//! (audited), and the tokens that break it, listed and left as they are.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::chrome::Chrome;
use super::csrf::CsrfForm;
use super::current_user::AccountAdmin;
use super::errors::WebError;
use super::render;
use super::session::TypedSession;
use super::time_view::TimeView;
use super::view::Choice;
use crate::db::token_policy::{self, Breaking, PolicySaved};
use crate::domain::expiry_policy::LIFETIME_CHOICES;
use crate::domain::{ExpiryPolicy, TokenId};
use crate::state::AppState;

pub const PATH: &str = "/settings/token-policy";

/// Breaking tokens listed at most; past it the page says there are more.
const BREAKING_SHOWN: i64 = 100;

struct BreakingView {
    id: TokenId,
    name: String,
    expires: Option<TimeView>,
}

#[derive(Template)]
#[template(path = "token_policy.html")]
struct PolicyPage {
    chrome: Option<Chrome>,
    csrf_token: String,
    lifetimes: Vec<Choice>,
    expiry_required: bool,
    summary: String,
    error: Option<String>,
    breaking: Vec<BreakingView>,
    more_breaking: bool,
}

/// The form: a lifetime of `LIFETIME_CHOICES` in days or empty for none, and the box.
#[derive(Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    max_lifetime: String,
    expiry_required: Option<String>,
}

impl PolicyForm {
    fn parse(&self) -> Result<ExpiryPolicy, String> {
        let days = match self.max_lifetime.trim() {
            "" => None,
            raw => Some(
                raw.parse::<i32>()
                    .map_err(|_| "Choose one of the lifetimes offered.".to_owned())?,
            ),
        };
        ExpiryPolicy::new(days, self.expiry_required.is_some()).map_err(|e| e.to_string())
    }
}

pub async fn page(
    admin: AccountAdmin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let account = admin.account.clone();
    let policy = state
        .db("loading the expiry policy", move |conn| {
            token_policy::policy(conn, &account)
        })
        .await?;
    show(&state, admin, policy, None).await
}

pub async fn save(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    form: CsrfForm<PolicyForm>,
) -> Result<HttpResponse, WebError> {
    let policy = match form.0.parse() {
        Ok(policy) => policy,
        Err(error) => {
            let account = admin.account.clone();
            let current = state
                .db("loading the expiry policy", move |conn| {
                    token_policy::policy(conn, &account)
                })
                .await?;
            return show(&state, admin, current, Some(error)).await;
        }
    };
    let by = admin.acting(&req);
    let saved = state
        .db("saving the expiry policy", move |conn| {
            token_policy::set_policy(conn, &by, policy)
        })
        .await?;
    let message = match saved {
        PolicySaved::Changed => {
            tracing::info!(account = %admin.account, policy = %policy.describe(), "expiry policy changed");
            "The expiry policy is saved."
        }
        // Only a token is held to tightening; a person is not.
        PolicySaved::Unchanged | PolicySaved::LooserThanATokenMay => {
            "Nothing changed in the expiry policy."
        }
        PolicySaved::Exceeds(excess) => {
            return Err(
                anyhow::anyhow!("a person's policy change was held to a reach: {excess}").into(),
            );
        }
    };
    TypedSession::from_request_sync(&req)
        .set_flash(message)
        .map_err(WebError::internal("keeping the flash message"))?;
    Ok(HttpResponse::build(StatusCode::SEE_OTHER)
        .insert_header((header::LOCATION, PATH))
        .finish())
}

/// The page with `policy` in its form (and `error` about what was sent), listing the
/// tokens that break the policy saved.
async fn show(
    state: &AppState,
    admin: AccountAdmin,
    policy: ExpiryPolicy,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let account = admin.account.clone();
    let now = Utc::now();
    let breaking: Vec<Breaking> = state
        .db("listing the tokens that break the policy", move |conn| {
            let saved = token_policy::policy(conn, &account)?;
            token_policy::breaking(conn, &account, saved, now, BREAKING_SHOWN + 1)
        })
        .await?;
    let more_breaking = breaking.len() > usize::try_from(BREAKING_SHOWN).unwrap_or(usize::MAX);
    let mut lifetimes = vec![Choice::new(
        "",
        "No maximum",
        policy.max_lifetime_days().is_none(),
    )];
    lifetimes.extend(LIFETIME_CHOICES.iter().map(|days| {
        Choice::new(
            &days.to_string(),
            &format!("{days} days"),
            policy.max_lifetime_days() == Some(*days),
        )
    }));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = PolicyPage {
        csrf_token: admin.signed_in.chrome.csrf_token.clone(),
        chrome: Some(admin.signed_in.chrome),
        lifetimes,
        expiry_required: policy.expiry_required(),
        summary: policy.describe(),
        error,
        breaking: breaking
            .into_iter()
            .take(usize::try_from(BREAKING_SHOWN).unwrap_or(usize::MAX))
            .map(|token| BreakingView {
                expires: TimeView::optional(token.expires_at, now),
                id: token.id,
                name: token.name,
            })
            .collect(),
        more_breaking,
    };
    Ok(render::page_with_status(status, &page))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Form bodies as a browser or an attacker sends them: the two fields with any
    /// value, missing, repeated or mangled.
    fn bodies() -> impl Strategy<Value = String> {
        let value = prop_oneof![
            Just(String::new()),
            "30|90|180|365|0|-1|9999999999|1e2| 90 |on".prop_map(String::from),
            "\\PC{0,12}",
        ];
        let field = prop_oneof![
            value
                .clone()
                .prop_map(|v| format!("max_lifetime={}", encoded(&v))),
            value.prop_map(|v| format!("expiry_required={}", encoded(&v))),
            Just("%FF%FE=%00".to_owned()),
            Just("max_lifetime".to_owned()),
        ];
        proptest::collection::vec(field, 0..4).prop_map(|fields| fields.join("&"))
    }

    fn encoded(value: &str) -> String {
        url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
    }

    proptest! {
        #[test]
        fn any_form_is_a_policy_or_a_clear_error(body in bodies()) {
            let Ok(form) = serde_html_form::from_bytes::<PolicyForm>(body.as_bytes()) else {
                return Ok(());
            };
            match form.parse() {
                Ok(policy) => {
                    let sent = form.max_lifetime.trim();
                    let days = (!sent.is_empty()).then(|| sent.parse::<i32>().ok()).flatten();
                    prop_assert_eq!(policy.max_lifetime_days(), days);
                    let read = policy.max_lifetime_days().map(|days| days.to_string());
                    prop_assert_eq!(policy.expiry_required(), form.expiry_required.is_some());
                    let again = PolicyForm {
                        max_lifetime: read.unwrap_or_default(),
                        expiry_required: policy.expiry_required().then(|| "on".to_owned()),
                    };
                    prop_assert_eq!(again.parse(), Ok(policy));
                }
                Err(message) => prop_assert!(message.starts_with("Choose") || message.starts_with("The maximum lifetime")),
            }
        }
    }

    #[test]
    fn each_lifetime_offered_is_accepted_and_no_other() {
        for days in LIFETIME_CHOICES {
            let form = PolicyForm {
                max_lifetime: days.to_string(),
                expiry_required: None,
            };
            assert_eq!(form.parse().unwrap().max_lifetime_days(), Some(days));
        }
        let none = PolicyForm {
            max_lifetime: " ".into(),
            expiry_required: Some(String::new()),
        };
        assert_eq!(none.parse().unwrap().max_lifetime_days(), None);
        assert!(none.parse().unwrap().expiry_required());
        for refused in ["60", "-30", "ninety", "90.0"] {
            let form = PolicyForm {
                max_lifetime: refused.into(),
                expiry_required: None,
            };
            assert!(form.parse().is_err(), "{refused}");
        }
    }
}
