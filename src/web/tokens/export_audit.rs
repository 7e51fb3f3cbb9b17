//! Every CSV export leaves an audit entry, whether or not it finishes: with its filters,
//! the rows sent, and whether every row was sent. A finished export is recorded before
//! its last byte goes out; one that stops part-way (the client went away, or a read
//! failed) is recorded when its stream is dropped, so an aborted download can't dodge
//! the audit log.

use std::sync::Arc;

use chrono::Utc;

use crate::db::users::{self, User};
use crate::domain::{AuditAction, ClientIp};
use crate::state::AppState;

/// Who is exporting what, and how far it got.
pub struct ExportAudit {
    state: Arc<AppState>,
    user: User,
    ip: Option<ClientIp>,
    filters: String,
    rows_sent: i64,
    recorded: bool,
}

impl ExportAudit {
    pub fn new(state: Arc<AppState>, user: User, ip: Option<ClientIp>, filters: String) -> Self {
        Self {
            state,
            user,
            ip,
            filters,
            rows_sent: 0,
            recorded: false,
        }
    }

    /// Counts `rows` as sent.
    pub fn sent(&mut self, rows: i64) {
        self.rows_sent += rows;
    }

    pub fn rows_sent(&self) -> i64 {
        self.rows_sent
    }

    /// Records the export as complete: every row was sent.
    pub async fn complete(&mut self) {
        self.recorded = true;
        let details = self.details(true);
        let recording = self.recording(details);
        if let Err(error) = self.state.db("recording an export", recording).await {
            tracing::error!(error = format!("{error:#}"), "recording an export failed");
        }
    }

    fn details(&self, complete: bool) -> String {
        let how_far = if complete {
            "Complete"
        } else {
            "Stopped part-way"
        };
        format!(
            "{how_far}: {} tokens sent; filters: {}",
            self.rows_sent, self.filters
        )
    }

    /// The write of the entry saying `details`, for the blocking pool.
    fn recording(
        &self,
        details: String,
    ) -> impl FnOnce(&mut diesel::PgConnection) -> diesel::QueryResult<()> + Send + 'static {
        let (user, ip) = (self.user.clone(), self.ip);
        move |conn| {
            users::audit_person(
                conn,
                &user,
                AuditAction::TokensExport,
                ip,
                details,
                Utc::now(),
            )
        }
    }
}

impl Drop for ExportAudit {
    /// An export dropped before it was complete is recorded as stopped, in the
    /// background: nothing is left to answer.
    fn drop(&mut self) {
        if self.recorded {
            return;
        }
        let (state, recording) = (self.state.clone(), self.recording(self.details(false)));
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!(
                rows_sent = self.rows_sent,
                "an export stopped part-way could not be recorded: no runtime"
            );
            return;
        };
        runtime.spawn(async move {
            if let Err(error) = state.db("recording a stopped export", recording).await {
                tracing::error!(
                    error = format!("{error:#}"),
                    "recording a stopped export failed"
                );
            }
        });
    }
}
