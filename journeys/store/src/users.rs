//! Users and roles. Roles are checked here, in the store, on every call that needs one.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
pub use journeys_core::review::{Role, User};
use sqlx::Row;

use crate::{audit, now_ms, Store, StoreError};

impl Store {
    /// Add a user; with a password it is stored as an argon2 hash, never in clear.
    pub async fn add_user(&self, name: &str, role: Role, password: Option<&str>) -> Result<User, StoreError> {
        if name.trim().is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
            return Err(StoreError::BadUserName(name.chars().filter(|c| !c.is_control()).take(40).collect()));
        }
        let hash = match password {
            Some(p) => Some(
                Argon2::default()
                    .hash_password(p.as_bytes(), &SaltString::generate(&mut OsRng))
                    .map_err(|e| StoreError::Password(e.to_string()))?
                    .to_string(),
            ),
            None => None,
        };
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query("INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)")
            .bind(name)
            .bind(role.key())
            .bind(hash)
            .bind(now_ms())
            .execute(&mut *tx)
            .await;
        match inserted {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(StoreError::AlreadyExists { what: "user", id: name.to_string() }),
            other => other?,
        };
        audit::append(&mut tx, "system", "user_added", name, role.key()).await?;
        tx.commit().await?;
        Ok(User { name: name.to_string(), role })
    }

    pub async fn user(&self, name: &str) -> Result<User, StoreError> {
        if name.chars().any(char::is_control) {
            return Err(StoreError::UnknownUser(name.chars().filter(|c| !c.is_control()).collect()));
        }
        let row = sqlx::query("SELECT name, role FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::UnknownUser(name.to_string()))?;
        let role: String = row.try_get("role")?;
        let role = Role::from_key(&role).ok_or_else(|| StoreError::Corrupt { id: name.to_string(), message: format!("unknown role {role}") })?;
        Ok(User { name: row.try_get("name")?, role })
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query("SELECT name FROM users ORDER BY name").fetch_all(&self.pool).await?;
        let mut users = Vec::with_capacity(rows.len());
        for row in rows {
            let name: String = row.try_get("name")?;
            users.push(self.user(&name).await?);
        }
        Ok(users)
    }

    /// Check a password; a sign-in, successful or not, is audited.
    pub async fn sign_in(&self, name: &str, password: &str) -> Result<User, StoreError> {
        // No stored name has a control character; refusing before the query keeps PostgreSQL
        // from failing on a NUL, and says no more than a wrong password would.
        if name.chars().any(char::is_control) {
            return Err(StoreError::SignInFailed);
        }
        let row = sqlx::query("SELECT password_hash FROM users WHERE name = $1").bind(name).fetch_optional(&self.pool).await?;
        let hash: Option<String> = match row {
            Some(r) => r.try_get("password_hash")?,
            None => None,
        };
        let ok = hash.as_deref().and_then(|h| PasswordHash::new(h).ok()).is_some_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
        let mut tx = self.begin_write().await?;
        audit::append(&mut tx, name, if ok { "signed_in" } else { "sign_in_failed" }, name, "").await?;
        tx.commit().await?;
        if ok {
            self.user(name).await
        } else {
            Err(StoreError::SignInFailed)
        }
    }

    /// The user, if their role is one of `allowed` for `action`.
    pub(crate) async fn require(&self, actor: &str, allowed: &[Role], action: &str) -> Result<User, StoreError> {
        let user = self.user(actor).await?;
        if allowed.contains(&user.role) {
            Ok(user)
        } else {
            Err(StoreError::Forbidden { actor: actor.to_string(), role: user.role.key().to_string(), action: action.to_string() })
        }
    }
}
