//! IndexedDB through web-sys, with no helper library: requests and transactions as futures, and
//! the versioned schema with its upgrade path.
//!
//! # Schema
//! * **Version 1** (the first release): object store `users` (key path `id`) holding schema-1
//!   records (see [`secure_login_token::UserRecord::from_v1`]).
//! * **Version 2** (today): `users` holds user records of schema 2 or 3 (3 adds the device
//!   credential of the push API; a schema-2 record is read as it is and written as 3 at its next
//!   change: no upgrade needed); a new store `meta` (key path `key`)
//!   holds `{ key: "device", deviceId }`, the token's device id. Upgrading from 1 rewrites every
//!   user record in the upgrade transaction and moves the device id into `meta`; if one record
//!   cannot be read the whole upgrade is aborted and the database stays at version 1, intact.
//!
//! Every change is one `readwrite` transaction that reads the users, applies a pure
//! [`secure_login_token::Vault`] operation and writes what it returns, so two tabs changing the vault at
//! once are serialised by IndexedDB and neither loses the other's change.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, Event, IdbCursorWithValue, IdbDatabase, IdbFactory, IdbObjectStore,
    IdbObjectStoreParameters, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode,
    IdbVersionChangeEvent,
};

use super::StorageCode;
use secure_login_token::UserRecord;

/// The schema version this code writes.
pub(crate) const DB_VERSION: u32 = 2;
/// The store of user records.
pub(crate) const USERS: &str = "users";
/// The store of the token's own data (its device id).
pub(crate) const META: &str = "meta";
/// The key of the device record in [`META`].
pub(crate) const DEVICE_KEY: &str = "device";

/// A storage error as a `SecureLoginError`: quota and closed connections get their own codes.
///
/// `QuotaExceededError` is `QuotaExceeded` (nothing of the transaction was kept: IndexedDB
/// aborts it whole), `InvalidStateError` (a closed connection) `DatabaseClosed`, `VersionError`
/// `DatabaseTooNew`; anything else `StorageError` with the browser's name and message.
pub(crate) fn storage_error(error: &JsValue) -> JsValue {
    let (name, message) = error.dyn_ref::<DomException>().map_or_else(
        || ("Error".to_owned(), "IndexedDB failed".to_owned()),
        |e| (e.name(), e.message()),
    );
    let code = match name.as_str() {
        "QuotaExceededError" => StorageCode::QuotaExceeded,
        "InvalidStateError" => StorageCode::DatabaseClosed,
        "VersionError" => StorageCode::DatabaseTooNew,
        _ => StorageCode::StorageError,
    };
    code.error(&format!("IndexedDB: {name}: {message}"))
}

/// The page's (or worker's) `indexedDB`.
pub(crate) fn factory() -> Result<IdbFactory, JsValue> {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("indexedDB"))
        .ok()
        .and_then(|f| f.dyn_into::<IdbFactory>().ok())
        .ok_or_else(|| StorageCode::StorageUnavailable.error("this page has no IndexedDB"))
}

/// Waits for a request: its result, or the browser's error (as given, for [`storage_error`]).
pub(crate) async fn wait(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let mut handlers: Vec<Closure<dyn FnMut(Event)>> = Vec::with_capacity(2);
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let req = request.clone();
        let on_success = Closure::once(move |_: Event| {
            let result = req.result().unwrap_or(JsValue::UNDEFINED);
            let _ = resolve.call1(&JsValue::UNDEFINED, &result);
        });
        let req = request.clone();
        let on_error = Closure::once(move |_: Event| {
            let error = req
                .error()
                .ok()
                .flatten()
                .map_or(JsValue::UNDEFINED, JsValue::from);
            let _ = reject.call1(&JsValue::UNDEFINED, &error);
        });
        request.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
        request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        handlers.push(on_success);
        handlers.push(on_error);
    });
    let result = JsFuture::from(promise).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    drop(handlers);
    result
}

/// A transaction with its completion already awaited-for (handlers set at once, so no event is
/// missed): write with [`Tx::store`], then [`Tx::commit`].
pub(crate) struct Tx {
    tx: IdbTransaction,
    done: JsFuture,
    _handlers: Vec<Closure<dyn FnMut(Event)>>,
}

