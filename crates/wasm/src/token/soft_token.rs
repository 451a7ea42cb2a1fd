//! `SoftToken`: the vault of users in IndexedDB, and the answers it gives.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{Event, IdbDatabase, IdbTransactionMode, IdbVersionChangeEvent};
use zeroize::Zeroizing;

use super::super::error::{invalid_argument, IntoJs};
use super::args::{self, field};
use super::idb::{self, Tx, USERS};
use super::types::{DatabaseNameJs, NewTokenUserJs, RespondOptionsJs};
use super::{now_secs, random, random_id, StorageCode, TokenJs};
use secure_login_otp::{Digits, HashAlgorithm, PushDecision, TimeStep};
use secure_login_token::{
    self as token, backup, Changes, Kdf, Moment, NewUser, Pin, Provenance, TokenParams, UserRecord,
    Vault, DEFAULT_ITERATIONS, TOKEN_SUITE,
};

/// The database name when `open` is given none.
const DEFAULT_NAME: &str = "secure-login-token";

/// The soft token of this browser profile: users, their wrapped keys, and the answers.
///
/// Every method that touches IndexedDB returns a Promise; every error is a `SecureLoginError`
/// with a stable `code`. The secrets never come out: only responses, codes and push MACs.
///
/// "Storage codes" below are `QuotaExceeded` (the origin's quota is used up; the change was
/// not stored), `DatabaseClosed` (closed by `close()` or another tab's upgrade),
/// `StorageCleared` (the database was deleted or the site's data cleared while open; its
/// users are gone) and `StorageError` (anything else IndexedDB refused). A change either is
/// stored whole or not at all.
#[wasm_bindgen]
pub struct SoftToken {
    inner: Rc<Inner>,
}

/// Whether the connection is open, and if not, who closed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    /// `close()` was called.
    ClosedByCaller,
    /// Another tab opened a newer version: the database is still there, this page is old.
    ClosedForUpgrade,
    /// The database was deleted (`versionchange` to no version) or the browser closed the
    /// connection (`close`: site data cleared, the storage lost). Whatever it held is gone.
    Lost,
}

struct Inner {
    db: IdbDatabase,
    name: String,
    device_id: String,
    state: Rc<Cell<State>>,
    persisted: Rc<Cell<Option<bool>>>,
    _on_version_change: Closure<dyn FnMut(Event)>,
    _on_close: Closure<dyn FnMut(Event)>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.db.set_onversionchange(None);
        self.db.set_onclose(None);
        self.db.close();
    }
}

fn to_js_json<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let json = serde_json::to_string(value)
        .map_err(|_| StorageCode::StorageError.error("result encoding"))?;
    js_sys::JSON::parse(&json).map_err(|_| StorageCode::StorageError.error("result encoding"))
}

/// The database vanished under an open page.
fn lost() -> JsValue {
    StorageCode::StorageCleared.error(
        "the token's database was deleted or the site's data cleared while it was open: \
         its users are gone (open it again to start empty)",
    )
}

/// Aborts `tx` and returns the token error.
fn fail<T>(tx: Tx, error: token::Error) -> Result<T, JsValue> {
    tx.abort();
    Err(error).js()
}

