//! `tokendesk seed`: many tokens over new accounts, in every state, whose secrets the
//! running app accepts, each for its own account; and a secrets file for load tests.

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::PermissionsExt;

use chrono::{Duration, Utc};
use diesel::dsl::count_star;
use diesel::expression_methods::AggregateExpressionMethods;
use diesel::prelude::*;
use reqwest::StatusCode;
use tokendesk::db::schema::{
    api_tokens, token_access_ips, token_last_access, token_modules, token_usage_daily,
};
use tokendesk::domain::{TokenId, TokenSecret};

use crate::cli::{command_cipher, run};
use crate::common::spawn_app;
use crate::visitor::Visitor;

/// A seeded account, as the command prints it.
struct SeededAccount {
    id: String,
    email: String,
    password: String,
}

fn printed_accounts(stdout: &[u8]) -> Vec<SeededAccount> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "id, email, password: {line:?}");
            SeededAccount {
                id: fields[0].to_owned(),
                email: fields[1].to_owned(),
                password: fields[2].to_owned(),
            }
        })
        .collect()
}

#[tokio::test]
async fn seeded_tokens_spread_over_new_accounts_in_every_state_and_their_secrets_work() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("tokendesk-seed-{}", app.db.name));
    std::fs::create_dir_all(&dir).unwrap();
    let secrets_path = dir.join("secrets.txt");
    let now = Utc::now();

    let output = run(
        &app.db.url,
        &[
            "seed",
            "--tokens",
            "2000",
            "--accounts",
            "3",
            "--secrets-file",
            secrets_path.to_str().unwrap(),
            "--secrets",
            "30",
        ],
        "",
    );

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("seeded 2000 tokens over 3 accounts"),
        "{stderr}"
    );
    let accounts = printed_accounts(&output.stdout);
    let ids: Vec<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 3, "{ids:?}");
    let mut conn = app.db.connection();
    let seeded = || api_tokens::table.filter(api_tokens::account_id.eq_any(ids.clone()));

    // Spread evenly, in every state.
    let per_account: HashMap<String, i64> = seeded()
        .group_by(api_tokens::account_id)
        .select((api_tokens::account_id, count_star()))
        .load::<(String, i64)>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    let mut sizes: Vec<i64> = per_account.values().copied().collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [666, 667, 667]);
    let mut count = |status: &str| -> i64 {
        seeded()
            .filter(api_tokens::status.eq(status))
            .count()
            .get_result(&mut conn)
            .unwrap()
    };
    let (active, disabled, deleted) = (count("active"), count("disabled"), count("deleted"));
    assert!(
        active > 1_500 && disabled > 20 && deleted > 10,
        "{active}/{disabled}/{deleted}"
    );
    let expired: i64 = seeded()
        .filter(api_tokens::status.eq("active"))
        .filter(api_tokens::expires_at.lt(now))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert!(expired > 20 && expired < 300, "{expired} expired");
    let tombstones: i64 = seeded()
        .filter(api_tokens::deleted_digest.is_not_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(
        tombstones, deleted,
        "a deleted token keeps only its tombstone digest"
    );

    // Varied: names, modules, creation over the past year, use (or none), history.
    let searchable: i64 = seeded()
        .filter(api_tokens::name.ilike("%nightly%"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(searchable, 20, "one name in a hundred");
    let names: i64 = seeded()
        .select(diesel::dsl::count(api_tokens::name).aggregate_distinct())
        .get_result(&mut conn)
        .unwrap();
    assert!(names > 1_500, "{names} distinct names");
    let granted: i64 = token_modules::table
        .filter(token_modules::token_id.eq_any(seeded().select(api_tokens::id)))
        .select(diesel::dsl::count(token_modules::token_id).aggregate_distinct())
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(granted, 2_000, "every token has a module");
    let (oldest, newest): (Option<chrono::DateTime<Utc>>, Option<chrono::DateTime<Utc>>) = seeded()
        .select((
            diesel::dsl::min(api_tokens::created_at),
            diesel::dsl::max(api_tokens::created_at),
        ))
        .get_result(&mut conn)
        .unwrap();
    assert!(oldest.unwrap() < now - Duration::days(300));
    assert!(newest.unwrap() > now - Duration::days(30));
    let never_used: i64 = token_last_access::table
        .filter(token_last_access::token_id.eq_any(seeded().select(api_tokens::id)))
        .filter(token_last_access::at.is_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert!(
        never_used > 250 && never_used < 750,
        "{never_used} never used"
    );
    let days: i64 = token_usage_daily::table
        .filter(token_usage_daily::token_id.eq_any(seeded().select(api_tokens::id)))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let addresses: i64 = token_access_ips::table
        .filter(token_access_ips::token_id.eq_any(seeded().select(api_tokens::id)))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert!(
        days > 0 && addresses > 0,
        "{days} days, {addresses} addresses"
    );

    // The secrets file: the asked number of active tokens' secrets, owner-only.
    let mode = std::fs::metadata(&secrets_path)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let written = std::fs::read_to_string(&secrets_path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let secrets: Vec<TokenSecret> = written
        .lines()
        .map(|line| TokenSecret::parse(line).unwrap())
        .collect();
    assert_eq!(secrets.len(), 30);
    assert_eq!(written.lines().collect::<HashSet<_>>().len(), 30);
    let mut handed_per_account: HashMap<String, usize> = HashMap::new();
    let mut one_per_account: HashMap<String, (String, &TokenSecret)> = HashMap::new();
    for secret in &secrets {
        let (id, account, status, expires_at, ciphertext): (
            String,
            String,
            String,
            Option<chrono::DateTime<Utc>>,
            Option<Vec<u8>>,
        ) = api_tokens::table
            .filter(api_tokens::secret_digest.eq(secret.digest().as_bytes().to_vec()))
            .select((
                api_tokens::id,
                api_tokens::account_id,
                api_tokens::status,
                api_tokens::expires_at,
                api_tokens::secret_ciphertext,
            ))
            .first(&mut conn)
            .unwrap();
        assert_eq!(status, "active");
        assert!(expires_at.is_none_or(|at| at > now));
        let decrypted = command_cipher()
            .decrypt(&TokenId::parse(&id).unwrap(), &ciphertext.unwrap())
            .unwrap();
        assert_eq!(&decrypted, secret, "the encrypted copy is the portal's");
        *handed_per_account.entry(account.clone()).or_default() += 1;
        one_per_account.entry(account).or_insert((id, secret));
    }
    assert_eq!(
        handed_per_account.values().copied().collect::<Vec<_>>(),
        [10; 3]
    );

    // The running app accepts each, for its own account.
    for (account, (token, secret)) in &one_per_account {
        let answer = app.api(secret.expose()).whoami().await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        assert_eq!(answer.body["token_id"], token.as_str());
        assert_eq!(answer.body["account_id"], account.as_str());
    }

    // And each admin signs in with the printed password to their own account's tokens.
    let first = &accounts[0];
    let admin = Visitor::signed_in(&app, (&first.email, &first.password)).await;
    let listed = admin.get("/settings/api-tokens").await.token_ids();
    assert_eq!(listed.len(), 25, "a full first page");
    let theirs: i64 = api_tokens::table
        .filter(api_tokens::id.eq_any(&listed))
        .filter(api_tokens::account_id.eq(&first.id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(theirs, 25, "only their account's tokens");
}

#[test]
fn seed_refuses_more_secrets_than_tokens_and_an_existing_secrets_file() {
    let db = crate::common::TestDb::migrated();
    let existing = std::env::temp_dir().join(format!("tokendesk-seed-{}.txt", db.name));
    std::fs::write(&existing, "keep me\n").unwrap();
    let path = existing.to_str().unwrap();

    let too_many = run(
        &db.url,
        &[
            "seed",
            "--tokens",
            "5",
            "--secrets-file",
            "/nonexistent/x",
            "--secrets",
            "6",
        ],
        "",
    );
    let overwrite = run(
        &db.url,
        &[
            "seed",
            "--tokens",
            "5",
            "--secrets-file",
            path,
            "--secrets",
            "1",
        ],
        "",
    );

    let kept = std::fs::read_to_string(&existing).unwrap();
    std::fs::remove_file(&existing).unwrap();
    assert!(!too_many.status.success());
    assert!(String::from_utf8_lossy(&too_many.stderr).contains("--secrets 6 is more than"));
    assert!(!overwrite.status.success());
    assert!(String::from_utf8_lossy(&overwrite.stderr).contains("creating the secrets file"));
    assert_eq!(kept, "keep me\n", "left as it was");
    let tokens: i64 = api_tokens::table
        .count()
        .get_result(&mut db.connection())
        .unwrap();
    assert_eq!(tokens, 0, "nothing seeded");
}
