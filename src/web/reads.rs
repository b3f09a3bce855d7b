//! Who read whom: the handlers that show a staff member a person's full profile or contact
//! details record it here (`db::reads`), after the read succeeded.

use super::error::AppError;
use super::AppState;
use crate::policy::Viewer;

/// Records that `viewer` (when staff) read the full data of `persons` at `what`.
pub async fn log(
    state: &AppState,
    viewer: &Viewer,
    persons: Vec<String>,
    what: String,
) -> Result<(), AppError> {
    if !viewer.is_officer() || persons.is_empty() {
        return Ok(());
    }
    let reader = viewer.user_id.clone();
    state
        .db
        .write(move |c| crate::db::reads::log(c, &persons, &reader, &what).map_err(AppError::from))
        .await
}
