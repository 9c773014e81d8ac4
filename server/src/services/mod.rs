//! The services: one module per area, each implementing its area's slice of the backend trait
//! (`app::api::<area>::<Area>Api`) for [`Core`] directly. A service is the one place that
//! decides who may do what (through `app::domain::Actor`), validates, runs the transaction and
//! starts the engine; the SQL lives in `crate::db`.
//!
//! | area    | server functions           | service             | tables                      |
//! |---------|----------------------------|---------------------|-----------------------------|
//! | auth    | `app/src/api/auth.rs`      | `services/auth.rs`  | `db/user.rs`, `db/login_failure.rs`, `db/audit.rs` |
//! | users   | `app/src/api/users.rs`     | `services/users.rs` | `db/user.rs`, `db/audit.rs` |
//! | configs | `app/src/api/configs.rs`   | `services/configs.rs` | `db/config.rs`, `db/config_event.rs` |
//! | tasks   | `app/src/api/tasks.rs`     | `services/tasks.rs` (+ `tasks/` engine), `services/estimate.rs`, `services/budget.rs` | `db/task.rs`, `db/task_event.rs`, `db/blob.rs`, `db/budget.rs` |

pub mod auth;
mod budget;
pub mod configs;
mod estimate;
pub mod tasks;
pub mod users;

use crate::auth::{LockoutPolicy, SetupToken};
use crate::clock::SharedClock;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::secrets::Secrets;
use crate::tasks::Engine;
use std::sync::Arc;

/// Everything the services share; the backend the server functions call
/// (`app::api::Backend` is implemented for it, area by area).
pub struct Core {
    pub db: Db,
    pub clock: SharedClock,
    pub secrets: Arc<Secrets>,
    pub setup: SetupToken,
    pub lockout: LockoutPolicy,
    pub engine: Engine,
    pub metrics: Arc<Metrics>,
}