#[wasm_bindgen]
impl SoftToken {
    /// Opens the token's database (default name `"secure-login-token"`), creating it or
    /// upgrading an older version, and asks the browser to keep it (`navigator.storage.persist()`).
    ///
    /// @throws {SecureLoginError} `InvalidArgument`, `StorageUnavailable`, `UpgradeFailed`,
    /// `DatabaseTooNew`, `StorageError`.
    pub async fn open(name: Option<DatabaseNameJs>) -> Result<SoftToken, JsValue> {
        let name = match name.map(JsValue::from) {
            Some(value) => args::opt_string(&value, "name")?,
            None => None,
        }
        .unwrap_or_else(|| DEFAULT_NAME.to_owned());
        if name.is_empty() || name.chars().count() > 128 {
            return Err(invalid_argument("name", "expected 1 to 128 characters"));
        }
        let db = idb::open(&name, random_id()?, now_secs()).await?;
        let device_id = match idb::device_id(&db).await? {
            Some(id) => id,
            None => {
                let id = random_id()?;
                idb::set_device_id(&db, &id).await?;
                id
            }
        };
        let state = Rc::new(Cell::new(State::Open));
        // Another tab upgrades or deletes the database: step aside (an open connection would
        // block it), and say which on the next call.
        let (flag, this) = (Rc::clone(&state), db.clone());
        let on_version_change = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let deleted = event
                .dyn_ref::<IdbVersionChangeEvent>()
                .is_some_and(|e| e.new_version().is_none());
            if flag.get() == State::Open {
                flag.set(if deleted {
                    State::Lost
                } else {
                    State::ClosedForUpgrade
                });
            }
            this.close();
        });
        db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        // The browser closed the connection: site data cleared, or the storage lost.
        let flag = Rc::clone(&state);
        let on_close = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            if flag.get() == State::Open {
                flag.set(State::Lost);
            }
        });
        db.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let persisted = Rc::new(Cell::new(None));
        let answer = Rc::clone(&persisted);
        idb::ask_persistence(move |granted| answer.set(Some(granted)));
        Ok(SoftToken {
            inner: Rc::new(Inner {
                db,
                name,
                device_id,
                state,
                persisted,
                _on_version_change: on_version_change,
                _on_close: on_close,
            }),
        })
    }

    /// The database name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// This token's device id (random, made when the database was created).
    #[wasm_bindgen(getter, js_name = deviceId)]
    pub fn device_id(&self) -> String {
        self.inner.device_id.clone()
    }

    /// Whether this connection is closed (by `close()`, by another tab's upgrade, or because
    /// the database was deleted or the site's data cleared).
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> bool {
        self.inner.state.get() != State::Open
    }

    /// The browser's answer to `navigator.storage.persist()`, once it has given one.
    #[wasm_bindgen(getter)]
    pub fn persisted(&self) -> Option<bool> {
        self.inner.persisted.get()
    }

    /// Closes the connection; later calls fail with `DatabaseClosed`.
    pub fn close(&self) {
        if self.inner.state.get() == State::Open {
            self.inner.state.set(State::ClosedByCaller);
        }
        self.inner.db.close();
    }

    fn live(&self) -> Result<&IdbDatabase, JsValue> {
        match self.inner.state.get() {
            State::Open => Ok(&self.inner.db),
            State::ClosedByCaller | State::ClosedForUpgrade => Err(StorageCode::DatabaseClosed
                .error(
                "the token's database is closed (another tab may have upgraded it): open it again",
            )),
            State::Lost => Err(lost()),
        }
    }

    /// Runs `work`; a storage failure that is the database vanishing under it (deleted, site
    /// data cleared: the `close` event may come after the failure) becomes `StorageCleared`.
    async fn guard<T>(&self, work: impl Future<Output = Result<T, JsValue>>) -> Result<T, JsValue> {
        let result = work.await;
        let Err(error) = result else {
            return result;
        };
        let code = js_sys::Reflect::get(&error, &"code".into())
            .ok()
            .and_then(|c| c.as_string())
            .unwrap_or_default();
        let storage = [
            StorageCode::DatabaseClosed.as_str(),
            StorageCode::StorageError.as_str(),
        ];
        if !storage.contains(&code.as_str()) {
            return Err(error);
        }
        // Nobody here closed it, yet IndexedDB says closed: the browser did.
        if code == StorageCode::DatabaseClosed.as_str() && self.inner.state.get() == State::Open {
            self.inner.state.set(State::Lost);
        }
        if self.inner.state.get() == State::Lost {
            return Err(lost());
        }
        Err(error)
    }

    fn tx(&self, mode: IdbTransactionMode) -> Result<Tx, JsValue> {
        Tx::new(self.live()?, &[USERS], mode)
    }

    /// The users on this token, without key material.
    ///
    /// @throws {SecureLoginError} `CorruptRecord`, `DatabaseClosed`, `StorageCleared`,
    /// `StorageError`.
    #[wasm_bindgen(unchecked_return_type = "TokenUser[]")]
    pub async fn users(&self) -> Result<JsValue, JsValue> {
        let users = self.guard(self.read_all()).await?;
        let infos: Vec<_> = users.iter().map(UserRecord::info).collect();
        to_js_json(&infos)
    }

    /// Adds a user (the seed's "Add User"): the secret is wrapped under the PIN and stored;
    /// neither is kept in the clear. Returns the new user.
    ///
    /// @throws {SecureLoginError} `InvalidArgument`, `WeakPin`, `InvalidPin`, `InvalidSecret`,
    /// `InvalidBase32`, `InvalidSuite`, `UnsupportedSuite`, `InvalidUsername`, `InvalidIssuer`,
    /// `UserExists`, `TooManyUsers`, `InvalidKdf`, `UnknownUser` (what `replaces` names is gone),
    /// storage codes (`QuotaExceeded`, `StorageCleared`, ...). Nothing is stored then.
    #[wasm_bindgen(js_name = addUser, unchecked_return_type = "TokenUser")]
    pub async fn add_user(&self, user: NewTokenUserJs) -> Result<JsValue, JsValue> {
        let user: JsValue = user.into();
        let user = args::required_object(
            &user,
            &[
                "username",
                "issuer",
                "secret",
                "pin",
                "suite",
                "counter",
                "totp",
                "iterations",
                "replaces",
                "deviceHandle",
                "deviceKey",
            ],
            "user",
        )?;
        let device = args::device(&field(&user, "deviceHandle")?, &field(&user, "deviceKey")?)?;
        let username = args::string(&field(&user, "username")?, "username")?;
        let issuer = args::string(&field(&user, "issuer")?, "issuer")?;
        let secret = args::secret(&field(&user, "secret")?)?;
        let pin = args::secret_string(&field(&user, "pin")?, "pin")?;
        let suite = args::opt_string(&field(&user, "suite")?, "suite")?;
        let counter = args::opt_u64(&field(&user, "counter")?, "counter")?;
        let iterations = args::opt_u32(&field(&user, "iterations")?, "iterations")?
            .unwrap_or(DEFAULT_ITERATIONS);
        let replaces = args::opt_string(&field(&user, "replaces")?, "replaces")?;
        let totp = field(&user, "totp")?;
        let params = if totp.is_undefined() || totp.is_null() {
            let suite = args::suite(suite.as_deref().unwrap_or(TOKEN_SUITE))?;
            TokenParams::ocra(suite, counter).js()?
        } else {
            if suite.is_some() || counter.is_some() {
                return Err(invalid_argument("user", "give suite or totp, not both"));
            }
            let totp = args::object(&totp, &["algorithm", "digits", "step", "t0"], "totp")?;
            let algorithm = match args::opt_string(&field(&totp, "algorithm")?, "algorithm")? {
                Some(name) => name.parse::<HashAlgorithm>().js()?,
                None => HashAlgorithm::Sha1,
            };
            let digits = match args::opt_u32(&field(&totp, "digits")?, "digits")? {
                Some(n) => Digits::new(n).js()?,
                None => Digits::SIX,
            };
            let step = args::opt_u64(&field(&totp, "step")?, "step")?.unwrap_or(30);
            let t0 = args::opt_u64(&field(&totp, "t0")?, "t0")?.unwrap_or(0);
            TokenParams::totp(algorithm, digits, TimeStep::new(step, t0).js()?).js()?
        };
        let pin = Pin::choose(&pin).js()?;
        self.live()?;
        let kdf = Kdf::new(random::<{ token::SALT_LEN }>()?, iterations).js()?;
        let record = UserRecord::new(
            NewUser {
                username,
                issuer,
                params,
            },
            &secret,
            &pin,
            kdf,
            Provenance {
                id: random_id()?,
                device_id: self.inner.device_id.clone(),
                created_at: now_secs(),
            },
        )
        .js()?;
        let record = match device {
            Some(device) => record.with_device(device),
            None => record,
        };
        drop(pin);
        drop(secret);
        self.guard(async {
            let tx = self.tx(IdbTransactionMode::Readwrite)?;
            let mut vault = Vault::new(tx.users().await?);
            // Replacing: the old user goes in the same transaction, so a failure keeps it.
            let removed = match replaces.as_deref().map(|id| vault.remove(id)) {
                None => Changes::default(),
                Some(Ok(changes)) => changes,
                Some(Err(e)) => return fail(tx, e),
            };
            match vault.add(record.clone()) {
                Ok(added) => tx.apply(&Changes {
                    put: added.put,
                    delete: removed.delete,
                })?,
                Err(e) => return fail(tx, e),
            }
            tx.commit().await
        })
        .await?;
        to_js_json(&record.info())
    }

    /// Gives a user another username; nothing else changes. Returns the user.
    ///
    /// @throws {SecureLoginError} `UnknownUser`, `InvalidUsername`, `UserExists`, storage codes.
    #[wasm_bindgen(js_name = renameUser, unchecked_return_type = "TokenUser")]
    pub async fn rename_user(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] username: JsValue,
    ) -> Result<JsValue, JsValue> {
        let id = args::string(&id, "id")?;
        let username = args::string(&username, "username")?;
        let vault = self
            .guard(async {
                let tx = self.tx(IdbTransactionMode::Readwrite)?;
                let mut vault = Vault::new(tx.users().await?);
                let changes = match vault.rename(&id, &username) {
                    Ok(changes) => changes,
                    Err(e) => return fail(tx, e),
                };
                tx.apply(&changes)?;
                tx.commit().await?;
                Ok(vault)
            })
            .await?;
        let renamed = vault.get(&id).js()?;
        to_js_json(&renamed.info())
    }

    /// Removes a user and its wrapped key.
    ///
    /// @throws {SecureLoginError} `UnknownUser`, storage codes.
    #[wasm_bindgen(js_name = removeUser)]
    pub async fn remove_user(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    ) -> Result<(), JsValue> {
        let id = args::string(&id, "id")?;
        self.guard(async {
            let tx = self.tx(IdbTransactionMode::Readwrite)?;
            let mut vault = Vault::new(tx.users().await?);
            match vault.remove(&id) {
                Ok(changes) => tx.apply(&changes)?,
                Err(e) => return fail(tx, e),
            }
            tx.commit().await
        })
        .await
    }

    /// The OCRA response (RFC 6287) of user `id` to `challenge` as the login page shows it
    /// (spaces and dashes tolerated). A wrong PIN gives a wrong response, not an error. For
    /// suites with a counter, the next counter is stored before the response is returned.
    ///
    /// @throws {SecureLoginError} `UnknownUser`, `WrongKind` (a TOTP user), `InvalidPin`,
    /// `InvalidChallenge`, `ChallengeLength`, `InvalidSession`, `CounterOverflow`, storage codes.
    pub async fn respond(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] challenge: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] pin: JsValue,
        options: Option<RespondOptionsJs>,
    ) -> Result<String, JsValue> {
        let id = args::string(&id, "id")?;
        let challenge = args::string(&challenge, "challenge")?;
        let pin = Pin::parse(&args::secret_string(&pin, "pin")?).js()?;
        let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
        let options = args::object(&options, &["session"], "options")?;
        let session = args::opt_string(&field(&options, "session")?, "session")?;
        self.guard(async {
            let tx = self.tx(IdbTransactionMode::Readwrite)?;
            let Some(record) = tx.user(&id).await? else {
                return fail(tx, token::Error::UnknownUser);
            };
            let moment = Moment {
                unix_secs: now_secs(),
                session: session.as_deref(),
            };
            let answered = match record.respond(&challenge, &pin, moment) {
                Ok(answered) => answered,
                Err(e) => return fail(tx, e),
            };
            if let Some(updated) = answered.updated {
                tx.apply(&Changes {
                    put: vec![updated],
                    delete: vec![],
                })?;
            }
            tx.commit().await?;
            Ok(answered.response)
        })
        .await
    }

    /// The TOTP code (RFC 6238) of user `id` now. A wrong PIN gives a wrong code.
    ///
    /// @throws {SecureLoginError} `UnknownUser`, `WrongKind` (an OCRA user), `InvalidPin`,
    /// storage codes.
    #[wasm_bindgen(js_name = currentCode)]
    pub async fn current_code(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] pin: JsValue,
    ) -> Result<String, JsValue> {
        let id = args::string(&id, "id")?;
        let pin = Pin::parse(&args::secret_string(&pin, "pin")?).js()?;
        let record = self.read_user(&id).await?;
        record.current_code(&pin, now_secs()).js()
    }

    /// The MAC that approves push request `request` for the `number` typed from the login
    /// screen (number matching). A wrong PIN gives a wrong MAC.
    ///
    /// @throws {SecureLoginError} `UnknownUser`, `InvalidRequestId`, `InvalidNumber`,
    /// `InvalidPin`, storage codes.
    #[wasm_bindgen(js_name = approvePush)]
    pub async fn approve_push(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] request: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | number")] number: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] pin: JsValue,
    ) -> Result<String, JsValue> {
        self.push(id, request, number, pin, PushDecision::Approve)
            .await
    }

    /// The MAC that denies push request `request` (tells the server someone else is trying).
    ///
    /// @throws {SecureLoginError} as `approvePush`.
    #[wasm_bindgen(js_name = denyPush)]
    pub async fn deny_push(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] request: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | number")] number: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] pin: JsValue,
    ) -> Result<String, JsValue> {
        self.push(id, request, number, pin, PushDecision::Deny)
            .await
    }

    /// The device proof of `action` (`"pushes"`, `"stream"` or `"answer"`) by user `id`'s
    /// device credential under the portal's one-time `nonce`, binding `detail` (for an answer:
    /// `"{requestId} approve"` or `"{requestId} deny"`). No PIN: it proves the device, not the
    /// person.
    ///
    /// @throws {SecureLoginError} `UnknownUser`, `NoDeviceKey` (a user activated before device
    /// authentication: activate again), `InvalidDevice`, storage codes.
    #[wasm_bindgen(js_name = deviceProof)]
    pub async fn device_proof(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] nonce: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] action: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] detail: JsValue,
    ) -> Result<String, JsValue> {
        let id = args::string(&id, "id")?;
        let nonce = args::string(&nonce, "nonce")?;
        let action = args::string(&action, "action")?;
        let detail = args::string(&detail, "detail")?;
        let record = self.read_user(&id).await?;
        record.device_proof(&nonce, &action, &detail).js()
    }

    async fn push(
        &self,
        id: JsValue,
        request: JsValue,
        number: JsValue,
        pin: JsValue,
        decision: PushDecision,
    ) -> Result<String, JsValue> {
        let id = args::string(&id, "id")?;
        let request = args::string(&request, "request")?;
        let number = args::number_text(&number)?;
        let pin = Pin::parse(&args::secret_string(&pin, "pin")?).js()?;
        let record = self.read_user(&id).await?;
        record.answer_push(&request, &number, &pin, decision).js()
    }

    async fn read_user(&self, id: &str) -> Result<UserRecord, JsValue> {
        let record = self
            .guard(async {
                let tx = self.tx(IdbTransactionMode::Readonly)?;
                let record = tx.user(id).await?;
                tx.commit().await?;
                Ok(record)
            })
            .await?;
        record.ok_or(token::Error::UnknownUser).js()
    }

    async fn read_all(&self) -> Result<Vec<UserRecord>, JsValue> {
        let tx = self.tx(IdbTransactionMode::Readonly)?;
        let users = tx.users().await?;
        tx.commit().await?;
        Ok(users)
    }

    /// Every user of this token in one file encrypted under `passphrase` (at least 10
    /// characters; Argon2id and ChaCha20-Poly1305). The keys inside stay wrapped under each
    /// user's PIN.
    ///
    /// @throws {SecureLoginError} `WeakPassphrase`, `InvalidArgument`, storage codes.
    #[wasm_bindgen(js_name = exportBackup)]
    pub async fn export_backup(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] passphrase: JsValue,
    ) -> Result<String, JsValue> {
        let passphrase = args::secret_string(&passphrase, "passphrase")?;
        let users = self.guard(self.read_all()).await?;
        let random = backup::BackupRandom {
            salt: random()?,
            nonce: random()?,
        };
        backup::export(
            &users,
            &passphrase,
            backup::BackupKdf::DEFAULT,
            random,
            now_secs(),
        )
        .js()
    }

    /// Restores the users of a backup, all or none: a user already here (same id) is replaced,
    /// any other must be new. Returns how many users were restored.
    ///
    /// @throws {SecureLoginError} `WrongPassphrase`, `BackupTampered`, `BackupMalformed`,
    /// `BackupUnsupported`, `UserExists`, `TooManyUsers`, storage codes. Nothing changes then.
    #[wasm_bindgen(js_name = importBackup)]
    pub async fn import_backup(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] backup: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] passphrase: JsValue,
    ) -> Result<u32, JsValue> {
        let text = Zeroizing::new(args::string(&backup, "backup")?);
        let passphrase = args::secret_string(&passphrase, "passphrase")?;
        self.live()?;
        let records = backup::import(&text, &passphrase).js()?;
        let changes = self
            .guard(async {
                let tx = self.tx(IdbTransactionMode::Readwrite)?;
                let mut vault = Vault::new(tx.users().await?);
                let changes = match vault.import(records) {
                    Ok(changes) => changes,
                    Err(e) => return fail(tx, e),
                };
                tx.apply(&changes)?;
                tx.commit().await?;
                Ok(changes)
            })
            .await?;
        Ok(u32::try_from(changes.put.len()).unwrap_or(u32::MAX))
    }
}
