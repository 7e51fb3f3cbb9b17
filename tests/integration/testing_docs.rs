//! docs/testing.md is the suite author's one list of test ids: every `data-testid` the
//! templates (and `static/app.js`) can put on a page is documented there, and every one
//! documented exists. Its demo tables say what `src/demo.rs` seeds.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tokendesk::demo;
use tokendesk::domain::{DisplayStatus, TokenAction};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn templates(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(templates(&path));
        } else if path.extension().is_some_and(|ext| ext == "html") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// Every value that follows `start` up to the next `end` in `text`.
fn between<'a>(text: &'a str, start: &str, end: char) -> Vec<&'a str> {
    text.match_indices(start)
        .filter_map(|(at, _)| {
            let rest = &text[at + start.len()..];
            rest.find(end).map(|stop| &rest[..stop])
        })
        .collect()
}

/// The literal arguments of the template's `sort_header` calls: their test ids.
fn sort_header_ids(root: &Path) -> Vec<String> {
    templates(&root.join("templates"))
        .iter()
        .flat_map(|path| {
            between(&read(path), "macros::sort_header(", ')')
                .into_iter()
                .filter_map(|args| {
                    args.split(',')
                        .nth(1)
                        .map(|id| id.trim().trim_matches('"').to_owned())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The test ids `src/web/errors.rs` hands the error page: the last argument of each
/// call of its `page` closure.
fn error_page_ids(root: &Path) -> Vec<String> {
    let source = read(&root.join("src/web/errors.rs"));
    source
        .match_indices(" page(")
        .map(|(at, _)| call_arguments(&source[at + " page(".len()..]))
        .filter_map(|arguments| {
            let last = arguments.trim_end().trim_end_matches(',');
            let literal = last.strip_suffix('"')?.rsplit('"').next()?;
            let is_id =
                !literal.is_empty() && literal.chars().all(|c| c.is_ascii_lowercase() || c == '-');
            is_id.then(|| literal.to_owned())
        })
        .collect()
}

/// The text of a call's arguments, from just after its `(` to its matching `)`.
fn call_arguments(after_open: &str) -> &str {
    let (mut depth, mut in_string, mut escaped) = (1, false, false);
    for (at, c) in after_open.char_indices() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (false, _, '"') => in_string = true,
            (false, _, '(') => depth += 1,
            (false, _, ')') => {
                depth -= 1;
                if depth == 0 {
                    return &after_open[..at];
                }
            }
            _ => {}
        }
    }
    after_open
}

/// What each test id built in a template expands to.
fn expand(template: &Path, id: &str, root: &Path) -> Vec<String> {
    let name = template.file_name().unwrap().to_string_lossy();
    let from = |values: Vec<String>, pattern: &str| -> Vec<String> {
        values
            .iter()
            .map(|value| id.replace(pattern, value))
            .collect()
    };
    if id.contains("{{ form.prefix }}") {
        // FormView's prefixes (src/web/tokens/form_view.rs).
        return from(vec!["create".into(), "edit".into()], "{{ form.prefix }}");
    }
    if id.contains("{{ item.slug }}") {
        let slugs: BTreeSet<String> = [DisplayStatus::Active, DisplayStatus::Disabled]
            .into_iter()
            .flat_map(TokenAction::allowed)
            .map(|action| action.slug().to_owned())
            .collect();
        return from(slugs.into_iter().collect(), "{{ item.slug }}");
    }
    if id.contains("{{ tab_choice.slug() }}") {
        // The details page's tabs (src/web/tokens/detail.rs).
        let tabs = ["general", "modules", "details"].map(String::from).to_vec();
        return from(tabs, "{{ tab_choice.slug() }}");
    }
    if id == "{{ test_id }}" && name == "_macros.html" {
        return sort_header_ids(root);
    }
    if id == "{{ test_id }}" && name == "error.html" {
        return error_page_ids(root);
    }
    assert!(
        !id.contains("{{"),
        "{}: the test id {id} is built from a value this test can't expand; teach `expand` its values",
        template.display()
    );
    vec![id.to_owned()]
}

/// Every test id a page can carry.
fn test_ids_in_the_code() -> BTreeSet<String> {
    let root = root();
    let mut ids = BTreeSet::new();
    for template in templates(&root.join("templates")) {
        for id in between(&read(&template), "data-testid=\"", '"') {
            ids.extend(expand(&template, id, &root));
        }
    }
    let script = read(&root.join("static/app.js"));
    ids.extend(
        between(&script, "setAttribute(\"data-testid\", \"", '"')
            .into_iter()
            .map(str::to_owned),
    );
    ids
}

/// The rows of every table in `markdown` whose header's first cell is `first`, as
/// cells (a cell holding `|` inside backticks is split; only whole cells are used).
fn table_rows<'a>(markdown: &'a str, first: &str) -> Vec<Vec<&'a str>> {
    let mut rows = Vec::new();
    let mut lines = markdown.lines().peekable();
    while let Some(line) = lines.next() {
        let cells = |line: &'a str| -> Vec<&'a str> {
            line.trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect()
        };
        if !line.starts_with('|') || cells(line)[0] != first {
            continue;
        }
        lines.next(); // |---|---|
        while let Some(row) = lines.next_if(|l| l.starts_with('|')) {
            rows.push(cells(row));
        }
    }
    rows
}

/// The backticked names in `cell`.
fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn testing_md() -> String {
    read(&root().join("docs/testing.md"))
}

#[test]
fn every_test_id_in_the_pages_is_documented_and_every_documented_one_exists() {
    let documented: BTreeSet<String> = table_rows(&testing_md(), "test id")
        .iter()
        .flat_map(|row| backticked(row[0]))
        .collect();
    let in_the_code = test_ids_in_the_code();

    let undocumented: Vec<_> = in_the_code.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&in_the_code).collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "docs/testing.md lacks {undocumented:?}, and lists {unknown:?} that no page has"
    );
    assert!(in_the_code.contains("action-enable") && in_the_code.contains("sort-name"));
    assert!(in_the_code.contains("not-found") && in_the_code.contains("create-module"));
}

