//! Exit codes and the error type that carries one. Documented in README.md; scripts rely on them.

use std::fmt;

use crate::client::ClientError;

/// A process exit code with a documented meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// 0: success.
    Ok = 0,
    /// 1: any failure without a more specific code (I/O, internal).
    Failure = 1,
    /// 2: bad command line (unknown flag, missing argument, conflicting options).
    Usage = 2,
    /// 3: the broker could not be reached.
    Unreachable = 3,
    /// 4: the topic, partition or group does not exist.
    NotFound = 4,
    /// 5: the input was rejected (invalid name, over a limit, malformed line).
    InvalidInput = 5,
    /// 6: the request conflicts with the current state (already exists, stale generation).
    Conflict = 6,
    /// 7: stored data failed verification (`inspect-log --verify`), or `serve` found damage in
    /// the committed offsets or the cluster's Raft log, vote or snapshot.
    Corrupt = 7,
    /// 8: the broker is out of a resource or refusing writes (disk full, too many requests).
    Unavailable = 8,
    /// 9: authentication or authorization failed.
    Denied = 9,
}

impl ExitCode {
    /// A stable short name for JSON error objects.
    pub fn name(self) -> &'static str {
        match self {
            ExitCode::Ok => "ok",
            ExitCode::Failure => "failure",
            ExitCode::Usage => "usage",
            ExitCode::Unreachable => "unreachable",
            ExitCode::NotFound => "not_found",
            ExitCode::InvalidInput => "invalid_input",
            ExitCode::Conflict => "conflict",
            ExitCode::Corrupt => "corrupt",
            ExitCode::Unavailable => "unavailable",
            ExitCode::Denied => "denied",
        }
    }
}

/// An error the CLI reports: one line, an optional hint, and the exit code it ends with.
#[derive(Debug)]
pub struct CliError {
    pub code: ExitCode,
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// Turns any error a command returned into the CLI error it is reported as.
pub fn classify(error: anyhow::Error) -> CliError {
    let error = match error.downcast::<CliError>() {
        Ok(e) => return e,
        Err(other) => other,
    };
    match error.downcast::<ClientError>() {
        Ok(e) => from_client(e),
        Err(other) => CliError::new(ExitCode::Failure, format!("{other:#}")),
    }
}

/// The exit code and hint for a failed broker call.
pub fn from_client(error: ClientError) -> CliError {
    use crate::client::StatusCode as Code;
    let code = match &error {
        ClientError::Unreachable { .. } => {
            return CliError::new(ExitCode::Unreachable, error.to_string()).with_hint(
                "is `flashq serve` running there? Set the address with --broker or FLASHQ_BROKER; \
                 a broker that serves TLS needs --tls-ca, and --tls-cert and --tls-key if it requires client certificates",
            );
        }
        ClientError::InvalidAddress { .. } => ExitCode::Usage,
        ClientError::BadBatch(_) => ExitCode::Corrupt,
        ClientError::InvalidTls(_) => {
            return CliError::new(ExitCode::InvalidInput, error.to_string())
                .with_hint("check the certificates in --tls-ca, --tls-cert and --tls-key");
        }
        ClientError::Status(_) => match error.code().unwrap_or(Code::Unknown) {
            Code::NotFound => ExitCode::NotFound,
            Code::InvalidArgument | Code::OutOfRange => ExitCode::InvalidInput,
            Code::AlreadyExists | Code::FailedPrecondition | Code::Aborted => ExitCode::Conflict,
            Code::ResourceExhausted => ExitCode::Unavailable,
            Code::Unavailable if error.is_connection_failure() => {
                return CliError::new(
                    ExitCode::Unreachable,
                    format!(
                        "lost the broker: {}",
                        error.status_message().unwrap_or_default()
                    ),
                );
            }
            Code::Unavailable => ExitCode::Unavailable,
            Code::Unauthenticated | Code::PermissionDenied => ExitCode::Denied,
            Code::DataLoss => ExitCode::Corrupt,
            _ => ExitCode::Failure,
        },
    };
    CliError::new(code, error.to_string())
}

/// A prompt that could not be shown or answered (the terminal went away).
pub fn prompt_failed(error: dialoguer::Error) -> CliError {
    CliError::new(
        ExitCode::Failure,
        format!("cannot ask on the terminal: {error}"),
    )
}
