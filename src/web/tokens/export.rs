//! `GET /settings/api-tokens/export.csv`: the current filtered list, every page, as CSV
//! with the page's columns and UTC ISO 8601 times. It is read and sent a chunk at a
//! time, so a hundred thousand tokens never sit in memory; text that a spreadsheet
//! would run as a formula is escaped. Every export is audited, finished or not (see
//! `export_audit`); one another site started is refused before it begins.

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::http::header::{
    self, CacheControl, CacheDirective, ContentDisposition, DispositionParam, DispositionType,
};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};

use super::export_audit::ExportAudit;
use super::pasted_secret;
use crate::db::tokens::{self, TokenSummary};
use crate::domain::secret;
use crate::domain::token_list_query::{RawTokenListQuery, TokenListQuery};
use crate::state::AppState;
use crate::web::current_user::ApiAccess;
use crate::web::errors::WebError;

/// Rows read per database round trip.
const CHUNK: i64 = 1000;

enum Next {
    Header,
    /// The next chunk: the rows after this one, the last sent (from the first when
    /// `None`).
    From(Option<Box<TokenSummary>>),
    /// Every row was sent.
    Done,
    /// A read failed: nothing more is sent, and the export is not complete.
    Stop,
}

pub async fn csv(
    req: HttpRequest,
    access: ApiAccess,
    state: web::Data<AppState>,
    raw: web::Query<RawTokenListQuery>,
) -> Result<HttpResponse, WebError> {
    // An export is audited in the person's name, and a link or a redirect from another
    // site brings the session cookie along (SameSite=Lax): browsers say where a request
    // came from, and only the site itself, or the person typing the address, may start
    // one.
    let from_elsewhere = req
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|site| !matches!(site.as_bytes(), b"same-origin" | b"none"));
    if from_elsewhere {
        return Err(WebError::FromAnotherSite);
    }
    // Every page, from the first, whatever page the link was made on.
    let raw = raw.into_inner();
    let typed = raw.q.clone();
    let query = TokenListQuery::from(raw).first_page();
    // A secret in the search is neither searched for nor audited (as the list does).
    let query =
        pasted_secret::searched_instead(&state, &access.visibility, typed.as_deref(), &query)
            .await?
            .unwrap_or(query);
    let state: Arc<AppState> = state.into_inner();
    let audit = ExportAudit::new(
        state.clone(),
        access.signed_in.user.clone(),
        crate::state::client_ip(&req),
        describe(&query),
    );
    let visibility = access.visibility.clone();
    let with_account = visibility.spans_accounts();
    // One moment for the whole export, so "expired" or "unused" can't shift mid-way.
    let now = Utc::now();
    // The audit travels with the stream: dropped with it however it ends.
    let body = futures_util::stream::unfold((Next::Header, audit), move |(next, mut audit)| {
        let (state, visibility, query) = (state.clone(), visibility.clone(), query.clone());
        async move {
            match next {
                Next::Done => {
                    audit.complete().await;
                    None
                }
                Next::Stop => None,
                Next::Header => Some((
                    Ok(encode(&[header_row(with_account)])),
                    (Next::From(None), audit),
                )),
                Next::From(after) => {
                    let read = state
                        .db("exporting tokens", move |conn| {
                            tokens::chunk(conn, &visibility, &query, after.as_deref(), now, CHUNK)
                        })
                        .await;
                    match read {
                        Ok(rows) if rows.is_empty() => {
                            audit.complete().await;
                            None
                        }
                        Ok(rows) => {
                            let read = i64::try_from(rows.len()).unwrap_or(CHUNK);
                            let next = match rows.last() {
                                Some(last) if read == CHUNK => {
                                    Next::From(Some(Box::new(last.clone())))
                                }
                                _ => Next::Done,
                            };
                            let records: Vec<Vec<String>> =
                                rows.iter().map(|t| record(t, with_account, now)).collect();
                            audit.sent(read);
                            Some((Ok(encode(&records)), (next, audit)))
                        }
                        Err(error) => {
                            tracing::error!(
                                error = format!("{error:#}"),
                                sent = audit.rows_sent(),
                                "the CSV export failed part-way"
                            );
                            Some((
                                Err(actix_web::error::ErrorInternalServerError("export failed")),
                                (Next::Stop, audit),
                            ))
                        }
                    }
                }
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename("api-tokens.csv".into())],
        })
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .streaming(body))
}

