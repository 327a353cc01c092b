//! What every request handler shares: the catalog, whether writes are allowed, the image cache.

use std::sync::{Arc, Mutex};

use catalog::Catalog;

use axum::body::Bytes;
use tokio::sync::OnceCell;

use crate::auth::Access;
use crate::cache::LruCache;
use crate::error::ApiError;
use crate::imagery::{ImageRequest, SceneVersion};
use crate::stretch::Stretch;

/// How many rendered images the server keeps for repeated requests (a screenful of tiles of
/// two dates, a few times over).
const CACHED_IMAGES: usize = 256;

/// How many scenes' stretch limits the server keeps.
const CACHED_STRETCHES: usize = 64;

/// Each scene's stretch by scene id and version, measured once even when many tiles of the
/// scene are asked for at once.
pub(crate) type StretchCache = LruCache<(i64, SceneVersion), Arc<OnceCell<Stretch>>>;

/// The state shared by all requests: one catalog connection (SQLite serialises access
/// anyway), the write policy, the rendered-image cache and each scene's stretch.
#[derive(Clone)]
pub struct AppState {
    catalog: Arc<Mutex<Catalog>>,
    pub(crate) access: Access,
    pub(crate) images: Arc<LruCache<ImageRequest, Bytes>>,
    pub(crate) stretches: Arc<StretchCache>,
}

impl AppState {
    /// The state serving `catalog` with the write policy `access`.
    pub fn new(catalog: Catalog, access: Access) -> AppState {
        AppState {
            catalog: Arc::new(Mutex::new(catalog)),
            access,
            images: Arc::new(LruCache::new(CACHED_IMAGES)),
            stretches: Arc::new(LruCache::new(CACHED_STRETCHES)),
        }
    }

    /// Runs `work` on the catalog on a blocking thread (SQLite and file reads block), and
    /// turns a panic or a poisoned lock into a 500 answer.
    pub(crate) async fn with_catalog<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Catalog) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let catalog = self.catalog.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = catalog
                .lock()
                .map_err(|_| ApiError::Internal("the catalog lock is poisoned".into()))?;
            work(&mut guard)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("a request task failed: {e}")))?
    }
}
