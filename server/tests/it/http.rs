//! The portal over real HTTP: pages, the wasm package, 404s, and the security headers on all of them.

use std::path::Path;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Response, StatusCode};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PAGE: &str = "<!doctype html><title>test page</title>";
/// The smallest valid module: the magic number and version.
const WASM: &[u8] = b"\0asm\x01\0\0\0";

/// Every header every response must carry, with its exact value.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
];

/// A running portal over temporary `www/` and `pkg/` directories.
struct Portal {
    base: String,
    _dirs: TempDir,
}

/// A script long enough to be worth compressing.
fn big_script() -> String {
    (0..400)
        .map(|i| format!("export const c{i} = {i};\n"))
        .collect()
}

fn write(path: &Path, contents: &[u8]) {
    std::fs::write(path, contents).unwrap();
}

async fn start() -> Portal {
    let dirs = tempfile::tempdir().unwrap();
    let www = dirs.path().join("www");
    let pkg = dirs.path().join("pkg");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::create_dir_all(&pkg).unwrap();
    write(&www.join("index.html"), PAGE.as_bytes());
    write(&www.join("calculator.js"), b"export {};\n");
    // The modules every page shares live in a folder of their own (www/lib/).
    std::fs::create_dir_all(www.join("lib")).unwrap();
    write(&www.join("lib").join("api.js"), b"export {};\n");
    write(&pkg.join("big.js"), big_script().as_bytes());
    write(&pkg.join("secure_login_bg.wasm"), WASM);
    write(
        &pkg.join("secure_login.js"),
        b"export default function init() {}\n",
    );
    // A file beside the served directories, to check nothing outside them is reachable.
    write(&dirs.path().join("secret.txt"), b"not for the web");

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = secure_login_server::app(www, pkg);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Portal {
        base: format!("http://{addr}"),
        _dirs: dirs,
    }
}

async fn get(portal: &Portal, path: &str) -> Response {
    reqwest::get(format!("{}{path}", portal.base))
        .await
        .unwrap()
}

fn assert_security_headers(response: &Response) {
    for (name, value) in SECURITY_HEADERS {
        let got = response.headers().get_all(name).iter().collect::<Vec<_>>();
        assert_eq!(got.len(), 1, "{} {name}: {got:?}", response.url());
        assert_eq!(got[0], value, "{} {name}", response.url());
    }
}

fn content_type(response: &Response) -> &str {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn root_serves_the_page_with_every_security_header() {
    let portal = start().await;
    let response = get(&portal, "/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_security_headers(&response);
    assert!(
        content_type(&response).starts_with("text/html"),
        "{}",
        content_type(&response)
    );
    assert_eq!(response.text().await.unwrap(), PAGE);

    let response = get(&portal, "/index.html").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_security_headers(&response);
}

#[tokio::test]
async fn scripts_are_javascript() {
    let portal = start().await;
    for path in ["/calculator.js", "/lib/api.js", "/pkg/secure_login.js"] {
        let response = get(&portal, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_security_headers(&response);
        assert!(
            content_type(&response).starts_with("text/javascript"),
            "{path}: {}",
            content_type(&response)
        );
    }
}

#[tokio::test]
async fn wasm_is_application_wasm() {
    let portal = start().await;
    let response = get(&portal, "/pkg/secure_login_bg.wasm").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_security_headers(&response);
    assert_eq!(content_type(&response), "application/wasm");
    assert_eq!(response.bytes().await.unwrap().as_ref(), WASM);
}

#[tokio::test]
async fn static_files_are_gzipped_when_the_browser_asks() {
    use std::io::Read as _;
    let portal = start().await;
    let url = format!("{}/pkg/big.js", portal.base);
    let client = reqwest::Client::new();
    let gzipped = client
        .get(&url)
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.status(), StatusCode::OK);
    assert_security_headers(&gzipped);
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert!(gzipped.headers()["vary"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase()
        .contains("accept-encoding"));
    let body = gzipped.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(body.as_ref())
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, big_script());
    assert!(
        body.len() * 3 < text.len(),
        "{} of {}",
        body.len(),
        text.len()
    );

    // Without the header, the file as it is.
    let plain = client.get(&url).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.unwrap(), big_script());
}

#[tokio::test]
async fn unknown_paths_are_404_with_the_headers() {
    let portal = start().await;
    for path in [
        "/no-such-page.html",
        "/pkg/no-such-file.wasm",
        "/pkg/",
        "/deep/er/path",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/pkg/..%2fsecret.txt",
        "/pkg/%2e%2e/%2e%2e/secret.txt",
    ] {
        let response = get(&portal, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_security_headers(&response);
    }
}

#[tokio::test]
async fn other_methods_are_refused_with_the_headers() {
    let portal = start().await;
    let response = reqwest::Client::new()
        .post(format!("{}/", portal.base))
        .body("x")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    assert_security_headers(&response);
}

/// Paths sent byte for byte (an HTTP client would normalise the dots away before sending).
#[tokio::test]
async fn raw_traversal_attempts_are_404() {
    let portal = start().await;
    let host = portal.base.trim_start_matches("http://");
    for path in [
        "/../secret.txt",
        "/pkg/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/pkg/%2e%2e/%2e%2e/secret.txt",
    ] {
        let mut stream = TcpStream::connect(host).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).await.unwrap();
        assert!(
            reply.starts_with("HTTP/1.1 404") || reply.starts_with("HTTP/1.1 400"),
            "{path}: {reply}"
        );
        assert!(!reply.contains("not for the web"), "{path}: {reply}");
        assert!(
            reply
                .to_ascii_lowercase()
                .contains("content-security-policy: default-src 'self'"),
            "{path}"
        );
    }
}
