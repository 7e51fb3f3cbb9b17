//! The `tokendesk` command line: parses arguments and hands off to a command.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use tokendesk::access::TokenChanges;
use tokendesk::app::{AppOptions, Application};
use tokendesk::config::Settings;
use tokendesk::db::{self, accounts, services, users};
use tokendesk::domain::{
    AccountId, Role, SecretCipher, ServiceName, ServiceSecret, UserId, password,
};
use tokendesk::{demo, seed, telemetry};

#[derive(Parser)]
#[command(version, about = "API token portal and token service")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run pending migrations, then serve the portal and the API.
    Serve {
        /// Address to listen on (overrides TOKENDESK_BIND).
        #[arg(long)]
        bind: Option<String>,
        /// Serve Prometheus metrics (GET /metrics) on this address, apart from the
        /// portal (overrides TOKENDESK_METRICS_BIND; off by default).
        #[arg(long)]
        metrics_bind: Option<String>,
        /// Seed the demo accounts, users and tokens (idempotent).
        #[arg(long)]
        demo: bool,
    },
    /// Run pending migrations and exit.
    Migrate,
    /// Manage people who sign in.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the credentials (tds_…) of the platform's other services, which may call
    /// POST /api/v1/verify and /api/v1/introspect.
    Service {
        #[command(subcommand)]
        command: ServiceCommand,
    },
    /// The demo data that `serve --demo` seeds.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Add many tokens at once, for benchmarks and load tests (never in production).
    ///
    /// Adds --accounts new accounts ("Seeded account N of M (tag)"), each with one
    /// admin, and spreads --tokens tokens over them in even blocks: mostly active, some
    /// expired, disabled and deleted, with one to four modules, created over the past
    /// year, mostly used since (a quarter never), a few days of usage for those used in
    /// the past month. One name in a hundred contains the word "nightly", for searches.
    /// Secrets are made and encrypted as the portal makes them, with TOKENDESK_SECRET_KEY.
    ///
    /// Standard output gets one line per account, tab-separated: its id, its admin's
    /// email (admin@pa-1234-5678.seed.test) and password. Every admin of a run shares
    /// one random password, made for the run. Progress and a summary go to standard
    /// error.
    #[command(verbatim_doc_comment)]
    Seed {
        /// How many tokens to add.
        #[arg(long)]
        tokens: usize,
        /// How many new accounts to spread them over.
        #[arg(long, default_value_t = 1)]
        accounts: usize,
        /// Write the secrets of --secrets active, unexpired tokens (spread over the
        /// accounts) to this new file, one a line, readable by its owner alone.
        #[arg(long, requires = "secrets")]
        secrets_file: Option<std::path::PathBuf>,
        /// How many secrets to write to --secrets-file.
        #[arg(long, requires = "secrets_file")]
        secrets: Option<usize>,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Put the demo accounts back exactly in their first state (ids, names, states,
    /// modules, last access relative to now, fixed secrets; audit log emptied), leaving
    /// other accounts alone. Running servers drop their cached tokens at once.
    Reset,
}

#[derive(Subcommand)]
enum ServiceCommand {
    /// Add a service; its secret is printed once, alone on standard output.
    Add {
        #[arg(long)]
        name: String,
    },
    /// List the services: name, created, last used (never the secret).
    List,
    /// Remove a service; its secret stops working at once on every instance.
    Remove {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Disable a person: they can't sign in, and their sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Set a person's password (read from standard input); their sessions end at once.
    Password {
        #[arg(long)]
        email: String,
    },
    /// Add a user. The password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, member or support.
        #[arg(long)]
        role: String,
        /// An existing account's id (PA-1234-5678); not for support staff.
        #[arg(long, conflicts_with = "new_account")]
        account: Option<String>,
        /// Create a new account with this name for the user.
        #[arg(long)]
        new_account: Option<String>,
    },
}

fn main() -> ExitCode {
    telemetry::init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command {
        Command::Serve {
            bind,
            metrics_bind,
            demo,
        } => serve(settings, bind, metrics_bind, demo),
        Command::Migrate => {
            db::connect(&settings.database_url, db::PoolSettings::COMMAND)?;
            println!("migrations are up to date");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    name,
                    role,
                    account,
                    new_account,
                },
        } => add_user(&settings, &email, &name, &role, account, new_account),
        Command::User {
            command: UserCommand::Disable { email },
        } => end_sessions(&settings, &email, |conn, now| {
            users::disable(conn, &email, now)
        }),
        Command::User {
            command: UserCommand::Password { email },
        } => {
            let password = read_password()?;
            let hash = password::hash(&password)
                .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
            end_sessions(&settings, &email, |conn, now| {
                users::set_password(conn, &email, &hash, now)
            })
        }
        Command::Service { command } => service(&settings, command),
        Command::Demo {
            command: DemoCommand::Reset,
        } => demo_reset(&settings),
        Command::Seed {
            tokens,
            accounts,
            secrets_file,
            secrets,
        } => {
            let plan = seed::Plan {
                tokens,
                accounts,
                secrets: secrets.unwrap_or(0),
            };
            seed_tokens(&settings, plan, secrets_file.as_deref())
        }
    }
}