/// The filters as their URL parameters, or "none".
fn describe(query: &TokenListQuery) -> String {
    let params = query.to_params();
    if params.is_empty() {
        return "none".to_owned();
    }
    let described = params
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(", ");
    // A secret the search holds with more around it (`Bearer tdk_…`), or a service's.
    secret::without_secrets(&described)
}

fn header_row(with_account: bool) -> Vec<String> {
    let mut columns = vec!["API token", "ID"];
    if with_account {
        columns.extend(["Account", "Account ID"]);
    }
    columns.extend([
        "Token",
        "Modules",
        "Scope",
        "Created by",
        "Created by ID",
        "Date created",
        "Expires",
        "Last access",
        "Status",
    ]);
    columns.into_iter().map(str::to_owned).collect()
}

fn record(token: &TokenSummary, with_account: bool, now: DateTime<Utc>) -> Vec<String> {
    let time = |at: Option<DateTime<Utc>>| {
        at.map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let mut fields = vec![token.name.clone(), token.id.to_string()];
    if with_account {
        fields.extend([token.account_name.clone(), token.account_id.to_string()]);
    }
    fields.extend([
        crate::domain::secret::masked(&token.secret_prefix),
        token
            .modules
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        token.scope.label().to_owned(),
        token.created_by_name.clone(),
        token.created_by_id.to_string(),
        time(Some(token.created_at)),
        time(token.expires_at),
        time(token.last_access_at),
        token
            .status
            .display(token.expires_at, now)
            .label()
            .to_owned(),
    ]);
    fields
}

fn encode(records: &[Vec<String>]) -> web::Bytes {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for fields in records {
        // Writing to memory only fails on a broken writer, which a Vec is not.
        let _ = writer.write_record(fields.iter().map(|f| defuse(f).into_owned()));
    }
    web::Bytes::from(writer.into_inner().unwrap_or_default())
}

/// A field a spreadsheet would read as a formula gets a leading apostrophe, and so does
/// each part of it after a `;`: a spreadsheet set to split on semicolons (the custom
/// where a comma is the decimal mark) reads each part as a cell of its own.
fn defuse(field: &str) -> Cow<'_, str> {
    let runs = |part: &str| part.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !field.split(';').any(runs) {
        return Cow::Borrowed(field);
    }
    let parts: Vec<Cow<'_, str>> = field
        .split(';')
        .map(|part| {
            if runs(part) {
                Cow::Owned(format!("'{part}"))
            } else {
                Cow::Borrowed(part)
            }
        })
        .collect();
    Cow::Owned(parts.join(";"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_escaped_and_the_rest_left_alone() {
        for risky in ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\r=1"] {
            assert_eq!(defuse(risky), format!("'{risky}"));
        }
        assert_eq!(defuse("x;=cmd|' /C calc'!A0;"), "x;'=cmd|' /C calc'!A0;");
        assert_eq!(defuse("=1;+2"), "'=1;'+2");
        assert_eq!(defuse("a; b"), "a; b");
        assert_eq!(defuse("CI deploy"), "CI deploy");
        assert_eq!(defuse("2026-11-23T10:00:00Z"), "2026-11-23T10:00:00Z");
    }

    #[test]
    fn quotes_and_commas_are_quoted_by_the_csv_writer() {
        let bytes = encode(&[vec!["a, \"b\"".into(), "=x".into()]]);
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            "\"a, \"\"b\"\"\",'=x\n"
        );
    }
}
