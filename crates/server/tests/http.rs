//! The server answered in-process (tower's `oneshot`): reads, the write token, refusals, and
//! requests that try to reach the file system.

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use axum::Router;
use catalog::{Catalog, NewScene, NewSite, SceneFile};
use geo_types::polygon;
use raster::{GeoTiff, RasterSource};
use server::{first_token, router, Access, AppState};
use tower::ServiceExt;

/// A catalog with one site whose grid is the GeoTIFF fixture's and one scene of that file,
/// served with `access`; also the write token.
fn served(access: Access) -> (tempfile::TempDir, Router, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut catalog = Catalog::open(dir.path().join("dossier.gpkg")).unwrap();
    let token = first_token(&mut catalog)
        .unwrap()
        .expect("a new catalog gets a token");
    assert_eq!(
        first_token(&mut catalog).unwrap(),
        None,
        "only the first start makes one"
    );
    let image = testkit::data_file("geotiff-fixtures/RGB.byte.tif");
    let grid = GeoTiff::open(&image).unwrap().grid().clone();
    let area = polygon![(x: -78.9, y: 23.5), (x: -76.9, y: 23.5), (x: -76.9, y: 25.0), (x: -78.9, y: 25.0)];
    catalog
        .add_site(NewSite {
            name: "Test Harbour".into(),
            aliases: vec!["harbour".into()],
            parent: None,
            makes: None,
            aoi: area.clone(),
            ring_m: 1000.0,
            grid: grid.clone(),
            gsd_from_scenes: false,
            notes: None,
        })
        .unwrap();
    catalog
        .add_scene(NewScene {
            site: "Test Harbour".into(),
            acquired: "2021-04-11T07:05:30Z".parse().unwrap(),
            sensor: "Landsat-7 ETM+".into(),
            gsd_m: grid.gsd(),
            band_count: 3,
            credit: "rasterio test data".into(),
            sun_elevation_deg: None,
            sun_azimuth_deg: None,
            off_nadir_deg: None,
            cloud_fraction: None,
            footprint: area,
            grid,
            files: vec![SceneFile::hash(&image, "image").unwrap()],
        })
        .unwrap();
    (dir, router(AppState::new(catalog, access)), token)
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
    assert!(page.contains("/api/sites") && !page.contains("https://"));
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
