//! Races on one token: fifty enables, disables, deletes and edits at once, from an admin
//! in the portal and a token through the API together. Nothing fails with a 5xx, every
//! answer is a change or a clean refusal, each change that took effect is one audit
//! event, and replaying those events with the domain's rules, from the token as it
//! was, explains the row exactly.
//!
//! Each request comes from an address of its own (the test is the app's trusted
//! proxy), which the audit event records: so every event is tied to the one answer
//! that reported it.

use std::collections::HashMap;

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokendesk::app::AppOptions;
use tokendesk::db::schema::{api_tokens, audit_events, token_modules};
use tokendesk::domain::token_action::check_edit;
use tokendesk::domain::{Scope, TokenSecret, TokenStatus, Transition, TrustedProxies};

use crate::common::{
    ApiClient, DEMO_ADMIN, DEMO_ADMIN_LOGIN, DEMO_CORP, TestApp, spawn_app_with, token_path,
};
use crate::visitor::{PortalToken, Visitor};

const REQUESTS: usize = 50;

/// What an edit saves, and what the token's editable details are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    name: String,
    description: String,
    scope: String,
    /// Sorted.
    modules: Vec<String>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Fields {
    fn new(name: &str, description: &str, scope: &str, modules: &[&str]) -> Self {
        let mut modules: Vec<String> = modules.iter().map(|m| (*m).to_owned()).collect();
        modules.sort();
        Self {
            name: name.to_owned(),
            description: description.to_owned(),
            scope: scope.to_owned(),
            modules,
            expires_at: None,
        }
    }

    /// The names of the fields `draft` changes, as the edit's audit event lists them.
    fn changed_by(&self, draft: &Fields) -> Vec<&'static str> {
        [
            ("name", self.name != draft.name),
            ("description", self.description != draft.description),
            ("scope", self.scope != draft.scope),
            ("expiry", self.expires_at != draft.expires_at),
            ("modules", self.modules != draft.modules),
        ]
        .into_iter()
        .filter_map(|(field, changed)| changed.then_some(field))
        .collect()
    }
}

/// The target as `insert_token` makes it.
fn initial() -> Fields {
    Fields::new("Inserted by a test", "", "write", &["billing"])
}

/// Two edits that change different fields, and one back to the start (a no-op until
/// something else has changed the token).
fn drafts() -> [Fields; 3] {
    [
        Fields::new("Race A", "", "read", &["billing", "usage"]),
        Fields::new("Inserted by a test", "raced", "write", &["usage"]),
        initial(),
    ]
}

#[derive(Debug, Clone)]
enum Change {
    Transition(Transition),
    Edit(Fields),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Portal,
    Api,
}

#[derive(Debug, Clone)]
struct Attempt {
    channel: Channel,
    change: Change,
    /// The address it comes from, which its audit event records.
    ip: String,
}

/// Fifty changes, in blocks of eight alternating between the portal and the API, one of
/// them a delete through `delete_through`. (Only one: the API answers sooner than the
/// portal, which reads the session first, so a second delete would mostly end the race
/// before the portal's changes arrive.)
fn attempts(delete_through: Channel) -> Vec<Attempt> {
    let [a, b, back] = drafts();
    let (first, second) = match delete_through {
        Channel::Portal => (Channel::Portal, Channel::Api),
        Channel::Api => (Channel::Api, Channel::Portal),
    };
    (0..REQUESTS)
        .map(|i| {
            let change = match i % 8 {
                0 | 4 => Change::Transition(Transition::Disable),
                1 | 5 => Change::Transition(Transition::Enable),
                2 => Change::Edit(a.clone()),
                3 => Change::Edit(b.clone()),
                6 => Change::Edit(back.clone()),
                _ if i == 39 => Change::Transition(Transition::Delete),
                _ => Change::Edit(a.clone()),
            };
            Attempt {
                channel: if (i / 8) % 2 == 0 { first } else { second },
                change,
                ip: format!("203.0.113.{}", i + 1),
            }
        })
        .collect()
}

/// Whether an answer reports the change as done.
fn succeeded(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::OK | StatusCode::NO_CONTENT | StatusCode::SEE_OTHER
    )
}

/// The answer to `attempt` as the demo admin, with a form carrying the session's CSRF
/// token, as a browser without JavaScript sends it.
async fn through_portal(
    admin: &Visitor,
    csrf: &str,
    target: &str,
    attempt: &Attempt,
) -> (StatusCode, String) {
    let mut form = vec![("csrf_token", csrf.to_owned())];
    let action = match &attempt.change {
        Change::Transition(transition) => transition.slug(),
        Change::Edit(fields) => {
            form.extend([
                ("name", fields.name.clone()),
                ("description", fields.description.clone()),
                ("scope", fields.scope.clone()),
                ("expires_on", String::new()),
            ]);
            form.extend(fields.modules.iter().map(|m| ("modules", m.clone())));
            "edit"
        }
    };
    let request = admin
        .request(Method::POST, &format!("{}/{action}", token_path(target)))
        .header("X-Forwarded-For", &attempt.ip)
        .form(&form);
    let page = admin.send(request).await;
    (page.status, page.body)
}

