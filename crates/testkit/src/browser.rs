//! Headless Chromium for tests that open what sitewatch writes or serves: Debian's Chromium
//! at `/usr/bin/chromium` (or `$SITEWATCH_CHROMIUM`), started with the flags that keep it off
//! the network. A missing browser fails the test, saying what to install.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The Chromium binary; panics with what to install when it is missing.
pub fn chromium() -> PathBuf {
    let path = std::env::var_os("SITEWATCH_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "this test needs Chromium at {}: install it with `apt-get install -y chromium` \
         (or set SITEWATCH_CHROMIUM to a Chromium binary)",
        path.display()
    );
    path
}

/// Runs headless Chromium on the local file `page` with `args` (e.g. `--dump-dom`), with a
/// fresh profile in `profile` and 5 s of virtual time for the page's scripts.
pub fn headless(profile: &Path, page: &Path, args: &[&str]) -> Output {
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The (loaded, total) images a sitewatch report's page counted once it loaded (its `<body>`
/// carries `data-images="loaded/total"`), read from the DOM Chromium dumped.
pub fn images_loaded(profile: &Path, page: &Path) -> (usize, usize) {
    let dom = headless(profile, page, &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    let count = dom
        .split("data-images=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no data-images on <body>: the page's load script did not run"));
    let (loaded, total) = count
        .split_once('/')
        .unwrap_or_else(|| panic!("data-images=\"{count}\" is not loaded/total"));
    (loaded.parse().unwrap(), total.parse().unwrap())
}
