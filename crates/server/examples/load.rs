//! Load on the imagery endpoint: 50 concurrent keep-alive clients on loopback for 30 seconds
//! each phase (bounded in time and in request count), first asking for map tiles (`bbox=`
//! windows of the site grid) never asked before, each one rendered, then for one tile
//! (answered from the cache). Prints throughput and latency percentiles.
//!
//! `cargo run --release -p server --example load [-- SECONDS_PER_PHASE]`

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[path = "../tests/harbour/mod.rs"]
mod harbour;

const CLIENTS: usize = 50;
const DEFAULT_PHASE_SECONDS: u64 = 30;
const MAX_REQUESTS_PER_CLIENT: usize = 2_000;

/// One keep-alive GET; returns the status and the body length.
async fn get(stream: &mut BufReader<TcpStream>, uri: &str) -> std::io::Result<(u16, usize)> {
    let request = format!("GET {uri} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    stream.get_mut().write_all(request.as_bytes()).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0;
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await?;
    Ok((status, length))
}

/// Runs one phase: each client asks `uri(client, i)` until the time or count bound.
async fn phase(
    name: &str,
    addr: std::net::SocketAddr,
    length: Duration,
    uri: fn(usize, usize) -> String,
) {
    let start = Instant::now();
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        clients.push(tokio::spawn(async move {
            let mut stream = BufReader::new(TcpStream::connect(addr).await.unwrap());
            let mut latencies = Vec::new();
            for i in 0..MAX_REQUESTS_PER_CLIENT {
                if start.elapsed() > length {
                    break;
                }
                let sent = Instant::now();
                let (status, _) = get(&mut stream, &uri(client, i)).await.unwrap();
                assert_eq!(status, 200, "{}", uri(client, i));
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3;
    println!(
        "{name}: {} requests in {elapsed:.2} s = {:.0} req/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        at(0.5),
        at(0.99),
        at(1.0),
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds = match std::env::args().nth(1) {
        Some(text) => text.parse()?,
        None => DEFAULT_PHASE_SECONDS,
    };
    let length = Duration::from_secs(seconds);
    let dir = tempfile::tempdir()?;
    let catalog = harbour::harbour_catalog(&dir.path().join("dossier.gpkg"))?;
    let app = server::router(server::AppState::new(catalog, server::Access::ReadOnly));
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        println!("{CLIENTS} clients, {seconds} s per phase, 256 x 256 pixel tiles at 256 px");
        // Distinct tiles: no two requests share a cache entry.
        phase("rendered", addr, length, |client, i| {
            let n = client * MAX_REQUESTS_PER_CLIENT + i;
            let (col, row) = ((n % 500) as i64 - 64, ((n / 500) % 450) as i64 - 64);
            format!(
                "/api/scenes/1/image.png?bbox={col},{row},{},{}&size=256",
                col + 256,
                row + 256
            )
        })
        .await;
        phase("cached", addr, length, |_, _| {
            "/api/scenes/1/image.png?bbox=100,100,356,356&size=256".into()
        })
        .await;
        Ok::<(), std::io::Error>(())
    })?;
    Ok(())
}
