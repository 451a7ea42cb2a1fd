//! Where the portal keeps its records: an SQLite file (the default: one instance, the demo) or
//! a PostgreSQL database (`--database postgres://...`: several instances share it).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use secure_login_verifier::{AuditEvent, Result, Store, Versioned, Write};

use crate::pg_store::PgStore;
use crate::sqlite_store::SqliteStore;

/// The database a portal is started on.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file, created if missing.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl Database {
    /// A URL of scheme `postgres` or `postgresql` names PostgreSQL; anything else is an SQLite
    /// file's path.
    pub fn parse(arg: &Path) -> Self {
        match arg.to_str() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Self::Postgres(url.to_owned())
            }
            _ => Self::Sqlite(arg.to_path_buf()),
        }
    }

    /// The SQLite file, if it is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Self::Sqlite(path) => Some(path),
            Self::Postgres(_) => None,
        }
    }

    /// Opens the store (creating the file or the schema as needed).
    ///
    /// # Errors
    /// [`secure_login_verifier::Error::Store`] from [`SqliteStore::open`] or [`PgStore::open`].
    pub fn open(&self) -> Result<PortalStore> {
        Ok(match self {
            Self::Sqlite(path) => PortalStore::Sqlite(SqliteStore::open(path)?),
            Self::Postgres(url) => PortalStore::Postgres(Box::new(PgStore::open(url)?)),
        })
    }
}

/// What a start prints and logs: never a password (a URL may hold one).
impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => match tokio_postgres::Config::from_str(url) {
                Ok(config) => {
                    let hosts: Vec<String> = config
                        .get_hosts()
                        .iter()
                        .map(|host| match host {
                            tokio_postgres::config::Host::Tcp(name) => name.clone(),
                            tokio_postgres::config::Host::Unix(dir) => dir.display().to_string(),
                        })
                        .collect();
                    write!(
                        f,
                        "PostgreSQL database {} on {} as {}",
                        config.get_dbname().unwrap_or("(the user's)"),
                        hosts.join(","),
                        config.get_user().unwrap_or("(the OS user)")
                    )
                }
                Err(_) => f.write_str("PostgreSQL (a URL that does not parse)"),
            },
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({self})")
    }
}

/// The verifier's store in either database.
#[derive(Debug)]
pub enum PortalStore {
    /// One SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL database (boxed: its pool, runtime and settings are the larger part).
    Postgres(Box<PgStore>),
}

impl PortalStore {
    /// After secrets were sealed in place: lets no clear copy stay in SQLite's WAL (PostgreSQL's
    /// old row versions are the operator's `VACUUM`; docs/operations.md).
    ///
    /// # Errors
    /// [`secure_login_verifier::Error::Store`] from [`SqliteStore::truncate_wal`].
    pub fn after_sealing(&self) -> Result<()> {
        match self {
            Self::Sqlite(store) => store.truncate_wal(),
            Self::Postgres(_) => Ok(()),
        }
    }
}

impl Store for PortalStore {
    fn get(&self, key: &str) -> Result<Option<Versioned>> {
        match self {
            Self::Sqlite(store) => store.get(key),
            Self::Postgres(store) => store.get(key),
        }
    }

    fn scan(&self, prefix: &str) -> Result<Vec<(String, Versioned)>> {
        match self {
            Self::Sqlite(store) => store.scan(prefix),
            Self::Postgres(store) => store.scan(prefix),
        }
    }

    fn commit(&self, writes: &[Write], events: &[AuditEvent]) -> Result<bool> {
        match self {
            Self::Sqlite(store) => store.commit(writes, events),
            Self::Postgres(store) => store.commit(writes, events),
        }
    }

    fn events(&self, account: &str, limit: usize) -> Result<Vec<AuditEvent>> {
        match self {
            Self::Sqlite(store) => store.events(account, limit),
            Self::Postgres(store) => store.events(account, limit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_is_postgres_and_anything_else_a_file() {
        assert_eq!(
            Database::parse(Path::new("postgres://u@h/db")),
            Database::Postgres("postgres://u@h/db".into())
        );
        assert_eq!(
            Database::parse(Path::new("postgresql://h/db")),
            Database::Postgres("postgresql://h/db".into())
        );
        assert_eq!(
            Database::parse(Path::new("portal.sqlite3")),
            Database::Sqlite("portal.sqlite3".into())
        );
        assert_eq!(
            Database::parse(Path::new("./postgres://x")),
            Database::Sqlite("./postgres://x".into())
        );
    }

    #[test]
    fn the_shown_name_has_no_password() {
        let shown = Database::parse(Path::new("postgres://portal:s3cret@db.internal:5433/login"))
            .to_string();
        assert_eq!(shown, "PostgreSQL database login on db.internal as portal");
        assert!(
            !format!("{:?}", Database::Postgres("postgres://a:s3cret@h/d".into()))
                .contains("s3cret")
        );
    }
}
