//! The server answered in-process (tower's `oneshot`): reads, the write token, refusals, and
//! requests that try to reach the file system.

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use axum::Router;
use catalog::Catalog;
use raster::{GeoTiff, RasterSource};
use server::{first_token, router, Access, AppState};
use tower::ServiceExt;

mod harbour;

/// A catalog with one site whose grid is the GeoTIFF fixture's and one scene of that file,
/// served with `access`; also the write token.
fn served(access: Access) -> (tempfile::TempDir, Router, String) {
    let dir = tempfile::tempdir().unwrap();
    let (router, token) = serve_in(dir.path(), access);
    (dir, router, token)
}

/// The catalog of [`served`] in `dir`, served with `access`; also the write token.
fn serve_in(dir: &std::path::Path, access: Access) -> (Router, String) {
    let mut catalog = harbour::harbour_catalog(&dir.join("dossier.gpkg")).unwrap();
    let token = first_token(&mut catalog)
        .unwrap()
        .expect("a new catalog gets a token");
    assert_eq!(
        first_token(&mut catalog).unwrap(),
        None,
        "only the first start makes one"
    );
    (router(AppState::new(catalog, access)), token)
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Vec<u8>, Response<()>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (parts.status, bytes, Response::from_parts(parts, ()))
}

async fn get(app: &Router, uri: &str) -> (StatusCode, Vec<u8>, Response<()>) {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

fn post_event(token: Option<&str>, body: String) -> Request<Body> {
    let mut request =
        Request::post("/api/sites/harbour/events").header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::from(body)).unwrap()
}

fn event_json() -> String {
    r#"{"date": "2021-04-12", "kind": "visit", "source": "IAEA GOV/2021/26", "note": "inspection"}"#
        .to_string()
}

