//! Service credentials: the platform's other services (API gateways and the like) that
//! may ask whether a token is valid. Only each secret's digest is kept. Removing one
//! tells every instance through NOTIFY, so it ends at once everywhere.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::service_credentials;
use crate::domain::{SecretDigest, ServiceName, ServiceSecret};

/// The channel every instance listens on for removed service credentials.
pub const SERVICES_CHANNEL: &str = "tokendesk_service_changed";

/// A service credential as `tokendesk service list` shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = service_credentials, check_for_backend(diesel::pg::Pg))]
pub struct ServiceCredential {
    pub name: ServiceName,
    pub secret_prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Adds a credential for `name` with `secret`; `false` if the name is taken.
pub fn add(
    conn: &mut PgConnection,
    name: &ServiceName,
    secret: &ServiceSecret,
) -> QueryResult<bool> {
    let added = diesel::insert_into(service_credentials::table)
        .values((
            service_credentials::name.eq(name),
            service_credentials::secret_digest.eq(secret.digest().as_bytes()),
            service_credentials::secret_prefix.eq(secret.visible_prefix()),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(added == 1)
}

/// Every credential, by name.
pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<ServiceCredential>> {
    service_credentials::table
        .order(service_credentials::name)
        .select(ServiceCredential::as_select())
        .load(conn)
}

/// Removes `name`'s credential and tells every instance; `false` if there was none.
pub fn remove(conn: &mut PgConnection, name: &ServiceName) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let removed = diesel::delete(service_credentials::table.find(name)).execute(conn)?;
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<diesel::sql_types::Text, _>(SERVICES_CHANNEL)
            .bind::<diesel::sql_types::Text, _>(name)
            .execute(conn)?;
        Ok(removed == 1)
    })
}

/// The service a secret's digest belongs to, marking it used at `now`.
pub fn authenticate(
    conn: &mut PgConnection,
    digest: &SecretDigest,
    now: DateTime<Utc>,
) -> QueryResult<Option<ServiceName>> {
    diesel::update(
        service_credentials::table.filter(service_credentials::secret_digest.eq(digest.as_bytes())),
    )
    .set(service_credentials::last_used_at.eq(now))
    .returning(service_credentials::name)
    .get_result(conn)
    .optional()
}