/// The answer to `attempt` from the calling token.
async fn through_api(caller: &ApiClient, target: &str, attempt: &Attempt) -> (StatusCode, String) {
    let api = caller.clone().with_header("X-Forwarded-For", &attempt.ip);
    let path = format!("/tokens/{target}");
    let answer = match &attempt.change {
        Change::Transition(Transition::Delete) => api.delete(&path).await,
        Change::Transition(transition) => {
            api.post_empty(&format!("{path}/{}", transition.slug()))
                .await
        }
        Change::Edit(fields) => {
            let body = json!({
                "name": fields.name,
                "description": fields.description,
                "scope": fields.scope,
                "modules": fields.modules,
                "expires_at": fields.expires_at,
            });
            api.patch(&path, &body).await
        }
    };
    (answer.status, answer.body.to_string())
}

/// Whether a refusal is one the rules allow: the state forbids it (409), or a token
/// asked to enable what a person disabled (403, `exceeds_caller`).
fn clean_refusal(attempt: &Attempt, status: StatusCode, body: &str) -> bool {
    match status {
        StatusCode::CONFLICT | StatusCode::NOT_FOUND => true,
        StatusCode::FORBIDDEN => {
            attempt.channel == Channel::Api
                && matches!(attempt.change, Change::Transition(Transition::Enable))
                && body.contains("exceeds_caller")
                && body.contains("only a person can enable it")
        }
        _ => false,
    }
}

/// The token as the replay tracks it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    status: TokenStatus,
    disabled_by_person: bool,
    fields: Fields,
}

impl State {
    /// Applies `attempt`'s change as its audit event `details` record it, refusing (with
    /// a panic) anything the domain's rules would not have allowed at this point.
    fn apply(&mut self, attempt: &Attempt, details: &str) {
        match &attempt.change {
            Change::Transition(transition) => {
                transition
                    .check(self.status)
                    .unwrap_or_else(|refusal| panic!("{attempt:?} from {self:?}: {refusal}"));
                assert!(
                    !(*transition == Transition::Enable
                        && attempt.channel == Channel::Api
                        && self.disabled_by_person),
                    "{attempt:?}: a token enabled what a person disabled"
                );
                assert_eq!(details, "", "{attempt:?}");
                self.status = transition.to();
                self.disabled_by_person =
                    *transition == Transition::Disable && attempt.channel == Channel::Portal;
            }
            Change::Edit(draft) => {
                check_edit(self.status)
                    .unwrap_or_else(|refusal| panic!("{attempt:?} from {self:?}: {refusal}"));
                let changed = self.fields.changed_by(draft);
                assert!(
                    !changed.is_empty(),
                    "{attempt:?}: an edit of nothing was recorded"
                );
                assert_eq!(details, format!("Changed {}", changed.join(", ")));
                self.fields = draft.clone();
            }
        }
    }
}

