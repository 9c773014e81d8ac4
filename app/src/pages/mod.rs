//! One file per page: the component and the server functions it calls.

pub mod auth;
pub mod config_detail;
pub mod config_form;
pub mod configs;
pub mod home;
pub mod not_found;
pub mod setup;
mod task_actions;
pub mod task_detail;
pub mod task_new;
pub mod tasks;
pub mod users;

pub use auth::LoginPage;
pub use config_detail::ConfigDetailPage;
pub use config_form::{ConfigEditPage, ConfigNewPage};
pub use configs::ConfigsPage;
pub use home::HomePage;
pub use not_found::NotFoundPage;
pub use setup::SetupPage;
pub use task_detail::TaskPage;
pub use task_new::TaskNewPage;
pub use tasks::TasksPage;
pub use users::UsersPage;
