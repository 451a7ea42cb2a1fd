//! The real binary behind real reverse proxies, configured as docs/deploy.md says: nginx with
//! its defaults plus `docs/deploy/nginx-proxy.conf`, and Caddy with `docs/deploy/Caddyfile`.
//! A whole SMS login goes through each (so Host, Origin and CSRF hold behind it), and the log
//! names the real client (a second loopback address, 127.0.0.2), never the proxy nor an
//! address the client wrote into `X-Forwarded-For` itself. Also: the example config file
//! of docs/deploy parses, and flags win over it.
//!
//! A proxy that is not installed is skipped with a printed line (`apt-get install -y nginx
//! caddy`).

use crate::harness::production;

use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use production::*;
use serde_json::{json, Value};

/// The client's own address: not the proxy's.
const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
/// What the client claims in its own `X-Forwarded-For`.
const SPOOFED: &str = "203.0.113.66";

fn docs(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/deploy")
        .join(file)
}

/// A proxy process; killed when dropped.
struct Proxy(Child);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until something accepts connections on `port` (the proxy has started).
fn wait_for_port(port: u16, proxy: &mut Proxy) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = proxy.0.try_wait() {
            panic!("the proxy exited: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "the proxy did not listen in 30 s"
        );
        std::thread::yield_now();
    }
}

/// The portal in production behind a proxy at `public`, trusting 127.0.0.1, its log in JSON.
fn portal_behind(site: &Site, gateway: &Gateway, public: &str) -> Running {
    let args = production_args(
        site,
        gateway,
        &[
            "--public-origin",
            public,
            "--trusted-proxy",
            "127.0.0.1",
            "--log-format",
            "json",
        ],
    );
    Running::start(&args, &[("RUST_LOG", "info")])
}

/// A whole login through the proxy at `public`, from [`CLIENT`], claiming [`SPOOFED`] (7
/// requests); then the client of each request line of the portal's log, in order.
async fn login_through(public: &str, gateway: &mut Gateway, portal: &mut Running) -> Vec<String> {
    let mut browser = Browser::from_address(public, Some(CLIENT));
    browser.forwarded_for = Some(SPOOFED.into());
    assert_eq!(browser.get("/").await.status, 200);
    browser.sms_login(gateway, "alice").await;
    assert_eq!(browser.get("/api/account").await.ok()["username"], "alice");
    browser.post("/api/logout", &json!({})).await.ok();
    browser
        .get("/api/account")
        .await
        .assert_error(401, "NotSignedIn");
    let log = portal.stop();
    let clients: Vec<String> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["route"].is_string())
        .map(|line| line["client"].as_str().unwrap().to_owned())
        .collect();
    assert!(!log.contains(SPOOFED), "{log}");
    clients
}