/// The token's row, as the replay's state.
fn stored(app: &TestApp, id: &str) -> State {
    let mut conn = app.db.connection();
    let (status, disabled_by_person, name, description, scope, expires_at): (
        String,
        bool,
        String,
        String,
        String,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = api_tokens::table
        .find(id)
        .select((
            api_tokens::status,
            api_tokens::disabled_by_person,
            api_tokens::name,
            api_tokens::description,
            api_tokens::scope,
            api_tokens::expires_at,
        ))
        .first(&mut conn)
        .unwrap();
    let mut modules: Vec<String> = token_modules::table
        .filter(token_modules::token_id.eq(id))
        .select(token_modules::module_id)
        .load(&mut conn)
        .unwrap();
    modules.sort();
    State {
        status: TokenStatus::parse(&status).unwrap(),
        disabled_by_person,
        fields: Fields {
            name,
            description,
            scope,
            modules,
            expires_at,
        },
    }
}

/// An audit event on the target: action, acting person, acting token, details, address.
type Event = (
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

fn events_on(app: &TestApp, id: &str) -> Vec<Event> {
    audit_events::table
        .filter(audit_events::token_id.eq(id))
        .order(audit_events::id)
        .select((
            audit_events::action,
            audit_events::actor_user_id,
            audit_events::actor_token_id,
            audit_events::details,
            audit_events::ip,
        ))
        .load(&mut app.db.connection())
        .unwrap()
}

fn action_of(change: &Change) -> &'static str {
    match change {
        Change::Transition(Transition::Enable) => "token.enable",
        Change::Transition(Transition::Disable) => "token.disable",
        Change::Transition(Transition::Delete) => "token.delete",
        Change::Edit(_) => "token.edit",
    }
}

#[tokio::test]
async fn fifty_changes_at_once_from_the_portal_and_the_api_are_one_legal_sequence() {
    let app = spawn_app_with(AppOptions {
        flush_every: std::time::Duration::from_millis(200),
        trusted_proxies: TrustedProxies::new(["127.0.0.1".parse().unwrap()]),
        ..AppOptions::default()
    })
    .await;
    // It reaches every draft: write scope, their modules, no expiry.
    let caller = PortalToken::create(
        &app,
        "Race bot",
        "write",
        &["tokens", "billing", "usage"],
        "none",
    )
    .await;
    let (admin, csrf) = Visitor::signed_in_with_csrf(&app, DEMO_ADMIN_LOGIN).await;

    for delete_through in [Channel::Portal, Channel::Api] {
        let target = app.insert_token(
            DEMO_CORP,
            Scope::Write,
            &["billing"],
            &TokenSecret::generate(),
        );
        race(
            &app,
            (&admin, &csrf),
            &caller,
            &target,
            &attempts(delete_through),
        )
        .await;
    }
}

/// Sends `attempts` on `target` all at once, then holds the answers, the audit events
/// and the row to the rules.
async fn race(
    app: &TestApp,
    admin: (&Visitor, &str),
    caller: &PortalToken,
    target: &str,
    attempts: &[Attempt],
) {
    let answers = send_at_once(admin, &caller.api, target, attempts).await;

    for (attempt, (status, body)) in attempts.iter().zip(&answers) {
        assert!(
            succeeded(*status) || clean_refusal(attempt, *status, body),
            "{attempt:?} answered {status}: {body}"
        );
    }
    let events = events_on(app, target);
    let (state, recorded, passed_through) = replay(attempts, &answers, &events, &caller.id);
    for ((attempt, (status, body)), recorded) in attempts.iter().zip(&answers).zip(recorded) {
        if !succeeded(*status) || recorded {
            continue;
        }
        // Only an edit to what the token already held succeeds without an event.
        let Change::Edit(draft) = &attempt.change else {
            panic!("{attempt:?} answered {status} ({body}) but left no audit event");
        };
        assert!(
            passed_through
                .iter()
                .any(|s| s.status == TokenStatus::Active && &s.fields == draft),
            "{attempt:?} succeeded without an event, but the token never held its draft"
        );
    }
    assert_eq!(stored(app, target), state, "the replay of {events:?}");
}

/// The answer to each of `attempts`, in order, all sent the moment the last is ready.
async fn send_at_once(
    (admin, csrf): (&Visitor, &str),
    api: &ApiClient,
    target: &str,
    attempts: &[Attempt],
) -> Vec<(StatusCode, String)> {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(attempts.len()));
    let mut running = tokio::task::JoinSet::new();
    for (index, attempt) in attempts.iter().enumerate() {
        let (admin, csrf, api) = (admin.clone(), csrf.to_owned(), api.clone());
        let (target, attempt, start) = (target.to_owned(), attempt.clone(), start.clone());
        running.spawn(async move {
            start.wait().await;
            let answer = match attempt.channel {
                Channel::Portal => through_portal(&admin, &csrf, &target, &attempt).await,
                Channel::Api => through_api(&api, &target, &attempt).await,
            };
            (index, answer)
        });
    }
    let mut answers = running.join_all().await;
    answers.sort_by_key(|(index, _)| *index);
    answers.into_iter().map(|(_, answer)| answer).collect()
}

/// Replays `events` in order from the token as it was, each tied by its address to the
/// attempt that made it, which must have been answered as a success by the actor it
/// names. Returns the end state, which attempts were recorded, and every state the
/// token passed through.
fn replay(
    attempts: &[Attempt],
    answers: &[(StatusCode, String)],
    events: &[Event],
    caller: &str,
) -> (State, Vec<bool>, Vec<State>) {
    let by_ip: HashMap<&str, usize> = attempts
        .iter()
        .enumerate()
        .map(|(index, attempt)| (attempt.ip.as_str(), index))
        .collect();
    let mut recorded = vec![false; attempts.len()];
    let mut state = State {
        status: TokenStatus::Active,
        disabled_by_person: false,
        fields: initial(),
    };
    let mut passed_through = vec![state.clone()];
    for (action, user, token, details, ip) in events {
        let index = by_ip[ip.as_deref().expect("every change records its address")];
        let attempt = &attempts[index];
        assert!(!recorded[index], "{attempt:?} was recorded twice");
        recorded[index] = true;
        assert!(
            succeeded(answers[index].0),
            "{attempt:?} was recorded, but answered {:?}",
            answers[index]
        );
        assert_eq!(action, action_of(&attempt.change), "{attempt:?}");
        let actor = match attempt.channel {
            Channel::Portal => (Some(DEMO_ADMIN), None),
            Channel::Api => (None, Some(caller)),
        };
        assert_eq!((user.as_deref(), token.as_deref()), actor, "{attempt:?}");
        state.apply(attempt, details);
        passed_through.push(state.clone());
    }
    (state, recorded, passed_through)
}
