//! `rhconsole user add|list|passwd|disable|enable`.

use super::io::say;
use super::{CliError, GlobalArgs, bad, from_app, io};
use app::api::users::UsersApi;
use app::domain::Actor;
use app::domain::{NewUser, Role, validate_password};
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add a user (asks for the password without echo).
    Add {
        #[arg(long)]
        username: String,
        /// admin (manages configurations and users) or operator (reviews, launches tests).
        #[arg(long, default_value = "operator")]
        role: String,
        /// Read the password from standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Set a new password for a user.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user (their sessions end at once).
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
}

fn read_password(from_stdin: bool) -> Result<String, CliError> {
    if from_stdin {
        return io::read_stdin_line();
    }
    let pw = io::secret("Password")?;
    let again = io::secret("Password again")?;
    if pw != again {
        return Err(bad("the passwords differ"));
    }
    Ok(pw)
}

pub async fn run(global: &GlobalArgs, cmd: UserCmd) -> Result<(), CliError> {
    let core = crate::startup::open_core_for_cli(
        &global.data_dir,
        &crate::settings::EngineArgs::default(),
    )
    .await?;
    let find = |name: String| {
        let core = core.clone();
        async move {
            crate::db::user::by_username(&core.db.read, &name)
                .await
                .map_err(anyhow::Error::from)?
                .ok_or_else(|| bad(format!("no user named {name}")))
        }
    };
    match cmd {
        UserCmd::Add {
            username,
            role,
            password_stdin,
        } => {
            role.parse::<Role>().map_err(|m| bad(m.en()))?;
            let password = read_password(password_stdin)?;
            let user = NewUser::validate(&username, &password, None, &role)
                .map_err(|e| from_app(e.into()))?;
            let info = core.add_user(&Actor::Cli, user).await.map_err(from_app)?;
            say!("Added {} ({})", info.username, info.role);
        }
        UserCmd::List { json } => {
            let list = crate::db::user::list(&core.db.read)
                .await
                .map_err(anyhow::Error::from)?;
            if json {
                say!(
                    "{}",
                    serde_json::to_string_pretty(&list).map_err(anyhow::Error::from)?
                );
            } else {
                say!("{:<24} {:<9} {:<9} CREATED", "USERNAME", "ROLE", "STATUS");
                for u in list {
                    let status = if u.disabled { "disabled" } else { "active" };
                    say!(
                        "{:<24} {:<9} {:<9} {}",
                        u.username,
                        u.role,
                        status,
                        u.created_at.format()
                    );
                }
            }
        }
        UserCmd::Passwd {
            username,
            password_stdin,
        } => {
            let row = find(username).await?;
            let password = read_password(password_stdin)?;
            validate_password(&password).map_err(|m| bad(m.en()))?;
            core.reset_password(
                &Actor::Cli,
                row.info.id,
                app::domain::Password::new(password),
            )
            .await
            .map_err(from_app)?;
            say!("Password changed for {}", row.info.username);
        }
        UserCmd::Disable { username } => {
            let row = find(username).await?;
            core.set_user_disabled(&Actor::Cli, row.info.id, true)
                .await
                .map_err(from_app)?;
            say!("Disabled {}", row.info.username);
        }
        UserCmd::Enable { username } => {
            let row = find(username).await?;
            core.set_user_disabled(&Actor::Cli, row.info.id, false)
                .await
                .map_err(from_app)?;
            say!("Enabled {}", row.info.username);
        }
    }
    core.db.close().await;
    Ok(())
}
