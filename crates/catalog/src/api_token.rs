//! The tokens that may write to a catalog through `sitewatch serve`: only their SHA-256 is
//! stored, so a copy of the catalog does not give away the right to write.

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::columns::datetime_text;
use crate::error::{CatalogError, CatalogErrorKind};
use crate::geopackage::record_change;

/// The SHA-256 of a token, as lowercase hex (the form the `api_tokens` table keeps).
fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Catalog {
    /// Stores the SHA-256 of `token` as a token that may write. A token shorter than 16
    /// characters is refused: a guessable token would be no protection.
    pub fn add_api_token(&mut self, token: &str) -> Result<(), CatalogError> {
        if token.chars().count() < 16 {
            return Err(CatalogError {
                path: self.path().to_path_buf(),
                kind: CatalogErrorKind::invalid("API token", "it is shorter than 16 characters"),
            });
        }
        let hash = token_hash(token);
        self.write(|conn| {
            conn.execute(
                "INSERT INTO api_tokens (sha256, created) VALUES (?1, ?2)",
                (&hash, datetime_text(&Utc::now())),
            )?;
            record_change(conn, "api_tokens")?;
            Ok(())
        })
    }

    /// How many tokens may write (none in a catalog that was never served).
    pub fn api_token_count(&self) -> Result<usize, CatalogError> {
        self.read(|conn| {
            let count: i64 = conn.query_row("SELECT count(*) FROM api_tokens", [], |r| r.get(0))?;
            Ok(count as usize)
        })
    }

    /// Whether `token` is one of the tokens that may write.
    pub fn api_token_is_valid(&self, token: &str) -> Result<bool, CatalogError> {
        let hash = token_hash(token);
        self.read(|conn| {
            let found: i64 = conn.query_row(
                "SELECT count(*) FROM api_tokens WHERE sha256 = ?1",
                [&hash],
                |r| r.get(0),
            )?;
            Ok(found > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::temp_catalog;

    #[test]
    fn only_the_hash_is_stored_and_only_the_token_matches() {
        let (dir, mut catalog) = temp_catalog();
        assert_eq!(catalog.api_token_count().unwrap(), 0);
        let token = "k3y-0f-the-analyst-desk";
        catalog.add_api_token(token).unwrap();
        assert_eq!(catalog.api_token_count().unwrap(), 1);
        assert!(catalog.api_token_is_valid(token).unwrap());
        assert!(!catalog
            .api_token_is_valid("k3y-0f-the-analyst-des")
            .unwrap());
        assert!(!catalog.api_token_is_valid("").unwrap());
        drop(catalog);
        let bytes = std::fs::read(dir.path().join("dossier.gpkg")).unwrap();
        let needle = token.as_bytes();
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }

    #[test]
    fn a_short_token_is_refused() {
        let (_dir, mut catalog) = temp_catalog();
        let error = catalog.add_api_token("short").unwrap_err();
        assert!(error.to_string().contains("16 characters"), "{error}");
        assert_eq!(catalog.api_token_count().unwrap(), 0);
    }
}
