//! The failures a request can meet, each with its HTTP status and a JSON body saying why.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use catalog::{CatalogError, CatalogErrorKind};

/// Why a request was not answered with what it asked for.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed or asks for something impossible (400).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A write came without a token (401).
    #[error("this request writes: send the token as 'Authorization: Bearer TOKEN'")]
    MissingToken,
    /// A write came with a token that is not valid (403).
    #[error("the token is not valid for this catalog")]
    WrongToken,
    /// The server was started with `--read-only` (403).
    #[error("the server is read-only: it refuses every write")]
    ReadOnly,
    /// No site or scene by that name or id (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The catalog or a scene's files failed (500); the message names the file.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status the error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::MissingToken => StatusCode::UNAUTHORIZED,
            ApiError::WrongToken | ApiError::ReadOnly => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        match error.kind {
            CatalogErrorKind::SiteNotFound(_)
            | CatalogErrorKind::SceneNotFound(_)
            | CatalogErrorKind::ChangeNotFound { .. }
            | CatalogErrorKind::ComparisonNotFound { .. }
            | CatalogErrorKind::BuildingNotFound { .. } => {
                ApiError::NotFound(error.kind.to_string())
            }
            CatalogErrorKind::Invalid { .. } | CatalogErrorKind::SceneNotOfSite { .. } => {
                ApiError::BadRequest(error.kind.to_string())
            }
            _ => ApiError::Internal(error.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = axum::Json(serde_json::json!({ "error": self.to_string() }));
        (self.status(), body).into_response()
    }
}

/// Gives every refusal the API's JSON form: axum's own (a malformed path, query or body, a
/// body too large, an unknown route) come as plain text and are wrapped as
/// `{"error": "..."}`, their status kept.
pub(crate) async fn json_refusals(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let text = match axum::body::to_bytes(response.into_body(), MAX_REFUSAL_TEXT).await {
        Ok(bytes) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).into_owned(),
        _ => status.canonical_reason().unwrap_or("refused").to_string(),
    };
    let body = axum::Json(serde_json::json!({ "error": text }));
    (status, body).into_response()
}

/// The longest plain-text refusal read to wrap as JSON.
const MAX_REFUSAL_TEXT: usize = 16 * 1024;
