//! Writing coalesced token uses: one statement each for last access, daily counts and
//! addresses, however many calls they stand for. Last access never moves backwards, and
//! lives in `token_last_access`, apart from the tokens (migration 000014).
//! Uses of a token that is gone (a demo reset removes tokens) are dropped, so they can't
//! fail the batch they came in, and every batch after it. A token keeps only its
//! `MAX_ADDRESSES_PER_TOKEN` most recently seen addresses.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Array, BigInt, Date, Nullable, Text, Timestamptz};

use crate::domain::TokenId;
use crate::domain::token_use::{MAX_ADDRESSES_PER_TOKEN, TokenUses};

/// The latest use of each token, one array per column for `unnest`.
#[derive(Default)]
pub struct LastAccessColumns {
    token_ids: Vec<String>,
    at: Vec<DateTime<Utc>>,
    ips: Vec<Option<String>>,
    user_agents: Vec<Option<String>>,
    via: Vec<Option<String>>,
}

impl LastAccessColumns {
    /// `token` was last used `at`, from `ip` with `user_agent`, through the service `via`.
    pub fn push(
        &mut self,
        token: &TokenId,
        at: DateTime<Utc>,
        ip: Option<String>,
        user_agent: Option<String>,
        via: Option<String>,
    ) {
        self.token_ids.push(token.to_string());
        self.at.push(at);
        self.ips.push(ip);
        self.user_agents.push(user_agent);
        self.via.push(via);
    }

    /// Records each use as its token's last access, unless a later one is recorded.
    pub fn write(&self, conn: &mut PgConnection) -> QueryResult<usize> {
        sql_query(
            "UPDATE token_last_access AS t
                SET at = v.at, ip = v.ip, user_agent = v.agent, via = v.via
               FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[])
                    AS v(id, at, ip, agent, via)
              WHERE t.token_id = v.id AND (t.at IS NULL OR t.at < v.at)",
        )
        .bind::<Array<Text>, _>(&self.token_ids)
        .bind::<Array<Timestamptz>, _>(&self.at)
        .bind::<Array<Nullable<Text>>, _>(&self.ips)
        .bind::<Array<Nullable<Text>>, _>(&self.user_agents)
        .bind::<Array<Nullable<Text>>, _>(&self.via)
        .execute(conn)
    }
}

/// Requests per token and day.
#[derive(Default)]
struct DailyColumns {
    token_ids: Vec<String>,
    days: Vec<NaiveDate>,
    requests: Vec<i64>,
}

/// Uses per token and address.
#[derive(Default)]
struct AddressColumns {
    token_ids: Vec<String>,
    ips: Vec<String>,
    first_seen: Vec<DateTime<Utc>>,
    last_seen: Vec<DateTime<Utc>>,
    user_agents: Vec<String>,
    requests: Vec<i64>,
}

/// A batch of uses as the three statements take them: in the order of the tokens' ids,
/// and of each token's days and addresses, which the inserts keep (`ORDER BY`, whatever
/// the plan). Each insert then locks tokens' keys (the foreign-key check of a new row)
/// in id order, as a bulk change (`TokenChanges::transition_each`) locks its tokens,
/// which makes a deadlock between them rarer. It doesn't rule one out: the two inserts
/// are two statements, each locking only the tokens given new rows, and the last-access
/// update follows its plan. A deadlock fails the write, whose uses are kept for the
/// next.
#[derive(Default)]
struct UseColumns {
    last: LastAccessColumns,
    daily: DailyColumns,
    addresses: AddressColumns,
}

impl UseColumns {
    fn of(batch: &HashMap<TokenId, TokenUses>) -> Self {
        let mut columns = Self::default();
        let mut tokens: Vec<_> = batch.iter().collect();
        tokens.sort_unstable_by_key(|(token, _)| *token);
        for (token, uses) in tokens {
            columns.push(token, uses);
        }
        columns
    }

