//! The key-encryption key (KEK) that seals the factor secrets in the database, and the file
//! modes of everything secret on disk.
//!
//! The KEK lives outside the database: in a key file (`--key-file PATH`, created with mode 0600
//! on first start if missing, refused when group or others may read it) or in the environment
//! (`SECURE_LOGIN_KEY`, base64 of 32 bytes). Without either, the key file is `DB.key` beside the
//! database: a copy of the database files alone still holds no secret.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64ct::{Base64, Encoding as _};
use secure_login_verifier::{AeadVault, Entropy as _};

use crate::entropy::SystemEntropy;
use zeroize::Zeroizing;

use crate::StartError;

/// The environment variable that can hold the KEK (base64 of 32 bytes).
pub const KEY_ENV: &str = "SECURE_LOGIN_KEY";

/// Where the KEK comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A key file: base64 of 32 bytes on one line, mode 0600; created if missing.
    File(PathBuf),
    /// Base64 of 32 bytes (from `SECURE_LOGIN_KEY`).
    Inline(Zeroizing<String>),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "key file {}", path.display()),
            Self::Inline(_) => write!(f, "key from {KEY_ENV}"),
        }
    }
}

impl KeySource {
    /// The key file beside the database `db`: `DB.key`.
    pub fn beside(db: &Path) -> Self {
        let mut name = db.as_os_str().to_owned();
        name.push(".key");
        Self::File(PathBuf::from(name))
    }

    /// `--key-file` when given, else `SECURE_LOGIN_KEY` when set, else the file beside `db`.
    pub fn choose(key_file: Option<PathBuf>, db: &Path) -> Self {
        key_file
            .map(Self::File)
            .or_else(Self::from_env)
            .unwrap_or_else(|| Self::beside(db))
    }

    /// `SECURE_LOGIN_KEY`, when set and not blank.
    pub fn from_env() -> Option<Self> {
        std::env::var(KEY_ENV)
            .ok()
            .filter(|inline| !inline.trim().is_empty())
            .map(|inline| Self::Inline(Zeroizing::new(inline)))
    }

    /// The KEK, creating the key file when it is missing.
    ///
    /// # Errors
    /// [`StartError`] for a key file with a wider mode than 0600, unreadable, or not base64 of
    /// 32 bytes.
    pub fn load(&self) -> Result<Zeroizing<[u8; 32]>, StartError> {
        match self {
            Self::File(path) => load_or_create_file(path),
            Self::Inline(text) => decode(text)
                .ok_or_else(|| StartError(format!("{KEY_ENV} must be base64 of exactly 32 bytes"))),
        }
    }

    /// The vault under this KEK.
    ///
    /// # Errors
    /// As [`KeySource::load`].
    pub fn vault(&self) -> Result<Arc<AeadVault>, StartError> {
        let kek = self.load()?;
        Ok(Arc::new(AeadVault::new(&kek, Arc::new(SystemEntropy))))
    }
}

fn decode(text: &str) -> Option<Zeroizing<[u8; 32]>> {
    let mut key = Zeroizing::new([0u8; 32]);
    let decoded = Base64::decode(text.trim().as_bytes(), key.as_mut_slice()).ok()?;
    (decoded.len() == 32).then_some(key)
}

fn load_or_create_file(path: &Path) -> Result<Zeroizing<[u8; 32]>, StartError> {
    if !path.exists() {
        // Another process starting on the same database may have created it meanwhile: then
        // both use that one.
        if let Err(error) = create_key_file(path) {
            if !path.exists() {
                return Err(error);
            }
        }
    }
    refuse_wide_mode(path)?;
    let text =
        Zeroizing::new(fs::read_to_string(path).map_err(|e| {
            StartError(format!("cannot read the key file {}: {e}", path.display()))
        })?);
    decode(&text).ok_or_else(|| {
        StartError(format!(
            "the key file {} must hold base64 of exactly 32 bytes",
            path.display()
        ))
    })
}

/// Writes a new random KEK to `path`, mode 0600, never overwriting a file: written whole to a
/// temporary file beside it, then linked into place, so no process ever reads half a key.
///
/// # Errors
/// [`StartError`] when the file exists or cannot be written.
pub fn create_key_file(path: &Path) -> Result<(), StartError> {
    let fail = |e: std::io::Error| {
        StartError(format!(
            "cannot create the key file {}: {e}",
            path.display()
        ))
    };
    let mut key = Zeroizing::new([0u8; 32]);
    SystemEntropy
        .fill(key.as_mut_slice())
        .map_err(|e| StartError(e.to_string()))?;
    let text = Zeroizing::new(format!("{}\n", Base64::encode_string(key.as_slice())));
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    let linked = written.and_then(|()| fs::hard_link(&temporary, path));
    // The temporary name goes whatever happened; the key stays only under `path`.
    let _ = fs::remove_file(&temporary);
    linked.map_err(fail)
}

#[cfg(unix)]
fn refuse_wide_mode(path: &Path) -> Result<(), StartError> {
    let mode = fs::metadata(path)
        .map_err(|e| StartError(format!("cannot read the key file {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(StartError(format!(
            "the key file {} has mode {:03o}: others than its owner may read it; chmod 600 it",
            path.display(),
            mode & 0o777
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_wide_mode(_: &Path) -> Result<(), StartError> {
    Ok(())
}

/// Makes the database file and its WAL and shared-memory files readable by their owner only:
/// creates the database empty with mode 0600 when missing (SQLite gives the `-wal` and `-shm`
/// files it creates the database's mode), and narrows the mode of those that exist.
///
/// # Errors
/// [`StartError`] when a file cannot be created or its mode changed.
pub fn private_database_files(db: &Path) -> Result<(), StartError> {
    let fail = |e: std::io::Error| StartError(format!("{}: {e}", db.display()));
    if !db.exists() {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        match options.open(db) {
            Ok(_) => {}
            // Another process created it meanwhile: narrowed below.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(fail(e)),
        }
    }
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        if let Ok(meta) = fs::metadata(&path) {
            if meta.permissions().mode() & 0o077 != 0 {
                fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).map_err(fail)?;
            }
        }
    }
    Ok(())
}
