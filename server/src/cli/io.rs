//! Asking at the terminal: passwords and keys without echo, questions with defaults.

use super::{CliError, bad};
use std::io::{BufRead, IsTerminal, Write};

pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// One line from standard input, without its line end.
pub fn read_stdin_line() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(anyhow::Error::from)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Asks for a secret without echo (a terminal is required).
pub fn secret(prompt: &str) -> Result<String, CliError> {
    if !stdin_is_terminal() {
        return Err(bad(format!(
            "{prompt}: no terminal to ask on; pass it on standard input with the --*-stdin flag"
        )));
    }
    rpassword::prompt_password(format!("{prompt}: ")).map_err(|e| CliError::Failed(e.into()))
}

/// Asks a question; an empty answer takes `default`.
pub fn ask(prompt: &str, default: &str) -> Result<String, CliError> {
    if !stdin_is_terminal() {
        return Ok(default.to_owned());
    }
    print!("{prompt} [{default}]: ");
    std::io::stdout().flush().map_err(anyhow::Error::from)?;
    let answer = read_stdin_line()?;
    Ok(if answer.trim().is_empty() {
        default.to_owned()
    } else {
        answer.trim().to_owned()
    })
}

/// Asks a yes/no question; without a terminal the answer is `default`.
pub fn confirm(prompt: &str, default: bool) -> Result<bool, CliError> {
    if !stdin_is_terminal() {
        return Ok(default);
    }
    print!("{prompt} [{}]: ", if default { "Y/n" } else { "y/N" });
    std::io::stdout().flush().map_err(anyhow::Error::from)?;
    let answer = read_stdin_line()?.trim().to_ascii_lowercase();
    Ok(match answer.as_str() {
        "" => default,
        "y" | "yes" | "是" => true,
        _ => false,
    })
}
