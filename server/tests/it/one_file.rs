//! The server as one file (issue 17 item 5): the binary, started from an empty working directory
//! with no `--www` or `--pkg`, serves the pages and the wasm package it holds, byte for byte
//! the repository's files, with their content types and the security headers. Built before
//! `scripts/build-wasm.sh` (a fresh clone's `cargo test`), it holds no package: it then refuses
//! to start without `--pkg` and says what to run. `tests/e2e/one_file.test.mjs` checks the
//! package too, after the test command built it.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::harness::kit::CHEAP;
use crate::harness::production::BIN;

/// The repository's `www/` and `pkg/`.
fn repository(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir)
}

/// Every file under `dir` (hidden ones left out), relative, `/`-separated.
fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(at).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap();
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

/// The content type each extension must have (IANA's media types; `.js` as the HTML standard
/// says, `text/javascript`).
fn expected_type(file: &str) -> &'static str {
    match file.rsplit('.').next().unwrap() {
        "html" => "text/html",
        "js" => "text/javascript",
        "css" => "text/css",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        other => panic!("no expected type for .{other} ({file})"),
    }
}

/// The binary in a demo start from the empty directory `cwd`, with `args`; the base URL, or
/// what it printed when it stopped by itself.
fn start(cwd: &Path, args: &[&str]) -> Result<(Child, String), String> {
    let mut child = Command::new(BIN)
        .current_dir(cwd)
        .args(["--addr", "127.0.0.1:0", "--demo"])
        .args(CHEAP)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("secure-login portal listening on ") {
            let url = url.trim().to_owned();
            std::thread::spawn(move || for _ in lines {});
            return Ok((child, url));
        }
        printed.push_str(&line);
        printed.push('\n');
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    Err(format!("{status}: {printed}{stderr}"))
}

/// Fetches every file of `dir` that `keep` keeps under `prefix` and compares it with the file on
/// disk.
async fn serves_every_file(base: &str, prefix: &str, dir: &Path, keep: fn(&str) -> bool) -> usize {
    let client = reqwest::Client::new();
    let names: Vec<String> = files(dir).into_iter().filter(|f| keep(f)).collect();
    for name in &names {
        let url = format!("{base}{prefix}{name}");
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], expected_type(name), "{url}");
        for (header, value) in [
            (
                "content-security-policy",
                secure_login_server::CONTENT_SECURITY_POLICY,
            ),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
            ("cross-origin-opener-policy", "same-origin"),
        ] {
            assert_eq!(headers[header], value, "{url} {header}");
        }
        let body = response.bytes().await.unwrap();
        assert_eq!(
            body.as_ref(),
            std::fs::read(dir.join(name)).unwrap(),
            "{url} is not the repository's file"
        );
    }
    names.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn from_an_empty_directory_the_binary_serves_the_pages_it_holds() {
    let cwd = tempfile::tempdir().unwrap();
    // A stand-in package on disk, for a binary built before the wasm (see the test below).
    let pkg = tempfile::tempdir().unwrap();
    std::fs::write(pkg.path().join("secure_login.js"), "export {};\n").unwrap();
    let (mut child, base) = start(cwd.path(), &["--pkg", pkg.path().to_str().unwrap()]).unwrap();
    let www = repository("www");
    let served = serves_every_file(&base, "/", &www, |_| true).await;
    assert!(served > 30, "{served} pages");
    let root = reqwest::get(format!("{base}/")).await.unwrap();
    assert_eq!(root.headers()["content-type"], "text/html");
    let root = root.bytes().await.unwrap();
    assert_eq!(
        root.as_ref(),
        std::fs::read(www.join("index.html")).unwrap()
    );
    let missing = reqwest::get(format!("{base}/nothing.html")).await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-security-policy"],
        secure_login_server::CONTENT_SECURITY_POLICY
    );
    // The working directory holds only the demo database the start made.
    let left: Vec<String> = files(cwd.path());
    assert!(
        left.iter().all(|f| f.starts_with("secure-login.sqlite3")),
        "{left:?}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_package_is_in_the_binary_or_the_start_says_what_to_run() {
    let cwd = tempfile::tempdir().unwrap();
    let pkg = repository("pkg");
    // build.rs embedded pkg/ if it existed when the binary was built, and cargo rebuilt the
    // binary for this test run when pkg/ changed or appeared since.
    if pkg.join("secure_login.js").is_file() {
        let (mut child, base) = start(cwd.path(), &[]).unwrap();
        // What pages load: the glue and the wasm, of pkg/ and pkg/login/.
        let loaded = |f: &str| f.ends_with(".js") || f.ends_with(".wasm");
        let served = serves_every_file(&base, "/pkg/", &pkg, loaded).await;
        assert!(served >= 4, "{served} package files");
        let manifest = reqwest::get(format!("{base}/pkg/package.json"))
            .await
            .unwrap();
        assert_eq!(
            manifest.status(),
            404,
            "wasm-pack's package.json is not served"
        );
        child.kill().unwrap();
        child.wait().unwrap();
    } else {
        let refused = start(cwd.path(), &[]).unwrap_err();
        assert!(refused.contains("scripts/build-wasm.sh"), "{refused}");
        assert!(refused.contains("--pkg DIR"), "{refused}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn www_and_pkg_serve_from_disk_while_developing() {
    let cwd = tempfile::tempdir().unwrap();
    let www = tempfile::tempdir().unwrap();
    let pkg = tempfile::tempdir().unwrap();
    std::fs::write(
        www.path().join("index.html"),
        "<!doctype html><title>edited</title>",
    )
    .unwrap();
    std::fs::write(
        pkg.path().join("secure_login.js"),
        "export const edited = 1;\n",
    )
    .unwrap();
    let (mut child, base) = start(
        cwd.path(),
        &[
            "--www",
            www.path().to_str().unwrap(),
            "--pkg",
            pkg.path().to_str().unwrap(),
        ],
    )
    .unwrap();
    let page = reqwest::get(format!("{base}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page, "<!doctype html><title>edited</title>");
    // An edit shows at the next request.
    std::fs::write(
        www.path().join("index.html"),
        "<!doctype html><title>again</title>",
    )
    .unwrap();
    let page = reqwest::get(format!("{base}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page, "<!doctype html><title>again</title>");
    let glue = reqwest::get(format!("{base}/pkg/secure_login.js"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(glue, "export const edited = 1;\n");
    // Pages not in the directory are not taken from the binary.
    let login = reqwest::get(format!("{base}/login.js")).await.unwrap();
    assert_eq!(login.status(), 404);
    child.kill().unwrap();
    child.wait().unwrap();
}
