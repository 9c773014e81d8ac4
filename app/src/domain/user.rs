//! Users and roles.

use super::{FieldErrors, Timestamp, UserId, char_len};
use crate::domain::names::closed_set;
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};
use std::fmt;

closed_set! {
    /// What a signed-in person may do. Admins manage configurations and users; operators review
    /// configurations and launch test tasks.
    #[serde(rename_all = "lowercase")]
    #[strum(serialize_all = "lowercase")]
    pub enum Role {
        Admin,
        Operator,
    }
}

impl Role {
    pub fn label(self) -> Msg {
        match self {
            Role::Admin => Msg::RoleAdmin,
            Role::Operator => Msg::RoleOperator,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::domain::names::from_name!(Role, Msg::ErrRoleUnknown);

/// A user as shown to admins and in the header. Never carries the password hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: Timestamp,
}

impl UserInfo {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;

/// 3–32 characters: letters, digits, `.`, `_`, `-`. Stored as typed, compared case-insensitively.
pub fn validate_username(raw: &str) -> Result<String, Msg> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Msg::ErrRequired);
    }
    let n = char_len(s);
    if !(3..=USERNAME_MAX).contains(&n) {
        return Err(Msg::ErrUsernameLength);
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(Msg::ErrUsernameChars);
    }
    Ok(s.to_owned())
}

/// 10–128 characters; anything else is the user's business.
pub fn validate_password(raw: &str) -> Result<(), Msg> {
    let n = char_len(raw);
    if n < PASSWORD_MIN {
        return Err(Msg::ErrPasswordShort);
    }
    if n > PASSWORD_MAX {
        return Err(Msg::ErrPasswordLong);
    }
    Ok(())
}

/// A password as typed, on its way to being hashed or checked. Its `Debug` prints
/// `[redacted]`, so a logged struct or error never shows it; `expose` is called only where the
/// password is hashed or verified.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(typed: impl Into<String>) -> Self {
        Password(typed.into())
    }

    /// The typed text, for hashing or verifying only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The form that creates a user (first admin at setup, or by an admin).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub password: Password,
    pub role: Role,
}

impl NewUser {
    /// Checks every field; `confirm` is the repeated password when the form has one.
    pub fn validate(
        username: &str,
        password: &str,
        confirm: Option<&str>,
        role: &str,
    ) -> Result<NewUser, FieldErrors> {
        let mut errs = FieldErrors::new();
        let username = validate_username(username)
            .map_err(|m| errs.push("username", m))
            .ok();
        if let Err(m) = validate_password(password) {
            errs.push("password", m);
        } else if confirm.is_some_and(|c| c != password) {
            errs.push("confirm", Msg::ErrPasswordMismatch);
        }
        let role = role.parse::<Role>().map_err(|m| errs.push("role", m)).ok();
        match (username, role) {
            (Some(username), Some(role)) if errs.is_empty() => Ok(NewUser {
                username,
                password: Password::new(password),
                role,
            }),
            _ => Err(errs),
        }
    }
}

impl fmt::Display for NewUser {
    // Never print the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.username, self.role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_short_plain_ascii() {
        assert_eq!(validate_username(" alice ").as_deref(), Ok("alice"));
        assert_eq!(validate_username("ab"), Err(Msg::ErrUsernameLength));
        assert_eq!(validate_username("a b c"), Err(Msg::ErrUsernameChars));
        assert_eq!(validate_username("张三丰"), Err(Msg::ErrUsernameChars));
        assert_eq!(validate_username(""), Err(Msg::ErrRequired));
    }

    #[test]
    fn a_new_user_never_prints_its_password() {
        let user = NewUser::validate("alice", "hunter2hunter2", None, "admin").expect("valid");
        let printed = format!("{user:?} {user}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
    }

    #[test]
    fn a_new_user_reports_every_bad_field() {
        let errs = NewUser::validate("x", "short", None, "root").expect_err("invalid");
        assert_eq!(errs.get("username"), Some(Msg::ErrUsernameLength));
        assert_eq!(errs.get("password"), Some(Msg::ErrPasswordShort));
        assert_eq!(errs.get("role"), Some(Msg::ErrRoleUnknown));
        let errs = NewUser::validate("alice", "long enough pw", Some("other"), "admin")
            .expect_err("mismatch");
        assert_eq!(errs.get("confirm"), Some(Msg::ErrPasswordMismatch));
        assert!(
            NewUser::validate("alice", "long enough pw", Some("long enough pw"), "admin").is_ok()
        );
    }
}
