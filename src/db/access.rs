//! Writing coalesced token uses: one statement each for last access, daily counts and
//! addresses, however many calls they stand for. Last access never moves backwards.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Array, BigInt, Date, Nullable, Text, Timestamptz};

use crate::access::recorder::TokenUses;
use crate::domain::TokenId;

/// Writes `batch` in one transaction; returns how many statements ran.
pub fn write_uses(
    conn: &mut PgConnection,
    batch: &HashMap<TokenId, TokenUses>,
) -> QueryResult<usize> {
    if batch.is_empty() {
        return Ok(0);
    }
    let mut last = (
        Vec::new(),
        Vec::<DateTime<Utc>>::new(),
        Vec::<Option<String>>::new(),
        Vec::<Option<String>>::new(),
    );
    let mut days = (Vec::new(), Vec::<NaiveDate>::new(), Vec::<i64>::new());
    let mut ips = (
        Vec::new(),
        Vec::<String>::new(),
        Vec::<DateTime<Utc>>::new(),
        Vec::<DateTime<Utc>>::new(),
        Vec::<String>::new(),
        Vec::<i64>::new(),
    );
    for (token, uses) in batch {
        if let Some(used) = &uses.last {
            last.0.push(token.to_string());
            last.1.push(used.at);
            last.2.push(used.ip.clone());
            last.3.push(used.user_agent.clone());
        }
        for (day, count) in &uses.per_day {
            days.0.push(token.to_string());
            days.1.push(*day);
            days.2.push(*count);
        }
        for (ip, seen) in &uses.per_ip {
            ips.0.push(token.to_string());
            ips.1.push(ip.clone());
            ips.2.push(seen.first_at);
            ips.3.push(seen.last_at);
            ips.4.push(seen.user_agent.clone());
            ips.5.push(seen.requests);
        }
    }
    conn.transaction(|conn| {
        sql_query(
            "UPDATE api_tokens AS t
                SET last_access_at = v.at, last_access_ip = v.ip, last_access_user_agent = v.agent
               FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[]) AS v(id, at, ip, agent)
              WHERE t.id = v.id AND (t.last_access_at IS NULL OR t.last_access_at < v.at)",
        )
        .bind::<Array<Text>, _>(&last.0)
        .bind::<Array<Timestamptz>, _>(&last.1)
        .bind::<Array<Nullable<Text>>, _>(&last.2)
        .bind::<Array<Nullable<Text>>, _>(&last.3)
        .execute(conn)?;
        sql_query(
            "INSERT INTO token_usage_daily (token_id, day, requests)
             SELECT * FROM unnest($1::text[], $2::date[], $3::bigint[])
             ON CONFLICT (token_id, day) DO UPDATE SET requests = token_usage_daily.requests + excluded.requests",
        )
        .bind::<Array<Text>, _>(&days.0)
        .bind::<Array<Date>, _>(&days.1)
        .bind::<Array<BigInt>, _>(&days.2)
        .execute(conn)?;
        sql_query(
            "INSERT INTO token_access_ips (token_id, ip, first_seen_at, last_seen_at, user_agent, requests)
             SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::bigint[])
             ON CONFLICT (token_id, ip) DO UPDATE SET
                 first_seen_at = LEAST(token_access_ips.first_seen_at, excluded.first_seen_at),
                 last_seen_at = GREATEST(token_access_ips.last_seen_at, excluded.last_seen_at),
                 user_agent = CASE WHEN excluded.last_seen_at >= token_access_ips.last_seen_at
                                   THEN excluded.user_agent ELSE token_access_ips.user_agent END,
                 requests = token_access_ips.requests + excluded.requests",
        )
        .bind::<Array<Text>, _>(&ips.0)
        .bind::<Array<Text>, _>(&ips.1)
        .bind::<Array<Timestamptz>, _>(&ips.2)
        .bind::<Array<Timestamptz>, _>(&ips.3)
        .bind::<Array<Text>, _>(&ips.4)
        .bind::<Array<BigInt>, _>(&ips.5)
        .execute(conn)?;
        Ok(3)
    })
}
