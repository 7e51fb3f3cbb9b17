//! Settings from the environment (and an optional `.env` file).
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `postgres://postgres@127.0.0.1:5432/tokendesk` | the PostgreSQL database, created when missing |
//! | `TOKENDESK_BIND` | `127.0.0.1:8080` | the address the server listens on |
//! | `TOKENDESK_DATA_DIR` | `./data` | where a generated secret key is kept |
//! | `TOKENDESK_SECRET_KEY` | generated into the data folder | base64 of at least 32 random bytes; signs and encrypts sessions and token secrets |
//! | `TOKENDESK_TRUSTED_PROXIES` | none | comma-separated addresses of reverse proxies whose `X-Forwarded-For` is believed |
//! | `TOKENDESK_PUBLIC_URL` | `http://` + the bind address | where people reach the portal; `https://…` makes cookies `Secure` and sends HSTS |
//! | `TOKENDESK_SESSION_IDLE` | `30m` | how long a session may go unused (`90s`, `30m`, `2h`, or seconds) |
//! | `TOKENDESK_DB_POOL` | `10` | database connections the server keeps |
//! | `TOKENDESK_DB_TIMEOUT` | `2s` | how long a request waits for a connection before it answers 503 |
//! | `TOKENDESK_DB_STATEMENT_TIMEOUT` | `5s` | how long any statement may run |
//! | `TOKENDESK_TOKEN_CACHE` | `on` | `off` makes every bearer, verify and introspect lookup read the database (for measuring that path) |
//! | `TOKENDESK_METRICS_BIND` | off | where to serve Prometheus metrics (`GET /metrics`), apart from the portal |
//! | `RUST_LOG` | `info` | log filter, in tracing's `EnvFilter` syntax |
//! | `TOKENDESK_LOG_FORMAT` | `text` | `json` for one JSON object per log line (read by `telemetry`) |

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::TryRngCore;
use rand::rngs::OsRng;

use crate::db::setup::redacted;
use crate::domain::TrustedProxies;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/tokendesk";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_SESSION_IDLE: chrono::Duration = chrono::Duration::minutes(30);
const KEY_FILE: &str = "secret.key";
const MIN_KEY_BYTES: usize = 32;

/// The master secret: sessions and token-secret encryption keys derive from it.
#[derive(Clone)]
pub struct MasterKey(Vec<u8>);

impl MasterKey {
    pub fn from_base64(encoded: &str) -> anyhow::Result<Self> {
        let bytes = BASE64.decode(encoded.trim()).context(
            "TOKENDESK_SECRET_KEY is not valid base64 (make one with: openssl rand -base64 64)",
        )?;
        if bytes.len() < MIN_KEY_BYTES {
            bail!(
                "TOKENDESK_SECRET_KEY holds {} bytes; it needs at least {MIN_KEY_BYTES} (make one with: openssl rand -base64 64)",
                bytes.len()
            );
        }
        Ok(Self(bytes))
    }

    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 64];
        OsRng
            .unwrap_err()
            .try_fill_bytes(&mut bytes)
            .unwrap_or_else(|e| match e {});
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn to_base64(&self) -> String {
        BASE64.encode(&self.0)
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// The settings; their `Debug` masks the database password and the key.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub data_dir: PathBuf,
    pub secret_key: MasterKey,
    pub trusted_proxies: TrustedProxies,
    /// Where people reach the portal, when set.
    pub public_url: Option<PublicUrl>,
    pub session_idle: chrono::Duration,
    /// The server's connection pool.
    pub pool: crate::db::PoolSettings,
    /// Where to serve metrics, when set.
    pub metrics_bind: Option<String>,
    /// Whether token lookups are cached.
    pub token_cache: TokenCacheMode,
}

/// `TOKENDESK_TOKEN_CACHE`: whether token lookups are cached (the default), or every
/// bearer, verify and introspect lookup reads the database, as a benchmark of that path
/// needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenCacheMode {
    #[default]
    On,
    Off,
}

impl TokenCacheMode {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "on" => Ok(Self::On),
            "off" => Ok(Self::Off),
            _ => bail!("TOKENDESK_TOKEN_CACHE: {raw:?} must be on or off"),
        }
    }
}

/// Where people reach the portal: over https, cookies are `Secure` and HSTS is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(url::Url);