#[tokio::test(flavor = "multi_thread")]
async fn nginx_with_its_defaults_and_the_documented_lines() {
    let nginx = Path::new("/usr/sbin/nginx");
    if !nginx.exists() {
        println!("SKIPPED: /usr/sbin/nginx is missing (apt-get install -y nginx)");
        return;
    }
    let site = Site::new();
    site.account("alice");
    let mut gateway = Gateway::start().await;
    let port = free_port();
    let bare_port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let mut portal = portal_behind(&site, &gateway, &public);
    let upstream = portal.base.trim_start_matches("http://").to_owned();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let lines = docs("nginx-proxy.conf");
    // One server with the documented lines, one with nginx's defaults only.
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      proxy_pass http://{upstream};\n\
         include {};\n    }}\n  }}\n\
         server {{\n    listen 127.0.0.1:{bare_port};\n    location / {{ proxy_pass http://{upstream}; }}\n  }}\n}}\n",
        lines.display()
    );
    std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
    let mut proxy = Proxy(
        Command::new(nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port, &mut proxy);
    wait_for_port(bare_port, &mut proxy);
    // nginx's default Host is the upstream's address: not the public origin, so refused.
    let mut bare = Browser::from_address(&format!("http://127.0.0.1:{bare_port}"), Some(CLIENT));
    bare.origin = Some(public.clone());
    bare.post(
        "/api/login",
        &json!({ "username": "alice", "password": PASSWORD }),
    )
    .await
    .assert_error(421, "MisdirectedRequest");
    let clients = login_through(&public, &mut gateway, &mut portal).await;
    // The bare server sent no X-Forwarded-For: its request came from nginx itself.
    let mut expected = vec!["127.0.0.1"];
    expected.extend(["127.0.0.2"; 7]);
    assert_eq!(clients, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn caddy_with_the_documented_caddyfile() {
    let Some(caddy) = ["/usr/bin/caddy", "/usr/local/bin/caddy"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
    else {
        println!("SKIPPED: caddy is missing (apt-get install -y caddy)");
        return;
    };
    let site = Site::new();
    site.account("alice");
    let mut gateway = Gateway::start().await;
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let mut portal = portal_behind(&site, &gateway, &public);
    let upstream = portal.base.trim_start_matches("http://").to_owned();
    let dir = tempfile::tempdir().unwrap();
    // The documented file with the test's addresses, and no admin endpoint (tests run side by side).
    let documented = std::fs::read_to_string(docs("Caddyfile")).unwrap();
    let caddyfile = format!(
        "{{\n\tadmin off\n}}\n{}",
        documented
            .replace("portal.example", &public)
            .replace("127.0.0.1:8080", &upstream)
    );
    std::fs::write(dir.path().join("Caddyfile"), caddyfile).unwrap();
    let mut proxy = Proxy(
        Command::new(caddy)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(dir.path().join("Caddyfile"))
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port, &mut proxy);
    let clients = login_through(&public, &mut gateway, &mut portal).await;
    assert_eq!(clients, ["127.0.0.2"; 7]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_config_file_parses_and_flags_win_over_it() {
    let site = Site::new();
    site.sms_only_account_at("bob", PHONE);
    let mut gateway = Gateway::start().await;
    // The file says 127.0.0.1:8080, /var/lib/..., a gateway that does not exist here, and
    // the issuer "Example Bank".
    let mut args = strings(&["--config", docs("secure-login.toml").to_str().unwrap()]);
    args.extend(site.args());
    args.extend(strings(&[
        "--addr",
        "127.0.0.1:0",
        "--webhook",
        &gateway.url,
        "--issuer",
        "Flag Bank",
    ]));
    let mut portal = Running::start(&args, &[]);
    let mode = portal
        .printed
        .lines()
        .find(|l| l.starts_with("mode: "))
        .unwrap();
    assert!(mode.contains(&gateway.url.replace("/sms", "")), "{mode}");
    assert!(mode.ends_with("origin: https://portal.example"), "{mode}");
    // The file's public origin is in force: its Host only, with HSTS.
    let mut browser = Browser::new(&portal.base);
    browser
        .get("/")
        .await
        .assert_error(421, "MisdirectedRequest");
    browser.host = Some("portal.example".into());
    let page = browser.get("/").await;
    assert_eq!(page.status, 200);
    assert!(page.headers.contains_key("strict-transport-security"));
    // The issuer of the flag, in a token activation through the file's origin.
    browser.origin = Some("https://portal.example".into());
    let started = browser
        .post(
            "/api/token/activate",
            &json!({ "username": "bob", "password": PASSWORD, "deviceId": "device-1" }),
        )
        .await;
    let activation = started.ok()["activationId"].as_str().unwrap().to_owned();
    let code = gateway.next_code().await;
    let activated = browser
        .post(
            &format!("/api/token/activate/{activation}"),
            &json!({ "code": code, "deviceId": "device-1" }),
        )
        .await;
    assert_eq!(activated.ok()["issuer"], "Flag Bank");
    // Its log format (json) too.
    let log = portal.stop();
    assert!(log.contains("\"status\":200"), "{log}");
    assert!(log.lines().all(|l| l.starts_with('{')), "{log}");
    // The file by environment variable; an unknown key refuses to start, naming it.
    let bad = site.dir.path().join("bad.toml");
    std::fs::write(&bad, "public_orgin = \"https://portal.example\"\n").unwrap();
    let args = production_args(&site, &gateway, &[]);
    let exit = run_to_exit(&args, &[("SECURE_LOGIN_CONFIG", bad.to_str().unwrap())]);
    assert!(!exit.success);
    assert!(exit.stderr.contains("public_orgin"), "{}", exit.stderr);
}
