//! How values that SQLite has no type for are kept in catalog columns: times as GeoPackage
//! DATETIME text, grids as EPSG code + PROJ.4 + JSON transform + size, lists as JSON text.

use chrono::{DateTime, SecondsFormat, Utc};
use raster::{Crs, GeoTransform, Grid};
use rusqlite::Row;

use crate::error::CatalogErrorKind;

/// A time as GeoPackage DATETIME text: ISO 8601 in UTC to the millisecond,
/// `2021-06-30T07:41:12.500Z`.
pub(crate) fn datetime_text(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The time in column `column` of `row`.
pub(crate) fn read_datetime(row: &Row, column: &str) -> Result<DateTime<Utc>, CatalogErrorKind> {
    let text: String = row.get(column)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| CatalogErrorKind::Damaged(format!("{column} '{text}' is not a time: {e}")))
}

/// The JSON value in column `column` of `row`.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    row: &Row,
    column: &str,
) -> Result<T, CatalogErrorKind> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| CatalogErrorKind::Damaged(format!("{column} '{text}' is not valid: {e}")))
}

/// JSON text of a value that always serialises (plain data).
pub(crate) fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises to JSON")
}

/// The `grid_epsg, grid_proj4, grid_transform, grid_width, grid_height` column values of
/// `grid`.
pub(crate) fn grid_values(grid: &Grid) -> (Option<u32>, &str, String, i64, i64) {
    (
        grid.crs.epsg,
        &grid.crs.proj4,
        json_text(&grid.transform.0),
        grid.width as i64,
        grid.height as i64,
    )
}

/// The grid stored in the `grid_*` columns of `row`.
pub(crate) fn read_grid(row: &Row) -> Result<Grid, CatalogErrorKind> {
    let epsg: Option<u32> = row.get("grid_epsg")?;
    let proj4: String = row.get("grid_proj4")?;
    let transform: [f64; 6] = read_json(row, "grid_transform")?;
    let size = |column: &str| -> Result<usize, CatalogErrorKind> {
        let value: i64 = row.get(column)?;
        usize::try_from(value)
            .map_err(|_| CatalogErrorKind::Damaged(format!("{column} is {value}")))
    };
    Ok(Grid::new(
        Crs { epsg, proj4 },
        GeoTransform(transform),
        size("grid_width")?,
        size("grid_height")?,
    ))
}

/// Checks that `grid` can be stored and used: a CRS definition, a finite invertible
/// transform and a non-empty size. `what` names the grid in the error.
pub(crate) fn check_grid(grid: &Grid, what: &'static str) -> Result<(), CatalogErrorKind> {
    if grid.crs.proj4.trim().is_empty() {
        return Err(CatalogErrorKind::invalid(
            what,
            "its CRS has no PROJ.4 definition",
        ));
    }
    if grid.transform.0.iter().any(|v| !v.is_finite()) || grid.transform.inverse().is_none() {
        return Err(CatalogErrorKind::invalid(
            what,
            format!(
                "its transform {:?} is not finite and invertible",
                grid.transform.0
            ),
        ));
    }
    if grid.width == 0 || grid.height == 0 {
        return Err(CatalogErrorKind::invalid(
            what,
            format!("its size is {}x{} pixels", grid.width, grid.height),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn datetime_text_is_geopackage_datetime() {
        let t = Utc.with_ymd_and_hms(2021, 6, 30, 7, 41, 12).unwrap();
        assert_eq!(datetime_text(&t), "2021-06-30T07:41:12.000Z");
    }

    #[test]
    fn grid_round_trips_through_columns() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (grid_epsg INTEGER, grid_proj4 TEXT, grid_transform TEXT,
                             grid_width INTEGER, grid_height INTEGER)",
        )
        .unwrap();
        let grid = Grid::new(
            Crs::from_epsg(32639).unwrap(),
            GeoTransform([536_000.5, 0.5, 0.0, 3_730_000.25, 0.0, -0.5]),
            4000,
            3000,
        );
        conn.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)",
            grid_values(&grid),
        )
        .unwrap();
        let back = conn
            .query_row("SELECT * FROM t", [], |row| Ok(read_grid(row)))
            .unwrap()
            .unwrap();
        assert_eq!(back, grid);
    }

    #[test]
    fn degenerate_grids_are_refused() {
        let crs = Crs::from_epsg(32639).unwrap();
        let flat = Grid::new(crs.clone(), GeoTransform([0.0; 6]), 10, 10);
        assert!(check_grid(&flat, "analysis grid")
            .unwrap_err()
            .to_string()
            .contains("invertible"));
        let empty = Grid::new(crs, GeoTransform::north_up(0.0, 0.0, 1.0, 1.0), 0, 10);
        assert!(check_grid(&empty, "analysis grid")
            .unwrap_err()
            .to_string()
            .contains("0x10"));
    }
}