impl PublicUrl {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let url = url::Url::parse(raw.trim())
            .with_context(|| format!("TOKENDESK_PUBLIC_URL: {raw:?} is not a URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            bail!("TOKENDESK_PUBLIC_URL: {raw:?} must be an http:// or https:// address");
        }
        Ok(Self(url))
    }

    /// `http://` and the address the server listens on.
    pub fn of_bind(bind: &str) -> anyhow::Result<Self> {
        Self::parse(&format!("http://{bind}"))
    }

    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }

    /// Whether people reach the portal over plain http from other machines: their
    /// passwords and session cookies then cross the network unencrypted, which `serve`
    /// warns of at start.
    pub fn is_plain_http_on_a_network(&self) -> bool {
        !self.is_https() && !self.is_loopback()
    }

    /// Whether the host is this machine only (`localhost`, `127.0.0.0/8`, `::1`).
    pub fn is_loopback(&self) -> bool {
        match self.0.host() {
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str().trim_end_matches('/'))
    }
}

/// `250ms`, `90s`, `30m`, `2h`, or plain seconds, as the setting `name` holds it.
pub fn parse_duration(name: &str, raw: &str) -> anyhow::Result<std::time::Duration> {
    let raw = raw.trim();
    let (number, unit) = raw
        .find(|c: char| !c.is_ascii_digit())
        .map_or((raw, "s"), |at| raw.split_at(at));
    let amount: u64 = number
        .parse()
        .with_context(|| format!("{name}: {raw:?} is not a duration like 30s"))?;
    let seconds = match unit {
        "ms" => return Ok(std::time::Duration::from_millis(amount)),
        "s" => amount,
        "m" => amount.saturating_mul(60),
        "h" => amount.saturating_mul(3600),
        _ => bail!("{name}: {raw:?} is not a duration like 30s"),
    };
    Ok(std::time::Duration::from_secs(seconds))
}

/// `TOKENDESK_SESSION_IDLE`: between a minute and 12 hours.
pub fn parse_idle(raw: &str) -> anyhow::Result<chrono::Duration> {
    let idle = parse_duration("TOKENDESK_SESSION_IDLE", raw)?;
    if idle < std::time::Duration::from_secs(60) || idle > std::time::Duration::from_secs(12 * 3600)
    {
        bail!("TOKENDESK_SESSION_IDLE: {raw:?} must be between a minute and 12 hours");
    }
    chrono::Duration::from_std(idle).context("TOKENDESK_SESSION_IDLE is out of range")
}

/// The server's pool from `TOKENDESK_DB_POOL`, `TOKENDESK_DB_TIMEOUT` and
/// `TOKENDESK_DB_STATEMENT_TIMEOUT`, each defaulting to `PoolSettings::SERVER`'s.
fn pool_settings(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<crate::db::PoolSettings> {
    let mut pool = crate::db::PoolSettings::SERVER;
    if let Some(size) = var("TOKENDESK_DB_POOL") {
        pool.size = size
            .trim()
            .parse()
            .ok()
            // The change listener keeps one connection for good: with one in all, no
            // request would ever get one.
            .filter(|size| (2..=1000).contains(size))
            .with_context(|| {
                format!("TOKENDESK_DB_POOL: {size:?} is not a number from 2 to 1000")
            })?;
    }
    if let Some(raw) = var("TOKENDESK_DB_TIMEOUT") {
        pool.connection_timeout = parse_duration("TOKENDESK_DB_TIMEOUT", &raw)?;
    }
    if let Some(raw) = var("TOKENDESK_DB_STATEMENT_TIMEOUT") {
        pool.statement_timeout = parse_duration("TOKENDESK_DB_STATEMENT_TIMEOUT", &raw)?;
    }
    if pool.connection_timeout.is_zero() || pool.statement_timeout.is_zero() {
        bail!("TOKENDESK_DB_TIMEOUT and TOKENDESK_DB_STATEMENT_TIMEOUT must be above zero");
    }
    Ok(pool)
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redacted(&self.database_url))
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("secret_key", &self.secret_key)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("public_url", &self.public_url)
            .field("session_idle", &self.session_idle)
            .field("pool", &self.pool)
            .field("metrics_bind", &self.metrics_bind)
            .field("token_cache", &self.token_cache)
            .finish()
    }
}

