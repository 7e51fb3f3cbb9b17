//! Every migration's down.sql undoes its up.sql exactly, and processes starting
//! together migrate one at a time.

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::Text;
use diesel_migrations::MigrationHarness;
use tokendesk::db::setup::MIGRATIONS;

use crate::common::TestDb;

#[derive(QueryableByName, PartialEq, Eq, Debug)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Tables, columns, constraints, indexes and module rows, as comparable text.
fn snapshot(conn: &mut PgConnection) -> Vec<String> {
    let query = "
        SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
               || ' ' || coalesce(column_default, '') AS line
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'
        UNION ALL
        SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
          FROM pg_constraint
         WHERE connamespace = 'public'::regnamespace
           AND conrelid::regclass::text <> '__diesel_schema_migrations'
        UNION ALL
        SELECT 'index ' || indexdef
          FROM pg_indexes
         WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'
        UNION ALL
        SELECT 'sequence ' || sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'
        ORDER BY 1";
    let mut lines: Vec<String> = sql_query(query)
        .load::<Line>(conn)
        .expect("reading the schema")
        .into_iter()
        .map(|l| l.line)
        .collect();
    let has_modules: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'modules')",
    ))
    .get_result(conn)
    .expect("looking for modules");
    if has_modules {
        let modules: Vec<Line> =
            sql_query("SELECT id || ':' || name AS line FROM modules ORDER BY position")
                .load(conn)
                .expect("reading modules");
        lines.extend(modules.into_iter().map(|m| format!("module {}", m.line)));
    }
    lines
}

#[test]
fn every_down_migration_undoes_its_up_migration() {
    let db = TestDb::empty();
    let mut conn = db.connection();
    let mut before_each = vec![snapshot(&mut conn)];

    while conn
        .has_pending_migration(MIGRATIONS)
        .expect("checking for pending migrations")
    {
        let version = conn
            .run_next_migration(MIGRATIONS)
            .expect("running a migration")
            .to_string();
        let after_up = snapshot(&mut conn);
        assert_ne!(
            &after_up,
            before_each.last().unwrap(),
            "{version} changed nothing"
        );
        conn.revert_last_migration(MIGRATIONS)
            .expect("reverting the migration");
        assert_eq!(
            &snapshot(&mut conn),
            before_each.last().unwrap(),
            "down of {version} left changes"
        );
        conn.run_next_migration(MIGRATIONS)
            .expect("running the migration again");
        assert_eq!(
            snapshot(&mut conn),
            after_up,
            "{version} is not the same the second time"
        );
        before_each.push(after_up);
    }

    assert!(before_each.len() > 4, "every migration ran");
    conn.revert_all_migrations(MIGRATIONS)
        .expect("reverting everything");
    assert_eq!(
        snapshot(&mut conn),
        before_each[0],
        "reverting everything leaves an empty schema"
    );
}

#[test]
fn processes_starting_together_migrate_one_at_a_time_and_all_succeed() {
    let db = TestDb::empty();
    let (done, finished) = std::sync::mpsc::channel();
    for _ in 0..3 {
        let (mut conn, done) = (db.connection(), done.clone());
        std::thread::spawn(move || {
            let _ = done.send(tokendesk::db::setup::run_migrations(&mut conn));
        });
    }
    // A deadlock between them fails here rather than hanging the suite.
    let migrated: Vec<Result<(), String>> = (0..3)
        .map(|_| {
            finished
                .recv_timeout(std::time::Duration::from_secs(60))
                .expect("in time")
        })
        .collect();
    assert_eq!(migrated, vec![Ok(()); 3]);
    let mut conn = db.connection();
    assert!(!conn.has_pending_migration(MIGRATIONS).unwrap());
}
