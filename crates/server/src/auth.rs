//! Who may write: nobody on a read-only server, else whoever sends a token whose SHA-256 the
//! catalog holds.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use catalog::{Catalog, CatalogError};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// The write policy of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Every write is refused (403), token or not.
    ReadOnly,
    /// Writes need a valid token.
    TokenWrites,
}

/// Creates the catalog's first write token when it has none: 32 random bytes as hex, stored
/// only as its SHA-256. Returns the token (to print once) or `None` when the catalog already
/// has one.
pub fn first_token(catalog: &mut Catalog) -> Result<Option<String>, FirstTokenError> {
    if catalog.api_token_count()? > 0 {
        return Ok(None);
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| FirstTokenError::Random(e.to_string()))?;
    let token: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    catalog.add_api_token(&token)?;
    Ok(Some(token))
}

/// The first token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FirstTokenError {
    /// The catalog refused to store it.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The operating system gave no random bytes.
    #[error("no random bytes for the token: {0}")]
    Random(String),
}

/// Proof that a request may write, and who writes. As an extractor it runs before the body
/// is read, so a request without the right to write is refused (401/403) whatever its body.
pub(crate) struct WriteGrant {
    /// The name reviews and drawn outlines are stored under: `analyst-` and the first 8 hex
    /// digits of the token's SHA-256 (the catalog keeps only that hash, so the name says which
    /// token wrote without giving the token away).
    pub(crate) reviewer: String,
}

impl FromRequestParts<AppState> for WriteGrant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = authorize_write(state, &parts.headers).await?;
        Ok(WriteGrant {
            reviewer: reviewer_name(&token),
        })
    }
}

/// The reviewer name of a token: `analyst-` and the first 8 hex digits of its SHA-256.
fn reviewer_name(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("analyst-{hex}")
}

/// Checks that the request may write: the server is not read-only and the bearer token is
/// one the catalog holds. Returns the token.
async fn authorize_write(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    if state.access == Access::ReadOnly {
        return Err(ApiError::ReadOnly);
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_string())
        .filter(|token| !token.is_empty())
        .ok_or(ApiError::MissingToken)?;
    let checked = token.clone();
    let valid = state
        .with_catalog(move |catalog| Ok(catalog.api_token_is_valid(&checked)?))
        .await?;
    if valid {
        Ok(token)
    } else {
        Err(ApiError::WrongToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reviewer_name_is_the_start_of_the_tokens_hash() {
        // SHA-256("abc") = ba7816bf...
        assert_eq!(reviewer_name("abc"), "analyst-ba7816bf");
    }
}
