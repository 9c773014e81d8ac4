//! Asking at the terminal: passwords and keys without echo, questions with defaults; and
//! printing what people typed (names, prompts, provider messages) without letting it drive the
//! terminal.

use super::{CliError, bad};
use std::borrow::Cow;
use std::io::{BufRead, IsTerminal, Write};

/// `text` safe to print: every control character but line feed and tab (ESC starts the
/// sequences that move the cursor, recolour or retitle a terminal, or write to the clipboard;
/// CR and BS overwrite what was printed), and the bidirectional controls that reorder a line,
/// become U+FFFD. Names, prompts and provider messages come from other people.
pub fn printable(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
    };
    if text.chars().any(unsafe_char) {
        Cow::Owned(
            text.chars()
                .map(|c| if unsafe_char(c) { '\u{FFFD}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// `println!` through [`printable`]: what the command line prints to standard output.
macro_rules! say {
    () => { println!() };
    ($($arg:tt)*) => { println!("{}", $crate::cli::io::printable(&format!($($arg)*))) };
}
pub(crate) use say;

/// `eprintln!` through [`printable`].
macro_rules! say_err {
    ($($arg:tt)*) => { eprintln!("{}", $crate::cli::io::printable(&format!($($arg)*))) };
}
pub(crate) use say_err;

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

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn escapes_and_reordering_never_reach_the_terminal() {
        assert_eq!(
            printable("plain 中文\tand\nlines"),
            "plain 中文\tand\nlines"
        );
        assert_eq!(
            printable("a\u{1b}[31mb\u{7}c\rd\u{8}e\u{202E}f\u{9b}g"),
            "a\u{FFFD}[31mb\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\u{FFFD}g"
        );
    }
}