impl Tx {
    /// A transaction over `stores`.
    pub(crate) fn new(
        db: &IdbDatabase,
        stores: &[&str],
        mode: IdbTransactionMode,
    ) -> Result<Self, JsValue> {
        let names = stores
            .iter()
            .map(|s| JsValue::from_str(s))
            .collect::<js_sys::Array>();
        let tx = db
            .transaction_with_str_sequence_and_mode(&names, mode)
            .map_err(|e| storage_error(&e))?;
        let mut handlers: Vec<Closure<dyn FnMut(Event)>> = Vec::with_capacity(3);
        let promise = Promise::new(&mut |resolve: Function, reject: Function| {
            let on_complete = Closure::once(move |_: Event| {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            });
            let this = tx.clone();
            let reject_abort = reject.clone();
            // A failed request's error reaches the transaction before the transaction has
            // one of its own: take the request's (QuotaExceededError, ...).
            let on_error = Closure::once(move |event: Event| {
                let error = this
                    .error()
                    .or_else(|| {
                        event
                            .target()
                            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                            .and_then(|r| r.error().ok().flatten())
                    })
                    .map_or(JsValue::UNDEFINED, JsValue::from);
                let _ = reject.call1(&JsValue::UNDEFINED, &error);
            });
            let this = tx.clone();
            let on_abort = Closure::once(move |_: Event| {
                let error = this.error().map_or(JsValue::UNDEFINED, JsValue::from);
                let _ = reject_abort.call1(&JsValue::UNDEFINED, &error);
            });
            tx.set_oncomplete(Some(on_complete.as_ref().unchecked_ref()));
            tx.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            tx.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
            handlers.extend([on_complete, on_error, on_abort]);
        });
        Ok(Self {
            tx,
            done: JsFuture::from(promise),
            _handlers: handlers,
        })
    }

    /// One of the transaction's stores.
    pub(crate) fn store(&self, name: &str) -> Result<IdbObjectStore, JsValue> {
        self.tx.object_store(name).map_err(|e| storage_error(&e))
    }

    /// Every user record, checked. A record that cannot be read fails the whole call (nothing
    /// is written over it).
    pub(crate) async fn users(&self) -> Result<Vec<UserRecord>, JsValue> {
        let request = self
            .store(USERS)?
            .get_all()
            .map_err(|e| storage_error(&e))?;
        let all = wait(&request).await.map_err(|e| storage_error(&e))?;
        let all: js_sys::Array = all.dyn_into().unwrap_or_default();
        all.iter().map(|value| record_from_js(&value)).collect()
    }

    /// One user record, `None` when there is none with this id.
    pub(crate) async fn user(&self, id: &str) -> Result<Option<UserRecord>, JsValue> {
        let request = self
            .store(USERS)?
            .get(&JsValue::from_str(id))
            .map_err(|e| storage_error(&e))?;
        let value = wait(&request).await.map_err(|e| storage_error(&e))?;
        if value.is_undefined() {
            return Ok(None);
        }
        record_from_js(&value).map(Some)
    }

    /// Writes `changes` (without waiting: [`Tx::commit`] waits for all of them).
    pub(crate) fn apply(&self, changes: &secure_login_token::Changes) -> Result<(), JsValue> {
        let store = self.store(USERS)?;
        for record in &changes.put {
            store
                .put(&record_to_js(record)?)
                .map_err(|e| storage_error(&e))?;
        }
        for id in &changes.delete {
            store
                .delete(&JsValue::from_str(id))
                .map_err(|e| storage_error(&e))?;
        }
        Ok(())
    }

    /// Waits until everything written is committed.
    pub(crate) async fn commit(mut self) -> Result<(), JsValue> {
        // The transaction commits by itself once no request is pending.
        (&mut self.done)
            .await
            .map(drop)
            .map_err(|e| storage_error(&e))
    }

    /// Gives up: nothing written in this transaction is kept.
    pub(crate) fn abort(self) {
        let _ = self.tx.abort();
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        // The handlers are freed with `self`: a late event must find none set.
        self.tx.set_oncomplete(None);
        self.tx.set_onerror(None);
        self.tx.set_onabort(None);
    }
}

