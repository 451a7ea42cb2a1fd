//! The users of one token, and the rules for changing them: ids unique, one record per account
//! (issuer and username, ignoring case), a bounded number of users, renames and removals that
//! touch nothing else, and imports that apply entirely or not at all.
//!
//! The binding layer loads the records inside one storage transaction, applies one of these
//! operations, and writes back exactly the records it returns in [`Changes`].

use super::error::{Error, Result};
use super::record::UserRecord;

/// The most users one token holds.
pub const MAX_USERS: usize = 100;

/// The users of one token.
#[derive(Debug, Clone, Default)]
pub struct Vault {
    users: Vec<UserRecord>,
}

/// What an operation changed: records to write and ids to delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Records to write (insert or replace by id).
    pub put: Vec<UserRecord>,
    /// Ids to delete.
    pub delete: Vec<String>,
}

impl Vault {
    /// A vault holding `users` as stored.
    #[must_use]
    pub fn new(users: Vec<UserRecord>) -> Self {
        Self { users }
    }

    /// The users, in the order given.
    #[must_use]
    pub fn users(&self) -> &[UserRecord] {
        &self.users
    }

    /// The user with this id.
    ///
    /// # Errors
    /// [`Error::UnknownUser`].
    pub fn get(&self, id: &str) -> Result<&UserRecord> {
        self.users
            .iter()
            .find(|u| u.id() == id)
            .ok_or(Error::UnknownUser)
    }

    /// Adds a user.
    ///
    /// # Errors
    /// [`Error::UserExists`] for an account already present (or an id already taken);
    /// [`Error::TooManyUsers`].
    pub fn add(&mut self, record: UserRecord) -> Result<Changes> {
        if self
            .users
            .iter()
            .any(|u| u.id() == record.id() || u.same_account(&record))
        {
            return Err(Error::UserExists);
        }
        if self.users.len() >= MAX_USERS {
            return Err(Error::TooManyUsers(MAX_USERS));
        }
        self.users.push(record.clone());
        Ok(Changes {
            put: vec![record],
            delete: vec![],
        })
    }

    /// Gives user `id` another username.
    ///
    /// # Errors
    /// [`Error::UnknownUser`], [`Error::InvalidUsername`], [`Error::UserExists`] when another
    /// user of the same issuer has that name.
    pub fn rename(&mut self, id: &str, username: &str) -> Result<Changes> {
        let renamed = self.get(id)?.renamed(username)?;
        if self
            .users
            .iter()
            .any(|u| u.id() != id && u.same_account(&renamed))
        {
            return Err(Error::UserExists);
        }
        self.replace(renamed.clone());
        Ok(Changes {
            put: vec![renamed],
            delete: vec![],
        })
    }

    /// Removes user `id`.
    ///
    /// # Errors
    /// [`Error::UnknownUser`].
    pub fn remove(&mut self, id: &str) -> Result<Changes> {
        self.get(id)?;
        self.users.retain(|u| u.id() != id);
        Ok(Changes {
            put: vec![],
            delete: vec![id.to_owned()],
        })
    }

    /// Stores a record that changed (a counter moved on).
    ///
    /// # Errors
    /// [`Error::UnknownUser`] when the user was removed meanwhile.
    pub fn update(&mut self, record: UserRecord) -> Result<Changes> {
        self.get(record.id())?;
        self.replace(record.clone());
        Ok(Changes {
            put: vec![record],
            delete: vec![],
        })
    }

    /// Restores users from a backup, all or none: a record with an id already here replaces
    /// it (the same user, restored); any other record must be a new account.
    ///
    /// # Errors
    /// [`Error::UserExists`] when a record is another user's account (or two records of the
    /// backup are the same account); [`Error::TooManyUsers`]. The vault is unchanged then.
    pub fn import(&mut self, records: Vec<UserRecord>) -> Result<Changes> {
        let mut next = self.clone();
        for record in &records {
            if let Some(pos) = next.users.iter().position(|u| u.id() == record.id()) {
                if next
                    .users
                    .iter()
                    .any(|u| u.id() != record.id() && u.same_account(record))
                {
                    return Err(Error::UserExists);
                }
                if let Some(slot) = next.users.get_mut(pos) {
                    *slot = record.clone();
                }
            } else {
                next.add(record.clone())?;
            }
        }
        *self = next;
        Ok(Changes {
            put: records,
            delete: vec![],
        })
    }

    fn replace(&mut self, record: UserRecord) {
        if let Some(slot) = self.users.iter_mut().find(|u| u.id() == record.id()) {
            *slot = record;
        }
    }
}
