//! CSRF protection: every POST carries the session's token, in a hidden form field
//! (`csrf_token`) or, from htmx, in the `X-CSRF-Token` header.

use actix_web::HttpRequest;

use super::errors::WebError;
use super::session::TypedSession;

pub const HEADER: &str = "X-CSRF-Token";

/// Accepts the request if the header or `submitted` form field matches the session's
/// token.
pub fn verify(
    req: &HttpRequest,
    session: &TypedSession,
    submitted: Option<&str>,
) -> Result<(), WebError> {
    let expected = session.existing_csrf_token().ok_or(WebError::Csrf)?;
    let header = req.headers().get(HEADER).and_then(|v| v.to_str().ok());
    let presented = header.or(submitted).ok_or(WebError::Csrf)?;
    if constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
