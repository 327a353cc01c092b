//! What each site's building registry was last built from: a SHA-256 over its inputs (the
//! comparisons, footprints and verdicts it used), so that a pipeline run with nothing new
//! can tell the registry is current and do no work.

use chrono::Utc;
use rusqlite::OptionalExtension;

use crate::catalog::Catalog;
use crate::columns::datetime_text;
use crate::error::CatalogError;
use crate::geopackage::record_change;
use crate::site::find_site;

impl Catalog {
    /// The SHA-256 of the inputs the registry of a site (by name or alias) was last built
    /// from, if it was ever built.
    pub fn registry_inputs(&self, site: &str) -> Result<Option<String>, CatalogError> {
        self.read(|conn| {
            let site = find_site(conn, site)?;
            Ok(conn
                .query_row(
                    "SELECT inputs_sha256 FROM registry_runs WHERE site_fid = ?1",
                    [site.id],
                    |row| row.get(0),
                )
                .optional()?)
        })
    }

    /// Records that the registry of a site was just built from inputs hashing to `sha256`.
    pub fn set_registry_inputs(&mut self, site: &str, sha256: &str) -> Result<(), CatalogError> {
        self.write(|conn| {
            let site = find_site(conn, site)?;
            conn.execute(
                "INSERT INTO registry_runs (site_fid, inputs_sha256, created) VALUES (?1, ?2, ?3)
                 ON CONFLICT (site_fid) DO UPDATE SET inputs_sha256 = ?2, created = ?3",
                (site.id, sha256, datetime_text(&Utc::now())),
            )?;
            record_change(conn, "registry_runs")?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::findings_catalog;

    #[test]
    fn the_registry_inputs_are_none_until_set_then_the_latest() {
        let (_dir, mut catalog, _) = findings_catalog();
        assert_eq!(catalog.registry_inputs("FEP").unwrap(), None);
        catalog.set_registry_inputs("FEP", "aa").unwrap();
        catalog.set_registry_inputs("FEP", "bb").unwrap();
        assert_eq!(
            catalog.registry_inputs("FEP").unwrap().as_deref(),
            Some("bb")
        );
        assert!(catalog.registry_inputs("nowhere").is_err());
    }
}
