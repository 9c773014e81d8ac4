//! Who is acting: the one type every service takes to decide who may do what.

use super::{UserId, UserInfo};
use crate::error::AppError;

/// The caller of a service: a signed-in user (browser or script with a session), or the
/// command line. The command line runs on the server with the data directory in hand, so it
/// may do what an admin may; its actions are recorded as `cli`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User(UserInfo),
    Cli,
}

impl Actor {
    /// The acting user's id (`None` for the command line), as recorded in history and audit.
    pub fn user_id(&self) -> Option<UserId> {
        self.user().map(|u| u.id)
    }

    /// The name recorded in history and audit rows: the username, or `cli`.
    pub fn name(&self) -> &str {
        self.user().map_or("cli", |u| u.username.as_str())
    }

    /// The signed-in user, if the actor is one.
    pub fn user(&self) -> Option<&UserInfo> {
        match self {
            Actor::User(u) => Some(u),
            Actor::Cli => None,
        }
    }

    /// Whether this actor is `id` (only a user can be).
    pub fn is(&self, id: UserId) -> bool {
        self.user_id() == Some(id)
    }

    /// The admin rule, written once: admins and the command line pass, operators get
    /// [`AppError::Forbidden`] (HTTP 403).
    pub fn require_admin(&self) -> Result<(), AppError> {
        match self {
            Actor::User(u) if !u.is_admin() => Err(AppError::Forbidden),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Role, Timestamp};

    fn user(role: Role) -> Actor {
        Actor::User(UserInfo {
            id: UserId(7),
            username: "alice".into(),
            role,
            disabled: false,
            created_at: Timestamp(0),
        })
    }

    #[test]
    fn only_operators_are_refused_admin_work() {
        assert_eq!(
            user(Role::Operator).require_admin(),
            Err(AppError::Forbidden)
        );
        assert_eq!(user(Role::Admin).require_admin(), Ok(()));
        assert_eq!(Actor::Cli.require_admin(), Ok(()));
        assert_eq!(Actor::Cli.name(), "cli");
        assert_eq!(user(Role::Admin).name(), "alice");
        assert!(user(Role::Admin).is(UserId(7)));
        assert!(!Actor::Cli.is(UserId(7)));
    }
}