fn demo_reset(settings: &Settings) -> anyhow::Result<()> {
    demo::refuse_https(settings.public_url.as_ref())?;
    let pool = db::connect(&settings.database_url, db::PoolSettings::COMMAND)?;
    let mut conn = pool.get().context("getting a database connection")?;
    let cipher = SecretCipher::from_master_key(settings.secret_key.as_bytes());
    let done = TokenChanges::for_command(cipher).reset_demo(&mut conn, chrono::Utc::now())?;
    eprintln!(
        "the demo is back in its first state: {} people and {} tokens in {}",
        done.people,
        done.tokens,
        done.accounts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" and ")
    );
    Ok(())
}

/// `tokendesk seed`: the accounts on standard output, the summary on standard error.
fn seed_tokens(
    settings: &Settings,
    plan: seed::Plan,
    secrets_file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    plan.check()?;
    // Made before seeding, so an existing file stops the run before it starts.
    let file = secrets_file.map(seed::create_secrets_file).transpose()?;
    let started = std::time::Instant::now();
    let pool = db::connect(&settings.database_url, db::PoolSettings::COMMAND)?;
    let mut conn = pool.get().context("getting a database connection")?;
    let cipher = SecretCipher::from_master_key(settings.secret_key.as_bytes());
    let progress = seed::progress_bar(plan.tokens);
    let seeded = seed::seed(&mut conn, &cipher, plan, chrono::Utc::now(), &progress)?;
    progress.finish_and_clear();
    if let (Some(file), Some(path)) = (file, secrets_file) {
        seed::write_secrets(file, &seeded.secrets)
            .with_context(|| format!("writing the secrets to {}", path.display()))?;
    }
    for account in &seeded.accounts {
        println!(
            "{}\t{}\t{}",
            account.id, account.admin_email, seeded.password
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    let counts = seeded.counts;
    let accounts = match plan.accounts {
        1 => "1 account".to_owned(),
        many => format!("{many} accounts"),
    };
    eprintln!(
        "seeded {} tokens over {accounts} in {seconds:.1} s: {} active, {} expired, \
         {} disabled, {} deleted; {} never used; {} named with \"{}\"",
        plan.tokens,
        counts.active,
        counts.expired,
        counts.disabled,
        counts.deleted,
        counts.never_used,
        counts.searchable,
        seed::SEARCH_WORD,
    );
    if let Some(path) = secrets_file {
        eprintln!(
            "wrote {} secrets of active tokens to {}",
            seeded.secrets.len(),
            path.display()
        );
    }
    Ok(())
}

/// Runs a change to the person with `email` that ends their sessions, and says so.
fn end_sessions(
    settings: &Settings,
    email: &str,
    change: impl FnOnce(
        &mut diesel::PgConnection,
        chrono::DateTime<chrono::Utc>,
    ) -> diesel::QueryResult<Option<users::SessionsEnded>>,
) -> anyhow::Result<()> {
    let pool = db::connect(&settings.database_url, db::PoolSettings::COMMAND)?;
    let mut conn = pool.get().context("getting a database connection")?;
    let Some(done) = change(&mut conn, chrono::Utc::now()).context("changing the person")? else {
        bail!("there is no active person with the email {email}");
    };
    eprintln!(
        "{} <{}>: {} sessions ended",
        done.user.name, done.user.email, done.sessions
    );
    Ok(())
}

fn service(settings: &Settings, command: ServiceCommand) -> anyhow::Result<()> {
    let pool = db::connect(&settings.database_url, db::PoolSettings::COMMAND)?;
    let mut conn = pool.get().context("getting a database connection")?;
    match command {
        ServiceCommand::Add { name } => {
            let name = ServiceName::parse(&name)?;
            let secret = ServiceSecret::generate();
            if !services::add(&mut conn, &name, &secret).context("adding the service")? {
                bail!("a service named {name} exists already");
            }
            eprintln!("added service {name}; its secret is shown this once:");
            println!("{}", secret.expose());
        }
        ServiceCommand::List => {
            let all = services::list(&mut conn).context("listing the services")?;
            if all.is_empty() {
                eprintln!("no services yet: tokendesk service add --name NAME");
            }
            for service in all {
                let last_used = service
                    .last_used_at
                    .map_or_else(|| "never used".to_owned(), |at| format!("last used {at}"));
                println!(
                    "{}\t{}…\tcreated {}\t{last_used}",
                    service.name, service.secret_prefix, service.created_at
                );
            }
        }
        ServiceCommand::Remove { name } => {
            let name = ServiceName::parse(&name)?;
            if !services::remove(&mut conn, &name).context("removing the service")? {
                bail!("there is no service named {name}");
            }
            eprintln!("removed service {name}");
        }
    }
    Ok(())
}

fn serve(
    settings: Settings,
    bind: Option<String>,
    metrics_bind: Option<String>,
    with_demo: bool,
) -> anyhow::Result<()> {
    if with_demo {
        // Before anything is seeded.
        demo::refuse_https(settings.public_url.as_ref())?;
    }
    let pool = db::connect(&settings.database_url, settings.pool)?;
    if with_demo {
        let cipher = SecretCipher::from_master_key(settings.secret_key.as_bytes());
        let mut conn = pool
            .get()
            .context("getting a connection to seed the demo")?;
        demo::seed(&mut conn, &cipher, chrono::Utc::now())?;
    } else {
        let mut conn = pool
            .get()
            .context("getting a connection to look for the demo's people")?;
        let published = demo::published_access(&mut conn)?;
        demo::refuse_published_access(settings.public_url.as_ref(), &published)?;
    }
    let bind = bind.unwrap_or(settings.bind.clone());
    let metrics_bind = metrics_bind.or(settings.metrics_bind.clone());
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(
            pool,
            &settings.secret_key,
            &bind,
            AppOptions {
                metrics_bind,
                demo: with_demo,
                ..AppOptions::from_settings(&settings)
            },
        )?;
        tracing::info!(address = %bind, port = app.port(), "tokendesk is serving");
        if let Some(port) = app.metrics_port() {
            tracing::info!(port, "metrics are served at GET /metrics");
        }
        app.run_until_stopped().await.context("serving")
    })
}

