//! Log output: tracing to stderr, filtered by `RUST_LOG` (default `info`), in the
//! format `TOKENDESK_LOG_FORMAT` names: human-readable text by default (colours only on
//! a terminal, so files and journald get plain text), or `json`, one JSON object per
//! line. A request's lines carry its id: in text in the `HTTP request{request_id=…}`
//! prefix, in JSON in the `spans` list. Both variables may be set in `.env` too.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `2026-01-01T00:00:00Z  INFO span{fields}: target: message key=value`.
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `message` and the
    /// event's fields, and `spans`, outermost first, each with its `name` and fields.
    Json,
}

impl LogFormat {
    /// `TOKENDESK_LOG_FORMAT`: unset, empty or `text` is text, `json` is JSON (in any
    /// case).
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        match raw
            .map(str::trim)
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "" | "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!(
                "TOKENDESK_LOG_FORMAT: {other:?} is neither text nor json; writing text"
            )),
        }
    }
}

/// Sets up the process's logging from the environment (and `.env`, read here as
/// `Settings` reads it, since logging starts first).
pub fn init() {
    let _ = dotenvy::dotenv();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let (format, unknown) =
        match LogFormat::parse(std::env::var("TOKENDESK_LOG_FORMAT").ok().as_deref()) {
            Ok(format) => (format, None),
            Err(unknown) => (LogFormat::Text, Some(unknown)),
        };
    // A second initialisation (in tests) is harmless: the first subscriber stays.
    let _ = try_init(format, filter, std::io::stderr, ansi);
    if let Some(unknown) = unknown {
        tracing::warn!("{unknown}");
    }
}

/// Installs the process's subscriber: `format` lines that pass `filter`, to `writer`.
/// Fails if a subscriber is installed already.
pub fn try_init<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => subscriber.try_init(),
        LogFormat::Json => subscriber
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .try_init(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_text_unless_json_is_asked_for() {
        assert_eq!(LogFormat::parse(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some(" ")), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("text")), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("JSON")), Ok(LogFormat::Json));
        let unknown = LogFormat::parse(Some("xml")).unwrap_err();
        assert!(unknown.contains("\"xml\""), "{unknown}");
    }
}
