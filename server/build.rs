//! Embeds the pages (`www/`) and the wasm package (`pkg/`, made by `scripts/build-wasm.sh`) in
//! the binary, so the portal is one file (`src/assets.rs` serves them).
//!
//! Writes `$OUT_DIR/assets.rs`: for each directory a sorted list of `(path, bytes, etag)` with
//! the bytes as `include_bytes!` of the file (of `pkg/`, the `.js` and `.wasm` files pages load). `pkg/` may not exist yet (a fresh clone builds the
//! server before the wasm): then the list is empty, the build says what to run, and the binary
//! refuses to start without `--pkg DIR`. Cargo runs this again whenever a file in either
//! directory changes, appears or goes (and, while `pkg/` is missing, at every build).

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::{env, fs};

/// Every file under `dir` (hidden ones left out: wasm-pack's `.gitignore`), as paths relative
/// to it with `/` separators, sorted.
fn files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        let Ok(entries) = fs::read_dir(&at) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                found.push((parts.join("/"), path));
            }
        }
    }
    found.sort();
    found
}

/// The Rust source of one list: the files under `dir` that `keep` keeps.
fn list(name: &str, dir: &Path, keep: fn(&str) -> bool) -> String {
    let mut source = format!("pub(crate) static {name}: &[(&str, &[u8], &str)] = &[\n");
    for (relative, path) in files(dir).into_iter().filter(|(r, _)| keep(r)) {
        // The ETag: a hash of the content, fixed for this build.
        let bytes = fs::read(&path).unwrap_or_default();
        let mut hasher = DefaultHasher::new();
        hasher.write(&bytes);
        let etag = format!("\"{:016x}\"", hasher.finish());
        source.push_str(&format!(
            "    ({relative:?}, include_bytes!({:?}), {etag:?}),\n",
            path.display().to_string()
        ));
    }
    source.push_str("];\n");
    source
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest.parent().unwrap_or(&manifest).to_path_buf();
    let www = root.join("www");
    let pkg = root.join("pkg");
    println!("cargo:rerun-if-changed={}", www.display());
    println!("cargo:rerun-if-changed={}", pkg.display());
    println!("cargo:rerun-if-changed=build.rs");
    if !pkg.join("secure_login.js").is_file() {
        println!(
            "cargo:warning=pkg/ is not built, so this binary holds no wasm package: run \
             scripts/build-wasm.sh, then build again (or start it with --pkg DIR)"
        );
    }
    // Of the package, what pages load: the glue and the wasm (not wasm-pack's package.json
    // and TypeScript declarations).
    let source = format!(
        "{}\n{}",
        list("WWW", &www, |_| true),
        list("PKG", &pkg, |f| f.ends_with(".js") || f.ends_with(".wasm"))
    );
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("assets.rs");
    if let Err(error) = fs::write(&out, source) {
        println!("cargo:warning=cannot write {}: {error}", out.display());
        std::process::exit(1);
    }
}
