//! The SQL functions that GeoPackage spatial-index triggers call (`ST_IsEmpty`, `ST_MinX`,
//! `ST_MaxX`, `ST_MinY`, `ST_MaxY`, spec extension F.3). GDAL and QGIS add such an index
//! (`rtree_sites_geom`, ...) when asked to; without these functions every later write to
//! that layer would fail with "no such function".

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::Connection;

use crate::geometry::{self, Envelope};

/// Registers the spatial-index trigger functions on `conn`.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("ST_IsEmpty", 1, flags, |ctx| {
        geometry_blob(ctx)?
            .map(|blob| geometry::is_empty(blob).map_err(user_error))
            .transpose()
    })?;
    /// One side of an envelope.
    type Bound = fn(&Envelope) -> f64;
    let bounds: [(&str, Bound); 4] = [
        ("ST_MinX", |e| e.min_x),
        ("ST_MaxX", |e| e.max_x),
        ("ST_MinY", |e| e.min_y),
        ("ST_MaxY", |e| e.max_y),
    ];
    for (name, bound) in bounds {
        conn.create_scalar_function(name, 1, flags, move |ctx| {
            let Some(blob) = geometry_blob(ctx)? else {
                return Ok(None);
            };
            if geometry::is_empty(blob).map_err(user_error)? {
                return Ok(None);
            }
            Ok(Some(bound(&geometry::envelope(blob).map_err(user_error)?)))
        })?;
    }
    Ok(())
}

/// The geometry argument: a blob, or `None` for SQL NULL.
fn geometry_blob<'a>(ctx: &'a Context<'_>) -> rusqlite::Result<Option<&'a [u8]>> {
    match ctx.get_raw(0) {
        ValueRef::Null => Ok(None),
        ValueRef::Blob(blob) => Ok(Some(blob)),
        _ => Err(user_error("the argument is not a geometry blob".into())),
    }
}

fn user_error(message: String) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::lon_lat_box;

    #[test]
    fn trigger_functions_read_the_geometry_envelope() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let blob = geometry::encode_polygon(&lon_lat_box(51.7, 33.7, 51.75, 33.74), 4326);
        let row: (bool, f64, f64, f64, f64) = conn
            .query_row(
                "SELECT ST_IsEmpty(?1), ST_MinX(?1), ST_MaxX(?1), ST_MinY(?1), ST_MaxY(?1)",
                [&blob],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(row, (false, 51.7, 51.75, 33.7, 33.74));
        let null: Option<f64> = conn
            .query_row("SELECT ST_MinX(NULL)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(null, None);
        assert!(conn
            .query_row("SELECT ST_MinX(x'00')", [], |r| r.get::<_, Option<f64>>(0))
            .is_err());
    }
}
