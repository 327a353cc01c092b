//! Opening a catalog file, and the transaction every write runs in.

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{CatalogError, CatalogErrorKind};
use crate::geopackage;
use crate::sql_functions;

/// A site dossier: one GeoPackage file holding sites, scenes and what sitewatch derives from
/// them. Every write is one SQLite transaction: it is stored whole or, when it fails, not at
/// all, and the file is left as it was.
#[derive(Debug)]
pub struct Catalog {
    path: PathBuf,
    conn: Connection,
}

impl Catalog {
    /// Opens the catalog at `path`, creating it when no file is there. An existing file must
    /// be a sitewatch catalog: any other file (text, another SQLite database, a GeoPackage
    /// made by another program) is refused and left byte for byte as it was.
    /// A catalog written by an older sitewatch gets the tables added since (in one
    /// transaction) and is then read and written as any other.
    pub fn open(path: impl AsRef<Path>) -> Result<Catalog, CatalogError> {
        let path = path.as_ref().to_path_buf();
        let fail = |kind: CatalogErrorKind| CatalogError {
            path: path.clone(),
            kind,
        };
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => Err(fail(CatalogErrorKind::IsAFolder)),
            Ok(_) => Self::open_existing(&path).map_err(fail),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::create(&path).map_err(fail),
            Err(e) => Err(fail(e.into())),
        }
    }

    fn open_existing(path: &Path) -> Result<Catalog, CatalogErrorKind> {
        let mut header = Vec::with_capacity(100);
        std::fs::File::open(path)?
            .take(100)
            .read_to_end(&mut header)?;
        geopackage::check_header(&header)?;
        let mut conn = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let found = geopackage::check_sitewatch(&conn)?;
        if geopackage::needs_upgrade(found) {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
            geopackage::upgrade(&tx, found)?;
            tx.commit()?;
        }
        Ok(Catalog {
            path: path.to_path_buf(),
            conn,
        })
    }

    fn create(path: &Path) -> Result<Catalog, CatalogErrorKind> {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(folder) = parent.filter(|p| !p.is_dir()) {
            return Err(CatalogErrorKind::MissingFolder(folder.to_path_buf()));
        }
        let made = connect(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .and_then(|mut conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
            geopackage::create(&tx)?;
            tx.commit()?;
            Ok(conn)
        });
        match made {
            Ok(conn) => Ok(Catalog {
                path: path.to_path_buf(),
                conn,
            }),
            Err(e) => {
                // Nothing was there before, so nothing half made may stay.
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        }
    }

    /// The catalog file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `write` in one transaction: committed when it returns `Ok`, rolled back (the file
    /// unchanged) when it returns an error.
    pub(crate) fn write<T>(
        &mut self,
        write: impl FnOnce(&Connection) -> Result<T, CatalogErrorKind>,
    ) -> Result<T, CatalogError> {
        let result = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(CatalogErrorKind::from)
            .and_then(|tx| {
                let value = write(&tx)?;
                tx.commit()?;
                Ok(value)
            });
        result.map_err(|kind| self.error(kind))
    }

    /// Runs `read` on the catalog.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, CatalogErrorKind>,
    ) -> Result<T, CatalogError> {
        read(&self.conn).map_err(|kind| self.error(kind))
    }

    pub(crate) fn error(&self, kind: CatalogErrorKind) -> CatalogError {
        CatalogError {
            path: self.path.clone(),
            kind,
        }
    }
}

