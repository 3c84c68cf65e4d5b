//! The store's error type. rusqlite errors are classified here and go no further.

/// What went wrong in the store. Messages are for logs (English); the HTTP layer maps
/// each variant to a catalogue message for users.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("cannot open {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("{path} is not a taxlab database; refusing to touch it")]
    NotTaxlab { path: String },
    #[error(
        "{path} has schema version {found}, newer than this taxlab understands ({supported}); upgrade taxlab"
    )]
    SchemaTooNew {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("{path} is corrupt ({reason}); restore it from a backup")]
    Corrupt { path: String, reason: String },
    #[error("stored data is invalid: {0}")]
    BadData(String),
    #[error("database error: {0}")]
    Other(String),
    /// Work given a read connection tried to write (see `Db::run_mostly_read`).
    #[error("a read tried to write")]
    ReadOnly,
}

impl StoreError {
    pub fn is_read_only(&self) -> bool {
        matches!(self, StoreError::ReadOnly)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        match e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(f, msg)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreError::Conflict(msg.unwrap_or_else(|| f.to_string()))
            }
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ReadOnly => {
                StoreError::ReadOnly
            }
            other => StoreError::Other(other.to_string()),
        }
    }
}
