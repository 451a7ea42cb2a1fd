//! Production and demo starts, and the database marker that keeps them apart.
//!
//! A demo start (`--demo` or `--test-clock`) publishes what a production portal must never
//! publish: codes on the demo phone, accounts with printed passwords, a clock anyone may set.
//! So it runs only on a database it created itself: the first demo start on an empty database
//! writes the record [`DEMO_MARKER`]; a demo start on a database without it refuses, and a
//! production start on a database with it refuses too (its accounts have published passwords).

use secure_login_verifier::{Result, Store, Write};

/// The record a demo start writes into the empty database it creates.
pub const DEMO_MARKER: &str = "portal/created-by-demo";

/// Whether a start is a production or a demo one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No `--demo`, no `--test-clock`: a real courier, no demo routes.
    Production,
    /// `--demo` or `--test-clock`: loopback only, on a database made by a demo start.
    Demo,
}

impl Mode {
    /// The mode of a start with these switches.
    pub fn of(demo: bool, test_clock: bool) -> Self {
        if demo || test_clock {
            Self::Demo
        } else {
            Self::Production
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Production => "production",
            Self::Demo => "demo",
        })
    }
}

/// Whether the database has no account and no portal record yet.
fn is_empty<S: Store>(store: &S) -> Result<bool> {
    Ok(store.scan("username/")?.is_empty() && store.scan("portal/")?.is_empty())
}

/// Checks that `mode` may run on this database, and marks an empty one a demo start opens.
///
/// # Errors
/// `Ok(Err(why))` when it may not; the store's own failures as `Err`.
pub fn check_database<S: Store>(store: &S, mode: Mode) -> Result<std::result::Result<(), String>> {
    let marked = store.get(DEMO_MARKER)?.is_some();
    match mode {
        Mode::Production if marked => Ok(Err(
            "this database was created by a demo start (--demo or --test-clock): its accounts \
             have published passwords. Serve production from a new database file"
                .into(),
        )),
        Mode::Production => Ok(Ok(())),
        Mode::Demo if marked => Ok(Ok(())),
        Mode::Demo if is_empty(store)? => {
            let written = store.commit(
                &[Write {
                    key: DEMO_MARKER.into(),
                    expected: 0,
                    value: Some(b"1".to_vec()),
                }],
                &[],
            )?;
            Ok(if written {
                Ok(())
            } else {
                Err("the database changed while it was being marked".into())
            })
        }
        Mode::Demo => Ok(Err(
            "--demo and --test-clock only run on a database a demo start created (this one holds \
             accounts and no demo marker). Give --db a new file"
                .into(),
        )),
    }
}