impl Settings {
    /// Reads the environment, loading `.env` first if there is one.
    pub fn from_env() -> anyhow::Result<Self> {
        // A missing .env is the normal case; a broken one is worth saying.
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            return Err(e).context("reading .env");
        }
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let data_dir = PathBuf::from(var("TOKENDESK_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let secret_key = match var("TOKENDESK_SECRET_KEY") {
            Some(encoded) => MasterKey::from_base64(&encoded)?,
            None => load_or_generate_key(&data_dir)?,
        };
        let trusted_proxies = var("TOKENDESK_TRUSTED_PROXIES")
            .map(|list| parse_addresses(&list))
            .transpose()?
            .map(TrustedProxies::new)
            .unwrap_or_default();
        let public_url = var("TOKENDESK_PUBLIC_URL")
            .map(|raw| PublicUrl::parse(&raw))
            .transpose()?;
        let session_idle = var("TOKENDESK_SESSION_IDLE")
            .map(|raw| parse_idle(&raw))
            .transpose()?
            .unwrap_or(DEFAULT_SESSION_IDLE);
        Ok(Self {
            pool: pool_settings(var)?,
            trusted_proxies,
            public_url,
            session_idle,
            metrics_bind: var("TOKENDESK_METRICS_BIND"),
            token_cache: var("TOKENDESK_TOKEN_CACHE")
                .map(|raw| TokenCacheMode::parse(&raw))
                .transpose()?
                .unwrap_or_default(),
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            bind: var("TOKENDESK_BIND").unwrap_or_else(|| DEFAULT_BIND.into()),
            data_dir,
            secret_key,
        })
    }
}

fn parse_addresses(list: &str) -> anyhow::Result<Vec<std::net::IpAddr>> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry.parse().with_context(|| {
                format!("TOKENDESK_TRUSTED_PROXIES: {entry:?} is not an IP address")
            })
        })
        .collect()
}

