//! Static files compiled into the binary, with content types, ETags and caching.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpRequest, HttpResponse, web};
use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};

use super::errors::WebError;

static STATIC: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/static");

/// Each file's ETag: the start of its SHA-256, computed once.
static ETAGS: LazyLock<HashMap<&'static str, EntityTag>> = LazyLock::new(|| {
    let mut tags = HashMap::new();
    collect_etags(&STATIC, &mut tags);
    tags
});

fn collect_etags(dir: &'static Dir<'static>, tags: &mut HashMap<&'static str, EntityTag>) {
    for file in dir.files() {
        if let Some(path) = file.path().to_str() {
            let digest = Sha256::digest(file.contents());
            let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
            tags.insert(path, EntityTag::new_strong(hex));
        }
    }
    for sub in dir.dirs() {
        collect_etags(sub, tags);
    }
}

pub async fn serve(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, WebError> {
    file(&req, &path.into_inner())
}

/// `/favicon.ico`, where browsers look for the icon of any page that names none (a
/// JSON answer, say): the same file as `/static/favicon.ico`.
pub async fn favicon(req: HttpRequest) -> Result<HttpResponse, WebError> {
    file(&req, "favicon.ico")
}

fn file(req: &HttpRequest, path: &str) -> Result<HttpResponse, WebError> {
    let (Some(file), Some(etag)) = (STATIC.get_file(path), ETAGS.get(path)) else {
        return Err(WebError::NotFound(None));
    };
    let cache = (
        header::CACHE_CONTROL,
        "public, max-age=300, must-revalidate",
    );
    let current = etag.to_string();
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|raw| {
            raw.split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.trim_start_matches("W/") == current)
        });
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header(header::ETag(etag.clone()))
            .insert_header(cache)
            .finish());
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    Ok(HttpResponse::Ok()
        .content_type(mime.essence_str().to_owned() + text_charset(&mime))
        .insert_header(header::ETag(etag.clone()))
        .insert_header(cache)
        .body(file.contents()))
}

fn text_charset(mime: &mime_guess::Mime) -> &'static str {
    let textual = mime.type_() == "text" || mime.subtype() == "javascript";
    if textual { "; charset=utf-8" } else { "" }
}
