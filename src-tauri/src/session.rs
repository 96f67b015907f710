//! Who is signed in to this window. Every command that changes something takes its actor from
//! here; the store checks the actor's role again, whatever the UI showed.

use std::sync::Mutex;

use journeys_store::{Store, User};
use tauri::State;

use crate::commands::{CommandError, Result};

#[derive(Default)]
pub struct Session(Mutex<Option<User>>);

impl Session {
    /// The signed-in user's name, or an `unauthenticated` error.
    pub fn actor(&self) -> Result<String> {
        self.user().map(|u| u.name).ok_or_else(|| CommandError::new("unauthenticated", "sign in first".into()))
    }

    fn user(&self) -> Option<User> {
        self.0.lock().map(|u| u.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    fn set(&self, user: Option<User>) {
        match self.0.lock() {
            Ok(mut slot) => *slot = user,
            Err(poisoned) => *poisoned.into_inner() = user,
        }
    }
}

#[tauri::command]
pub async fn sign_in(store: State<'_, Store>, session: State<'_, Session>, name: String, password: String) -> Result<User> {
    let user = store.sign_in(name.trim(), &password).await?;
    session.set(Some(user.clone()));
    Ok(user)
}

#[tauri::command]
pub fn sign_out(session: State<'_, Session>) {
    session.set(None);
}

#[tauri::command]
pub fn current_user(session: State<'_, Session>) -> Option<User> {
    session.user()
}