#[tokio::test]
async fn sites_and_scenes_are_geojson_in_lon_lat() {
    let (_dir, app, _) = served(Access::TokenWrites);
    let (status, body, _) = get(&app, "/api/sites").await;
    assert_eq!(status, StatusCode::OK);
    let sites = json(&body);
    assert_eq!(sites["type"], "FeatureCollection");
    assert_eq!(sites["features"][0]["properties"]["name"], "Test Harbour");
    assert_eq!(
        sites["features"][0]["geometry"]["coordinates"][0][0][0],
        -78.9
    );

    let (status, body, _) = get(&app, "/api/sites/harbour").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["properties"]["aliases"][0], "harbour");

    let (status, body, _) = get(&app, "/api/sites/Test%20Harbour/scenes").await;
    assert_eq!(status, StatusCode::OK);
    let scenes = json(&body);
    let scene = &scenes["features"][0];
    assert_eq!(scene["geometry"]["type"], "Polygon");
    assert_eq!(scene["properties"]["sensor"], "Landsat-7 ETM+");
    assert!(
        !String::from_utf8_lossy(&body).contains("RGB.byte.tif"),
        "file paths stay on the server"
    );

    let (status, _, _) = get(&app, "/api/sites/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body, _) = get(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("/assets/viewer.js") && !page.contains("https://"));
    for asset in [
        "viewer.js",
        "viewer.css",
        "leaflet/leaflet.js",
        "leaflet/LICENSE",
    ] {
        let (status, body, _) = get(&app, &format!("/assets/{asset}")).await;
        assert_eq!(status, StatusCode::OK, "{asset}");
        assert!(!body.is_empty());
    }
    let (status, body, _) = get(&app, "/assets/../Cargo.toml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(json(&body)["error"].is_string(), "refusals are JSON");
}

#[tokio::test]
async fn in_the_grid_frame_the_aoi_and_ring_are_site_grid_pixels() {
    let (_dir, app, _) = served(Access::TokenWrites);
    let (status, body, _) = get(&app, "/api/sites/harbour?crs=grid").await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let site = json(&body);
    let grid = GeoTiff::open(testkit::data_file("geotiff-fixtures/RGB.byte.tif"))
        .unwrap()
        .grid()
        .clone();
    // The AOI's first corner, (-78.9, 23.5), through the grid's CRS and inverse transform.
    let to_map = raster::CoordTransform::new(&raster::Crs::wgs84(), &grid.crs).unwrap();
    let (x, y) = to_map.transform_point(-78.9, 23.5).unwrap();
    let (col, row) = grid.transform.inverse().unwrap().apply(x, y);
    let first = &site["geometry"]["coordinates"][0][0];
    assert!(
        (first[0].as_f64().unwrap() - col).abs() < 1e-6,
        "{first} vs {col}"
    );
    assert!(
        (first[1].as_f64().unwrap() - row).abs() < 1e-6,
        "{first} vs {row}"
    );
    // The ring lies outside the AOI: 1000 m at the grid's pixel size.
    let xs = |g: &serde_json::Value| -> f64 {
        g["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[0].as_f64().unwrap())
            .fold(f64::MAX, f64::min)
    };
    let out = xs(&site["geometry"]) - xs(&site["properties"]["ring"]);
    assert!((out - 1000.0 / grid.gsd()).abs() < 1.0, "{out}");

    let (status, body, _) = get(&app, "/api/sites/harbour/scenes?crs=grid").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        json(&body)["features"][0]["geometry"]["coordinates"][0][0],
        *first
    );
    let (status, body, _) = get(&app, "/api/sites/harbour?crs=mercator").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(json(&body)["error"].as_str().unwrap().contains("crs"));
}

#[tokio::test]
async fn writes_need_the_token() {
    let (_dir, app, token) = served(Access::TokenWrites);
    let (status, _, _) = send(&app, post_event(None, event_json())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Refused before the body is read: a malformed body does not tell a stranger anything.
    let (status, _, _) = send(&app, post_event(None, "{}".into())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = send(&app, post_event(Some("not-the-token-at-all"), event_json())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body, _) = send(&app, post_event(Some(&token), event_json())).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(json(&body)["source"], "IAEA GOV/2021/26");

    let (_, body, _) = get(&app, "/api/sites/harbour/events").await;
    assert_eq!(json(&body).as_array().unwrap().len(), 1);
    let (_, body, _) = get(&app, "/api/sites/harbour/timeline").await;
    let timeline = json(&body);
    let origins: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["origin"].as_str().unwrap())
        .collect();
    assert_eq!(origins.len(), 2, "{timeline}");

    let unsourced = r#"{"date": "2021-04-12", "kind": "visit", "source": "  "}"#.to_string();
    let (status, _, _) = send(&app, post_event(Some(&token), unsourced)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_read_only_server_refuses_even_the_right_token() {
    let (_dir, app, token) = served(Access::ReadOnly);
    let (status, _, _) = send(&app, post_event(Some(&token), event_json())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, body, _) = get(&app, "/api/sites/harbour/events").await;
    assert_eq!(json(&body), serde_json::json!([]));
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let (_dir, app, token) = served(Access::TokenWrites);
    let note = "x".repeat(server::MAX_BODY_BYTES);
    let body =
        format!(r#"{{"date": "2021-04-12", "kind": "visit", "source": "s", "note": "{note}"}}"#);
    let (status, _, _) = send(&app, post_event(Some(&token), body)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn paths_in_requests_never_reach_the_file_system() {
    let (_dir, app, _) = served(Access::TokenWrites);
    for uri in [
        "/api/scenes/..%2F..%2Fetc%2Fpasswd/image.png",
        "/api/scenes/%2Fetc%2Fpasswd/image.png",
        "/../../etc/passwd",
        "/api/../../etc/passwd",
        "/api/sites/..%2F..%2Fetc%2Fpasswd",
        "/api/scenes/1/image.png/../../../../etc/passwd",
    ] {
        let (status, body, _) = get(&app, uri).await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
            "{uri}: {status}"
        );
        assert!(
            !String::from_utf8_lossy(&body).contains("root:"),
            "{uri} leaked a file"
        );
    }
}

#[tokio::test]
async fn scene_imagery_is_a_stretched_png_of_the_window() {
    let (_dir, app, _) = served(Access::TokenWrites);
    let (status, body, response) = get(
        &app,
        "/api/scenes/1/image.png?col=100&row=200&width=400&height=200&size=100",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");
    let mut reader = png::Decoder::new(std::io::Cursor::new(&body))
        .read_info()
        .unwrap();
    let mut rgba = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut rgba).unwrap();
    assert_eq!((info.width, info.height), (100, 50));
    // The stretch spreads the window's data over the whole 8-bit range.
    let opaque: Vec<u8> = rgba
        .chunks(4)
        .filter(|p| p[3] == 255)
        .map(|p| p[0])
        .collect();
    assert!(opaque.len() > 1000, "{} opaque pixels", opaque.len());
    assert_eq!(*opaque.iter().min().unwrap(), 0);
    assert_eq!(*opaque.iter().max().unwrap(), 255);

    let (again, cached, _) = get(
        &app,
        "/api/scenes/1/image.png?col=100&row=200&width=400&height=200&size=100",
    )
    .await;
    assert_eq!((again, cached), (StatusCode::OK, body));

    for bad in [
        "/api/scenes/1/image.png?col=700&width=200",
        "/api/scenes/1/image.png?size=100000",
        "/api/scenes/1/image.png?width=0",
        "/api/scenes/1/image.png?col=-1",
    ] {
        let (status, _, _) = get(&app, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (status, _, _) = get(&app, "/api/scenes/99/image.png").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn decode(body: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(body))
        .read_info()
        .unwrap();
    let mut rgba = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut rgba).unwrap();
    (info.width, info.height, rgba)
}

#[tokio::test]
async fn a_bbox_is_a_window_that_may_reach_past_the_grid() {
    let (_dir, app, _) = served(Access::TokenWrites);
    let (status, window, _) = get(
        &app,
        "/api/scenes/1/image.png?col=100&row=200&width=400&height=200&size=100",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, bbox, _) = get(
        &app,
        "/api/scenes/1/image.png?bbox=100,200,500,400&size=100",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&bbox));
    assert_eq!(
        window, bbox,
        "one stretch per scene: the same pixels either way"
    );

    // A tile over the grid's top-left corner: transparent off the grid, not stretched.
    let (status, body, _) = get(
        &app,
        "/api/scenes/1/image.png?bbox=-128,-128,128,128&size=256",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let (w, h, rgba) = decode(&body);
    assert_eq!((w, h), (256, 256));
    let alpha = |c: usize, r: usize| rgba[(r * 256 + c) * 4 + 3];
    assert_eq!(alpha(10, 10), 0, "off the grid");
    assert_eq!(alpha(10, 200), 0, "left of the grid");

    for bad in [
        "/api/scenes/1/image.png?bbox=1,2,3",
        "/api/scenes/1/image.png?bbox=10,10,5,20",
        "/api/scenes/1/image.png?bbox=a,b,c,d",
        "/api/scenes/1/image.png?bbox=-300,-300,-10,-10",
        "/api/scenes/1/image.png?bbox=0,0,10,10&col=3",
        "/api/scenes/1/image.png?bbox=0,0,inf,10",
    ] {
        let (status, body, _) = get(&app, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(json(&body)["error"].is_string(), "{bad}");
    }
}

#[tokio::test]
async fn a_realigned_scene_is_rendered_anew() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = serve_in(dir.path(), Access::ReadOnly);
    let uri = "/api/scenes/1/image.png?bbox=200,200,328,328&size=128";
    let (_, before, response) = get(&app, uri).await;
    let etag = response.headers()[header::ETAG].clone();
    let unchanged = Request::get(uri)
        .header(header::IF_NONE_MATCH, etag.clone())
        .body(Body::empty())
        .unwrap();
    let (status, body, _) = send(&app, unchanged).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());

    // Another connection stores an alignment: 3 pixels east.
    let mut catalog = Catalog::open(dir.path().join("dossier.gpkg")).unwrap();
    catalog
        .set_alignment(catalog::NewAlignment {
            scene_id: 1,
            reference_scene_id: None,
            status: catalog::AlignmentStatus::Aligned,
            dx_px: Some(3.0),
            dy_px: Some(0.0),
            model: serde_json::json!({ "kind": "shift", "dx": 3.0, "dy": 0.0 }),
            tie_points_used: 10,
            tie_points_rejected: 0,
            rmse_px: Some(0.1),
            rmse_m: Some(3.0),
            reason: None,
        })
        .unwrap();
    let stale = Request::get(uri)
        .header(header::IF_NONE_MATCH, etag.clone())
        .body(Body::empty())
        .unwrap();
    let (status, after, response) = send(&app, stale).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(response.headers()[header::ETAG], etag);
    assert_ne!(
        decode(&after).2,
        decode(&before).2,
        "rendered with the new alignment"
    );
}

fn post_json(uri: &str, token: Option<&str>, body: serde_json::Value) -> Request<Body> {
    let mut request = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::from(body.to_string())).unwrap()
}

/// A small square around the middle of the test site's AOI, in longitude/latitude.
fn square_lonlat() -> serde_json::Value {
    let (lon, lat, d) = (-77.9, 24.25, 0.01);
    serde_json::json!({ "type": "Polygon", "coordinates": [[
        [lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]
    ]] })
}

#[tokio::test]
async fn a_drawn_outline_is_stored_with_who_drew_it_in_either_frame() {
    let (_dir, app, token) = served(Access::TokenWrites);
    let uri = "/api/sites/harbour/footprints";
    let body = serde_json::json!({ "geometry": square_lonlat(), "note": "hangar" });
    let (status, _, _) = send(&app, post_json(uri, None, body.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, stored, _) = send(&app, post_json(uri, Some(&token), body)).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&stored)
    );
    let stored = json(&stored);
    assert_eq!(stored["properties"]["origin"]["kind"], "drawn");
    let by = stored["properties"]["origin"]["by"].as_str().unwrap();
    assert!(by.starts_with("analyst-") && by.len() == 16, "{by}");

    // The same outline read in site-grid pixels, and posted back in them: the same place.
    let (status, body, _) = get(&app, "/api/sites/harbour/footprints?crs=grid").await;
    assert_eq!(status, StatusCode::OK);
    let in_pixels = json(&body)["features"][0]["geometry"].clone();
    let again = serde_json::json!({ "geometry": in_pixels, "crs": "grid" });
    let (status, body, _) = send(&app, post_json(uri, Some(&token), again)).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let corner =
        |f: &serde_json::Value, i: usize| f["geometry"]["coordinates"][0][0][i].as_f64().unwrap();
    let round_trip = json(&body);
    assert!((corner(&round_trip, 0) - corner(&stored, 0)).abs() < 1e-9);
    assert!((corner(&round_trip, 1) - corner(&stored, 1)).abs() < 1e-9);

    for (bad, expected) in [
        (
            serde_json::json!({ "geometry": { "type": "Point", "coordinates": [[[0.0, 0.0]]] } }),
            StatusCode::BAD_REQUEST,
        ),
        (
            serde_json::json!({ "geometry": square_lonlat(), "replaces": "B9999" }),
            StatusCode::NOT_FOUND,
        ),
        (
            serde_json::json!({ "geometry": square_lonlat(), "colour": "red" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            serde_json::json!({ "geometry": { "type": "Polygon", "coordinates": [[[10.0, 50.0], [10.1, 50.0], [10.1, 50.1]]] } }),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, body, _) = send(&app, post_json(uri, Some(&token), bad.clone())).await;
        assert_eq!(
            status,
            expected,
            "{bad}: {}",
            String::from_utf8_lossy(&body)
        );
        assert!(json(&body)["error"].is_string(), "{bad}");
    }
    let (_, body, _) = get(&app, "/api/sites/harbour/footprints").await;
    assert_eq!(json(&body)["features"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn reviews_need_the_token_and_a_finding_that_exists() {
    let (_dir, app, token) = served(Access::TokenWrites);
    let uri = "/api/sites/harbour/reviews";
    let accept = serde_json::json!({ "target": { "building": "B0001" }, "verdict": "accepted" });
    let (status, _, _) = send(
        &app,
        post_json(uri, Some("wrong-token-wrong-token"), accept.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body, _) = send(&app, post_json(uri, Some(&token), accept)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (status, body, _) = send(
        &app,
        post_json(
            uri,
            Some(&token),
            serde_json::json!({ "target": { "change": 1 }, "verdict": "maybe" }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(&body)["error"].is_string());
    let (status, body, _) = get(&app, "/api/sites/harbour/reviews").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body), serde_json::json!([]));
    for empty in ["changes", "buildings"] {
        let (status, body, _) = get(&app, &format!("/api/sites/harbour/{empty}?crs=grid")).await;
        assert_eq!(status, StatusCode::OK, "{empty}");
        assert_eq!(json(&body)["features"], serde_json::json!([]), "{empty}");
    }

    let (_dir, read_only, token) = served(Access::ReadOnly);
    let comment = serde_json::json!({ "target": { "change": 1 }, "comment": "shadow" });
    let (status, _, _) = send(&read_only, post_json(uri, Some(&token), comment)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