/// An SQLite connection with the settings every catalog connection uses: foreign keys
/// enforced, a wait (not a failure) when another process is writing, and the functions that
/// spatial-index triggers call.
fn connect(path: &Path, flags: OpenFlags) -> Result<Connection, CatalogErrorKind> {
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    sql_functions::register(&conn)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{bytes, natanz};

    /// Opens `path`, expecting a refusal; checks the file is unchanged and returns the message.
    fn refused(path: &Path) -> (CatalogErrorKind, String) {
        let before = bytes(path);
        let error = Catalog::open(path).unwrap_err();
        assert_eq!(bytes(path), before, "a refused file must stay as it was");
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        (error.kind, message)
    }

    #[test]
    fn creates_a_catalog_and_reopens_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.gpkg");
        let mut catalog = Catalog::open(&path).unwrap();
        assert_eq!(catalog.path(), path);
        catalog.add_site(natanz()).unwrap();
        drop(catalog);
        let header = bytes(&path);
        assert_eq!(&header[68..72], b"GPKG");
        assert_eq!(
            u32::from_be_bytes(header[60..64].try_into().unwrap()),
            10300
        );
        let reopened = Catalog::open(&path).unwrap();
        assert_eq!(reopened.site("natanz").unwrap().name, "Natanz");
    }

    #[test]
    fn missing_folder_is_named_and_nothing_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("no such folder");
        let error = Catalog::open(folder.join("dossier.gpkg")).unwrap_err();
        assert!(matches!(error.kind, CatalogErrorKind::MissingFolder(ref f) if *f == folder));
        assert!(error.to_string().contains("no such folder"));
        assert!(!folder.exists());
    }

    #[test]
    fn a_folder_is_not_a_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let error = Catalog::open(dir.path()).unwrap_err();
        assert!(matches!(error.kind, CatalogErrorKind::IsAFolder));
    }

    #[test]
    fn text_and_empty_files_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.gpkg");
        std::fs::write(&text, "site notes, not a database\n").unwrap();
        let (kind, message) = refused(&text);
        assert!(matches!(kind, CatalogErrorKind::NotGeoPackage(_)));
        assert!(message.contains("not an SQLite database"), "{message}");

        let empty = dir.path().join("empty.gpkg");
        std::fs::write(&empty, "").unwrap();
        let (kind, message) = refused(&empty);
        assert!(matches!(kind, CatalogErrorKind::NotGeoPackage(_)));
        assert!(message.contains("empty"), "{message}");
    }

    #[test]
    fn plain_sqlite_database_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('x');")
            .unwrap();
        drop(conn);
        let (kind, message) = refused(&path);
        assert!(matches!(kind, CatalogErrorKind::NotGeoPackage(_)));
        assert!(message.contains("application_id 0x00000000"), "{message}");
    }

    #[test]
    fn other_geopackage_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roads.gpkg");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "application_id", geopackage::APPLICATION_ID as i32)
            .unwrap();
        conn.execute_batch(
            "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,
               data_type TEXT NOT NULL);
             CREATE TABLE roads (fid INTEGER PRIMARY KEY);",
        )
        .unwrap();
        drop(conn);
        let (kind, message) = refused(&path);
        assert!(matches!(kind, CatalogErrorKind::NotSitewatchCatalog(_)));
        assert!(message.contains("not a sitewatch catalog"), "{message}");
    }

    #[test]
    fn newer_schema_is_refused() {
        let (dir, catalog) = crate::fixtures::temp_catalog();
        drop(catalog);
        let path = dir.path().join("dossier.gpkg");
        Connection::open(&path)
            .unwrap()
            .execute(
                "UPDATE sitewatch_catalog SET value = '99' WHERE key = 'schema_version'",
                [],
            )
            .unwrap();
        let (kind, _) = refused(&path);
        assert!(matches!(
            kind,
            CatalogErrorKind::NewerSchema { found: 99, .. }
        ));
    }

    #[test]
    fn failed_write_leaves_the_file_as_it_was() {
        let (dir, mut catalog) = crate::fixtures::temp_catalog();
        catalog.add_site(natanz()).unwrap();
        let path = dir.path().join("dossier.gpkg");
        let before = bytes(&path);
        let error = catalog
            .write(|conn| {
                conn.execute("DELETE FROM sites", [])?;
                geopackage::record_change(conn, "sites")?;
                Err::<(), _>(CatalogErrorKind::Damaged("a failure after writing".into()))
            })
            .unwrap_err();
        assert!(error.to_string().contains("a failure after writing"));
        assert_eq!(bytes(&path), before);
        assert_eq!(catalog.sites().unwrap().len(), 1);
    }
}