fn add_user(
    settings: &Settings,
    email: &str,
    name: &str,
    role: &str,
    account: Option<String>,
    new_account: Option<String>,
) -> anyhow::Result<()> {
    let role = Role::parse(role)?;
    let pool = db::connect(&settings.database_url, db::PoolSettings::COMMAND)?;
    let mut conn = pool.get().context("getting a database connection")?;
    let account = match (account, new_account) {
        (Some(id), None) => {
            let id = AccountId::parse(&id)?;
            if !accounts::exists(&mut conn, &id)? {
                bail!("there is no account {id}");
            }
            Some(id)
        }
        (None, Some(account_name)) => {
            let id = AccountId::generate();
            accounts::insert_if_missing(&mut conn, &id, account_name.trim())?;
            println!("created account {id} ({})", account_name.trim());
            Some(id)
        }
        _ => None,
    };
    if role.belongs_to_account() != account.is_some() {
        bail!("admins and members need --account or --new-account; support staff take neither");
    }
    if users::exists_with_email(&mut conn, email)? {
        bail!("a user with the email {email} exists already");
    }
    let password = read_password()?;
    let hash =
        password::hash(&password).map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let id = UserId::generate();
    users::insert(
        &mut conn,
        &users::NewUser {
            id: &id,
            account_id: account.as_ref(),
            email,
            name,
            role,
            password_hash: &hash,
        },
    )
    .context("adding the user")?;
    println!("added {role} {id} <{}>", email.trim().to_lowercase());
    Ok(())
}

/// One line from standard input: kept out of the arguments, where `ps` would show it.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        eprint!("Password (it will be shown as you type; pipe it in to avoid that): ");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.chars().count() < 8 {
        bail!("the password needs at least 8 characters");
    }
    Ok(password)
}