/// A user record read from IndexedDB (through its JSON form).
pub(crate) fn record_from_js(value: &JsValue) -> Result<UserRecord, JsValue> {
    let json = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    let record = UserRecord::from_json(&json);
    super::TokenJs::js(record)
}

/// A user record as the plain object IndexedDB stores.
pub(crate) fn record_to_js(record: &UserRecord) -> Result<JsValue, JsValue> {
    let json = super::TokenJs::js(record.to_json())?;
    js_sys::JSON::parse(&json).map_err(|_| StorageCode::StorageError.error("record encoding"))
}

/// What the upgrade saw, for the error message when it fails.
#[derive(Default)]
struct Upgrade {
    failure: Option<String>,
}

/// Opens (creating or upgrading) the database `name` at [`DB_VERSION`].
///
/// `new_device_id` is used when the database has none yet; `now` stamps records migrated from
/// version 1.
pub(crate) async fn open(
    name: &str,
    new_device_id: String,
    now: u64,
) -> Result<IdbDatabase, JsValue> {
    let request: IdbOpenDbRequest = factory()?
        .open_with_u32(name, DB_VERSION)
        .map_err(|e| storage_error(&e))?;
    let state = Rc::new(RefCell::new(Upgrade::default()));

    // Migrates one schema-1 record per cursor step, inside the upgrade transaction.
    let cursor_state = Rc::clone(&state);
    let on_cursor = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        let Some(request) = event.target().and_then(|t| t.dyn_into::<IdbRequest>().ok()) else {
            return;
        };
        let Some(cursor) = request
            .result()
            .ok()
            .and_then(|r| r.dyn_into::<IdbCursorWithValue>().ok())
        else {
            return; // past the last record
        };
        let Some(tx) = request.transaction() else {
            return;
        };
        let migrated = migrate_v1(&cursor, &tx, now);
        match migrated {
            Ok(()) => {
                let _ = cursor.continue_();
            }
            Err(reason) => {
                cursor_state.borrow_mut().failure = Some(reason);
                let _ = tx.abort();
            }
        }
    });
    let on_cursor_fn: Function = on_cursor.as_ref().unchecked_ref::<Function>().clone();

    let upgrade_state = Rc::clone(&state);
    let upgrade_request = request.clone();
    let on_upgrade =
        Closure::<dyn FnMut(IdbVersionChangeEvent)>::new(move |event: IdbVersionChangeEvent| {
            if let Err(reason) = upgrade(
                &upgrade_request,
                event.old_version(),
                &new_device_id,
                &on_cursor_fn,
            ) {
                upgrade_state.borrow_mut().failure = Some(reason);
                if let Some(tx) = upgrade_request.transaction() {
                    let _ = tx.abort();
                }
            }
        });
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));

    let opened = wait(&request).await;
    request.set_onupgradeneeded(None);
    drop(on_upgrade);
    drop(on_cursor);
    let failure = state.borrow_mut().failure.take();
    match (opened, failure) {
        (Ok(db), None) => db
            .dyn_into::<IdbDatabase>()
            .map_err(|_| StorageCode::StorageError.error("IndexedDB gave no database")),
        (_, Some(reason)) => Err(StorageCode::UpgradeFailed.error(&format!(
            "the database could not be upgraded and was left as it was: {reason}"
        ))),
        (Err(e), None) => Err(storage_error(&e)),
    }
}

/// Creates or upgrades the stores, in the `versionchange` transaction of `request`.
fn upgrade(
    request: &IdbOpenDbRequest,
    old_version: f64,
    new_device_id: &str,
    on_cursor: &Function,
) -> Result<(), String> {
    let db: IdbDatabase = request
        .result()
        .ok()
        .and_then(|r| r.dyn_into().ok())
        .ok_or("no database")?;
    let tx = request.transaction().ok_or("no upgrade transaction")?;
    let key_path = |path: &str| {
        let params = IdbObjectStoreParameters::new();
        params.set_key_path(&JsValue::from_str(path));
        params
    };
    // Version 0 -> 1: the users store.
    if old_version < 1.0 {
        db.create_object_store_with_optional_parameters(USERS, &key_path("id"))
            .map_err(fail("creating the users store"))?;
    }
    // Version 1 -> 2: the meta store, the device id, and every user record rewritten.
    if old_version < 2.0 {
        let meta = db
            .create_object_store_with_optional_parameters(META, &key_path("key"))
            .map_err(fail("creating the meta store"))?;
        meta.put(&device_record(new_device_id)?)
            .map_err(fail("writing the device id"))?;
        if old_version >= 1.0 {
            let cursor = tx
                .object_store(USERS)
                .and_then(|users| users.open_cursor())
                .map_err(fail("reading the users"))?;
            cursor.set_onsuccess(Some(on_cursor));
        }
    }
    Ok(())
}