    fn push(&mut self, token: &TokenId, uses: &TokenUses) {
        let Self {
            last,
            daily,
            addresses,
        } = self;
        if let Some(used) = &uses.last {
            last.push(
                token,
                used.at,
                used.ip.map(|ip| ip.to_string()),
                used.user_agent.clone(),
                used.via.as_ref().map(ToString::to_string),
            );
        }
        let mut days: Vec<_> = uses.per_day.iter().collect();
        days.sort_unstable();
        for (day, count) in days {
            daily.token_ids.push(token.to_string());
            daily.days.push(*day);
            daily.requests.push(*count);
        }
        let mut ips: Vec<_> = uses.per_ip.iter().collect();
        ips.sort_unstable_by_key(|(ip, _)| **ip);
        for (ip, seen) in ips {
            addresses.token_ids.push(token.to_string());
            addresses.ips.push(ip.to_string());
            addresses.first_seen.push(seen.first_at);
            addresses.last_seen.push(seen.last_at);
            addresses.user_agents.push(seen.user_agent.clone());
            addresses.requests.push(seen.requests);
        }
    }
}

/// Writes `batch` in one transaction; returns how many statements ran: three, and a
/// fourth, once they are committed, when a token was given an address it had not been
/// seen from, to keep only its most recent (`keep_most_recent_addresses`; a failure of
/// that is logged, and counted out).
pub fn write_uses(
    conn: &mut PgConnection,
    batch: &HashMap<TokenId, TokenUses>,
) -> QueryResult<usize> {
    if batch.is_empty() {
        return Ok(0);
    }
    let UseColumns {
        last,
        daily,
        addresses,
    } = UseColumns::of(batch);
    let given_new = conn.transaction(|conn| {
        last.write(conn)?;
        sql_query(
            "INSERT INTO token_usage_daily (token_id, day, requests)
             SELECT v.* FROM unnest($1::text[], $2::date[], $3::bigint[]) AS v(id, day, requests)
              WHERE EXISTS (SELECT 1 FROM api_tokens AS t WHERE t.id = v.id)
              ORDER BY v.id, v.day
             ON CONFLICT (token_id, day) DO UPDATE SET requests = token_usage_daily.requests + excluded.requests",
        )
        .bind::<Array<Text>, _>(&daily.token_ids)
        .bind::<Array<Date>, _>(&daily.days)
        .bind::<Array<BigInt>, _>(&daily.requests)
        .execute(conn)?;
        let upserted = sql_query(
            "INSERT INTO token_access_ips (token_id, ip, first_seen_at, last_seen_at, user_agent, requests)
             SELECT v.* FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::bigint[])
                    AS v(id, ip, first_seen, last_seen, agent, requests)
              WHERE EXISTS (SELECT 1 FROM api_tokens AS t WHERE t.id = v.id)
              ORDER BY v.id, v.ip
             ON CONFLICT (token_id, ip) DO UPDATE SET
                 first_seen_at = LEAST(token_access_ips.first_seen_at, excluded.first_seen_at),
                 last_seen_at = GREATEST(token_access_ips.last_seen_at, excluded.last_seen_at),
                 user_agent = CASE WHEN excluded.last_seen_at >= token_access_ips.last_seen_at
                                   THEN excluded.user_agent ELSE token_access_ips.user_agent END,
                 requests = token_access_ips.requests + excluded.requests
             RETURNING token_id, ip, requests",
        )
        .bind::<Array<Text>, _>(&addresses.token_ids)
        .bind::<Array<Text>, _>(&addresses.ips)
        .bind::<Array<Timestamptz>, _>(&addresses.first_seen)
        .bind::<Array<Timestamptz>, _>(&addresses.last_seen)
        .bind::<Array<Text>, _>(&addresses.user_agents)
        .bind::<Array<BigInt>, _>(&addresses.requests)
        .load::<UpsertedAddress>(conn)?;
        QueryResult::Ok(addresses.tokens_given_new_addresses(&upserted))
    })?;
    if given_new.is_empty() {
        return Ok(3);
    }
    // After the commit, and never waiting: the uses are written, whatever comes of this.
    // In a transaction of its own, or a savepoint inside the caller's (the seeder's, a
    // demo reset's), which its failure then leaves usable.
    match conn.transaction(|conn| keep_most_recent_addresses(conn, &given_new)) {
        Ok(_) => Ok(4),
        Err(error) => {
            tracing::warn!(%error, "forgetting tokens' oldest addresses failed; the next new address tries again");
            Ok(3)
        }
    }
}

/// An address's row as the write left it.
#[derive(QueryableByName)]
struct UpsertedAddress {
    #[diesel(sql_type = Text)]
    token_id: String,
    #[diesel(sql_type = Text)]
    ip: String,
    #[diesel(sql_type = BigInt)]
    requests: i64,
}