#[test]
fn the_demo_tables_say_what_the_demo_seeds() {
    let docs = testing_md();
    let tokens = table_rows(&docs, "token");
    let listed: Vec<(String, String)> = tokens
        .iter()
        .filter(|row| row.len() > 3)
        .map(|row| (backticked(row[0]).concat(), row[1].to_owned()))
        .collect();
    let seeded: Vec<(String, String)> = demo::token_names()
        .map(|(id, name)| (id.to_owned(), name.to_owned()))
        .collect();
    assert_eq!(listed, seeded, "the tokens table");

    let marked = |mark: &str| -> Vec<String> {
        tokens
            .iter()
            .filter(|row| row.len() > 8 && row[8] == mark)
            .map(|row| backticked(row[0]).concat())
            .collect()
    };
    for (worker, id) in demo::WORKER_TOKENS.iter().enumerate() {
        assert_eq!(marked(&format!("worker {worker}")), [*id]);
    }
    let mut fixed: Vec<String> = demo::FIXED_SECRETS
        .iter()
        .map(|(id, _)| (*id).to_owned())
        .collect();
    fixed.sort();
    assert_eq!(marked("fixed secret"), fixed);

    let secrets: Vec<(String, String)> = tokens
        .iter()
        .filter(|row| row.len() == 3)
        .map(|row| (backticked(row[0]).concat(), backticked(row[1]).concat()))
        .collect();
    let published: Vec<(String, String)> = demo::FIXED_SECRETS
        .iter()
        .map(|(id, secret)| ((*id).to_owned(), (*secret).to_owned()))
        .collect();
    assert_eq!(secrets, published, "the fixed secrets table");
}
