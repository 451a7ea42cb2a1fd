//! `secure-login-server`: serves the secure-login pages and wasm package.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use tokio::net::TcpListener;

/// Command-line arguments.
#[derive(Parser, Debug)]
#[command(version, about = "The secure-login reference portal")]
struct Args {
    /// Address to listen on (port 0 picks a free port; the line printed on start names it).
    #[arg(long, env = "SECURE_LOGIN_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Directory of the pages (default: `www/` of the repository around the current directory).
    #[arg(long)]
    www: Option<PathBuf>,
    /// Directory of the wasm package (default: `pkg/` of the repository around the current directory).
    #[arg(long)]
    pkg: Option<PathBuf>,
}

/// The repository root: the current directory or the nearest parent holding `www/`.
fn find_repo_root() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .find(|dir| dir.join("www").is_dir())
        .map(Path::to_path_buf)
}

/// The directory given on the command line, else `name` in the repository root.
fn resolve_dir(given: Option<PathBuf>, root: Option<&Path>, name: &str) -> Result<PathBuf, String> {
    match (given, root) {
        (Some(dir), _) => Ok(dir),
        (None, Some(root)) => Ok(root.join(name)),
        (None, None) => Err(format!(
            "no {name}/ directory found in the current directory or its parents; pass --{name} DIR"
        )),
    }
}

/// Waits for Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Serves until Ctrl-C or SIGTERM.
async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let root = find_repo_root();
    let www = resolve_dir(args.www, root.as_deref(), "www")?;
    let pkg = resolve_dir(args.pkg, root.as_deref(), "pkg")?;
    if !www.is_dir() {
        return Err(format!("{} is not a directory", www.display()).into());
    }
    if !pkg.join("secure_login.js").is_file() {
        eprintln!(
            "warning: {} has no secure_login.js; build it with `wasm-pack build --target web --release --out-dir pkg`",
            pkg.display()
        );
    }
    let listener = TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    let addr = listener.local_addr()?;
    println!("secure-login portal listening on http://{addr}");
    axum::serve(listener, secure_login_server::app(www, pkg))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_directory_wins() {
        let got = resolve_dir(
            Some(PathBuf::from("/srv/www")),
            Some(Path::new("/repo")),
            "www",
        );
        assert_eq!(got, Ok(PathBuf::from("/srv/www")));
    }

    #[test]
    fn else_the_directory_in_the_repository() {
        let got = resolve_dir(None, Some(Path::new("/repo")), "pkg");
        assert_eq!(got, Ok(PathBuf::from("/repo/pkg")));
    }

    #[test]
    fn no_repository_and_no_directory_is_an_error_naming_the_flag() {
        let got = resolve_dir(None, None, "www");
        assert!(got.is_err_and(|e| e.contains("--www")));
    }

    #[test]
    fn the_arguments_parse() {
        let args =
            Args::try_parse_from(["secure-login-server", "--addr", "127.0.0.1:0", "--pkg", "p"])
                .unwrap();
        assert_eq!(args.addr, "127.0.0.1:0".parse().unwrap());
        assert_eq!(args.pkg, Some(PathBuf::from("p")));
        assert_eq!(args.www, None);
    }
}