impl AddressColumns {
    /// The tokens, in id order, that `upserted` shows were given an address the table
    /// did not hold: its row holds just this write's requests, where a row already there
    /// held at least one more.
    fn tokens_given_new_addresses(&self, upserted: &[UpsertedAddress]) -> Vec<String> {
        let written: HashMap<(&str, &str), i64> = self
            .token_ids
            .iter()
            .zip(&self.ips)
            .zip(&self.requests)
            .map(|((token, ip), requests)| ((token.as_str(), ip.as_str()), *requests))
            .collect();
        let mut tokens: Vec<String> = upserted
            .iter()
            .filter(|row| {
                written.get(&(row.token_id.as_str(), row.ip.as_str())) == Some(&row.requests)
            })
            .map(|row| row.token_id.clone())
            .collect();
        tokens.sort_unstable();
        tokens.dedup();
        tokens
    }
}

/// Keeps each of `tokens`' `MAX_ADDRESSES_PER_TOKEN` most recently seen addresses and
/// forgets the rest. Without a bound, a client with a network of addresses to call from
/// (an IPv6 /64 holds 2^64) would add a row with each, for ever; the details page shows
/// only the latest few. Rows another write holds are skipped, not waited for (no
/// deadlock with it): the next new address forgets them.
fn keep_most_recent_addresses(conn: &mut PgConnection, tokens: &[String]) -> QueryResult<usize> {
    let keep = i64::try_from(MAX_ADDRESSES_PER_TOKEN).unwrap_or(i64::MAX);
    sql_query(
        "DELETE FROM token_access_ips AS t
          WHERE (t.token_id, t.ip) IN (
              SELECT x.token_id, x.ip
                FROM unnest($1::text[]) AS k(id)
                CROSS JOIN LATERAL (
                    SELECT c.last_seen_at, c.ip FROM token_access_ips AS c
                     WHERE c.token_id = k.id
                     ORDER BY c.last_seen_at DESC, c.ip
                    OFFSET $2 LIMIT 1) AS first_forgotten
                JOIN token_access_ips AS x ON x.token_id = k.id
                 AND (x.last_seen_at < first_forgotten.last_seen_at
                      OR (x.last_seen_at = first_forgotten.last_seen_at
                          AND x.ip >= first_forgotten.ip))
                 FOR UPDATE OF x SKIP LOCKED)",
    )
    .bind::<Array<Text>, _>(tokens)
    .bind::<BigInt, _>(keep)
    .execute(conn)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::net::{IpAddr, Ipv4Addr};

    use chrono::{Duration, TimeZone, Utc};

    use super::UseColumns;
    use crate::domain::token_use::{TokenUses, Use};
    use crate::domain::{ClientIp, TokenId};

    #[test]
    fn a_batch_is_written_in_the_order_of_token_ids_days_and_addresses() {
        let start = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
        let mut batch = HashMap::new();
        for n in (0..20).rev() {
            let token = TokenId::parse(&format!("TK-{n:04}-0000-0000")).unwrap();
            let mut uses = TokenUses::default();
            for call in (0..6).rev() {
                let ip = ClientIp::from(IpAddr::V4(Ipv4Addr::new(10, 0, 0, call)));
                let at = start + Duration::days(i64::from(call % 3));
                uses.add(Use::new(at, Some(ip), Some("agent")));
            }
            batch.insert(token, uses);
        }

        let columns = UseColumns::of(&batch);

        let mut tokens = columns.last.token_ids.clone();
        tokens.sort();
        assert_eq!(columns.last.token_ids, tokens);
        let daily: Vec<_> = columns
            .daily
            .token_ids
            .iter()
            .zip(&columns.daily.days)
            .collect();
        let mut sorted = daily.clone();
        sorted.sort();
        assert_eq!((daily.len(), &daily), (60, &sorted));
        let addresses: Vec<_> = columns
            .addresses
            .token_ids
            .iter()
            .zip(
                columns
                    .addresses
                    .ips
                    .iter()
                    .map(|ip| ip.parse::<IpAddr>().unwrap()),
            )
            .collect();
        let mut sorted = addresses.clone();
        sorted.sort();
        assert_eq!((addresses.len(), &addresses), (120, &sorted));
    }
}