/// The key kept in `data_dir`, made on first use, with a warning that it should be
/// set explicitly in production.
fn load_or_generate_key(data_dir: &Path) -> anyhow::Result<MasterKey> {
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        let encoded = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return MasterKey::from_base64(&encoded)
            .with_context(|| format!("the key in {}", path.display()));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let key = MasterKey::generate();
    write_private(&path, &key.to_base64())
        .with_context(|| format!("writing {}", path.display()))?;
    tracing::warn!(
        path = %path.display(),
        "TOKENDESK_SECRET_KEY is not set: generated a key into the data folder; \
         set TOKENDESK_SECRET_KEY in production and keep it safe, since token secrets \
         can't be shown again without it"
    );
    Ok(key)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_settings_default_and_read_as_people_write_them() {
        let none = |_: &str| None;
        assert_eq!(
            pool_settings(none).unwrap(),
            crate::db::PoolSettings::SERVER
        );
        let set = |name: &str| match name {
            "TOKENDESK_DB_POOL" => Some("25".to_owned()),
            "TOKENDESK_DB_TIMEOUT" => Some("500ms".to_owned()),
            "TOKENDESK_DB_STATEMENT_TIMEOUT" => Some("30s".to_owned()),
            _ => None,
        };
        let pool = pool_settings(set).unwrap();
        assert_eq!(pool.size, 25);
        assert_eq!(
            pool.connection_timeout,
            std::time::Duration::from_millis(500)
        );
        assert_eq!(pool.statement_timeout, std::time::Duration::from_secs(30));
        for (name, bad) in [
            ("TOKENDESK_DB_POOL", "0"),
            ("TOKENDESK_DB_POOL", "1"),
            ("TOKENDESK_DB_TIMEOUT", "0s"),
            ("TOKENDESK_DB_POOL", "lots"),
        ] {
            let broken = |asked: &str| (asked == name).then(|| bad.to_owned());
            assert!(pool_settings(broken).is_err(), "{name}={bad}");
        }
    }

    #[test]
    fn idle_times_read_as_people_write_them() {
        assert_eq!(parse_idle("30m").unwrap(), chrono::Duration::minutes(30));
        assert_eq!(parse_idle("90s").unwrap(), chrono::Duration::seconds(90));
        assert_eq!(parse_idle("2h").unwrap(), chrono::Duration::hours(2));
        assert_eq!(parse_idle("600").unwrap(), chrono::Duration::minutes(10));
        for bad in ["", "soon", "5s", "13h", "30x", "-5m"] {
            assert!(parse_idle(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_token_cache_is_on_unless_turned_off() {
        assert_eq!(TokenCacheMode::default(), TokenCacheMode::On);
        assert_eq!(TokenCacheMode::parse("off").unwrap(), TokenCacheMode::Off);
        assert_eq!(TokenCacheMode::parse(" ON ").unwrap(), TokenCacheMode::On);
        for bad in ["", "no", "false", "0"] {
            let error = TokenCacheMode::parse(bad).unwrap_err();
            assert!(error.to_string().contains("on or off"), "{error}");
        }
    }

    #[test]
    fn a_public_url_says_whether_it_is_https_and_loopback() {
        let https = PublicUrl::parse("https://tokens.example.com/").unwrap();
        assert!(https.is_https() && !https.is_loopback());
        assert_eq!(https.to_string(), "https://tokens.example.com");
        let local = PublicUrl::of_bind("127.0.0.1:8080").unwrap();
        assert!(!local.is_https() && local.is_loopback());
        assert!(
            PublicUrl::parse("http://localhost:8080")
                .unwrap()
                .is_loopback()
        );
        assert!(
            !PublicUrl::parse("http://192.168.1.20:8080")
                .unwrap()
                .is_loopback()
        );
        assert!(PublicUrl::parse("ftp://example.com").is_err());
    }

    #[test]
    fn only_plain_http_beyond_this_machine_crosses_the_network_unencrypted() {
        for warned in [
            "http://192.168.1.20:8080",
            "http://tokens.internal",
            "http://[2001:db8::1]:8080",
            "http://0.0.0.0:8080",
        ] {
            let url = PublicUrl::parse(warned).unwrap();
            assert!(url.is_plain_http_on_a_network(), "{warned}");
        }
        for quiet in [
            "https://192.168.1.20",
            "https://tokens.example.com",
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            let url = PublicUrl::parse(quiet).unwrap();
            assert!(!url.is_plain_http_on_a_network(), "{quiet}");
        }
    }

    #[test]
    fn short_or_garbled_keys_are_refused_with_a_hint() {
        let short = MasterKey::from_base64(&BASE64.encode([1u8; 16])).unwrap_err();
        assert!(short.to_string().contains("at least 32"), "{short}");
        let garbled = MasterKey::from_base64("not base64!").unwrap_err();
        assert!(garbled.to_string().contains("base64"), "{garbled}");
        assert!(MasterKey::from_base64(&BASE64.encode([1u8; 32])).is_ok());
    }

    #[test]
    fn a_generated_key_is_written_once_and_read_back() {
        let dir = std::env::temp_dir().join(format!("tokendesk-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = load_or_generate_key(&dir).unwrap();
        let second = load_or_generate_key(&dir).unwrap();
        assert_eq!(first.as_bytes(), second.as_bytes());
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.join(KEY_FILE)).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn trusted_proxies_are_ip_addresses() {
        assert_eq!(parse_addresses(" 10.0.0.1, ::1 ,").unwrap().len(), 2);
        let error = parse_addresses("10.0.0.0/8").unwrap_err();
        assert!(
            error.to_string().contains("is not an IP address"),
            "{error}"
        );
    }

    #[test]
    fn debug_never_prints_the_key() {
        assert_eq!(
            format!("{:?}", MasterKey::generate()),
            "MasterKey(<redacted>)"
        );
    }

    #[test]
    fn debug_of_the_settings_masks_the_database_password() {
        let settings = Settings {
            database_url: "postgres://app:s3cr3t-pw@db.internal:5432/tokendesk".into(),
            bind: DEFAULT_BIND.into(),
            data_dir: PathBuf::from("./data"),
            secret_key: MasterKey::generate(),
            trusted_proxies: TrustedProxies::default(),
            public_url: None,
            session_idle: DEFAULT_SESSION_IDLE,
            pool: crate::db::PoolSettings::SERVER,
            metrics_bind: None,
            token_cache: TokenCacheMode::On,
        };

        let shown = format!("{settings:?}");

        assert!(shown.contains("app:***@db.internal"), "{shown}");
        assert!(!shown.contains("s3cr3t-pw"), "{shown}");
    }
}
