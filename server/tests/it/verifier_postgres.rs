//! The verifier's scenarios (every rule at its boundary, the 50-replay and 1,000-guess races)
//! against the PostgreSQL store, each on a fresh schema of the tests' throwaway cluster, with
//! real threads. Without PostgreSQL installed they print one `skipped:` line and pass nothing.

use secure_login_server::PgStore;

use crate::harness::postgres::cluster;
use crate::verifier_sqlite::{device, lifecycle, passkey, scenarios};

/// A PostgreSQL store on a fresh schema; the scenario returns early (skipped) without
/// PostgreSQL.
macro_rules! fresh_pg_store {
    () => {
        match cluster() {
            Some(cluster) => PgStore::open(&cluster.fresh_schema()).unwrap(),
            None => return,
        }
    };
}

crate::verifier_scenarios!(fresh_pg_store!());
crate::lifecycle_scenarios!(fresh_pg_store!());
crate::device_scenarios!(fresh_pg_store!());
crate::passkey_scenarios!(fresh_pg_store!());