fn fail(what: &'static str) -> impl Fn(JsValue) -> String {
    move |e: JsValue| format!("{what}: {}", describe(&e))
}

/// Rewrites the schema-1 record under `cursor` in today's schema, and keeps its device id as the
/// token's (every schema-1 record carried the id of the device it was on).
fn migrate_v1(cursor: &IdbCursorWithValue, tx: &IdbTransaction, now: u64) -> Result<(), String> {
    let value = cursor.value().map_err(|e| describe(&e))?;
    let json = js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or("a record that is not JSON")?;
    let record = UserRecord::from_v1(&json, now).map_err(|e| e.to_string())?;
    let object = record_to_js(&record).map_err(|e| describe(&e))?;
    cursor.update(&object).map_err(|e| describe(&e))?;
    let meta = tx.object_store(META).map_err(|e| describe(&e))?;
    meta.put(&device_record(record.device_id())?)
        .map_err(|e| describe(&e))?;
    Ok(())
}

fn device_record(device_id: &str) -> Result<JsValue, String> {
    let object = js_sys::Object::new();
    js_sys::Reflect::set(&object, &"key".into(), &DEVICE_KEY.into()).map_err(|e| describe(&e))?;
    js_sys::Reflect::set(&object, &"deviceId".into(), &device_id.into())
        .map_err(|e| describe(&e))?;
    Ok(object.into())
}

/// Reads the token's device id from [`META`].
pub(crate) async fn device_id(db: &IdbDatabase) -> Result<Option<String>, JsValue> {
    let tx = Tx::new(db, &[META], IdbTransactionMode::Readonly)?;
    let request = tx
        .store(META)?
        .get(&JsValue::from_str(DEVICE_KEY))
        .map_err(|e| storage_error(&e))?;
    let value = wait(&request).await.map_err(|e| storage_error(&e))?;
    tx.commit().await?;
    Ok(js_sys::Reflect::get(&value, &"deviceId".into())
        .ok()
        .and_then(|v| v.as_string()))
}

/// Writes the token's device id (when the meta record has gone missing).
pub(crate) async fn set_device_id(db: &IdbDatabase, device_id: &str) -> Result<(), JsValue> {
    let tx = Tx::new(db, &[META], IdbTransactionMode::Readwrite)?;
    let record = device_record(device_id).map_err(|e| StorageCode::StorageError.error(&e))?;
    tx.store(META)?
        .put(&record)
        .map_err(|e| storage_error(&e))?;
    tx.commit().await
}

fn describe(error: &JsValue) -> String {
    if let Some(e) = error.dyn_ref::<DomException>() {
        return format!("{}: {}", e.name(), e.message());
    }
    if let Some(e) = error.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    error.as_string().unwrap_or_else(|| "unknown error".into())
}

/// Asks the browser to keep this origin's storage under pressure (`navigator.storage.persist()`),
/// without waiting for the answer (some browsers ask the person). `answer` gets it.
pub(crate) fn ask_persistence(answer: impl FnOnce(bool) + 'static) {
    let global = js_sys::global();
    let persist = js_sys::Reflect::get(&global, &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"storage".into()))
        .ok()
        .filter(|s| !s.is_undefined() && !s.is_null())
        .and_then(|storage| {
            let persist = js_sys::Reflect::get(&storage, &"persist".into()).ok()?;
            let persist: Function = persist.dyn_into().ok()?;
            persist.call0(&storage).ok()
        })
        .and_then(|p| p.dyn_into::<Promise>().ok());
    if let Some(promise) = persist {
        wasm_bindgen_futures::spawn_local(async move {
            let granted = JsFuture::from(promise)
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            answer(granted);
        });
    }
}
