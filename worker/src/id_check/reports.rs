//! Signer Identity Reports in R2, with the agreement: `report/<agreement>/<report>/report.json`
//! and a photo per shot beside it (`…/<shot>.jpg`). The report's id is its check's random session
//! id, so no key names anything personal; the `id/` lifecycle rule does not reach them. The
//! recipient's object keeps the list of its reports and when each is erased
//! ([`signgate_core::id_check::report::ReportShelf`]): the admin API reads only what it lists.

use signgate_core::id_check::Shot;
use signgate_core::id_check::report::{IdentityReport, KeptReport};
use worker::{Env, Result};

use super::photos::{self, bucket, get_from};

fn folder(agreement_id: &str, report_id: &str) -> String {
    format!("report/{agreement_id}/{report_id}")
}

fn report_key(agreement_id: &str, report_id: &str) -> String {
    format!("{}/report.json", folder(agreement_id, report_id))
}

pub fn photo_key(agreement_id: &str, report_id: &str, shot: Shot) -> String {
    format!("{}/{}.jpg", folder(agreement_id, report_id), shot.name())
}

/// Keeps `report` with copies of its check's photos (still under `id/`, which are deleted when the
/// check ends). The photos go first: a report that is readable has its photos.
pub async fn keep(env: &Env, report: &IdentityReport) -> Result<()> {
    let bucket = bucket(env)?;
    let (agreement, id) = (&report.agreement_id, &report.id);
    for shot in &report.photos {
        if let Some(jpeg) = get_from(&bucket, &photos::key(id, *shot)).await? {
            bucket
                .put(photo_key(agreement, id, *shot), jpeg)
                .execute()
                .await?;
        }
    }
    let json = serde_json::to_vec(report).map_err(|e| worker::Error::RustError(e.to_string()))?;
    bucket
        .put(report_key(agreement, id), json)
        .execute()
        .await?;
    Ok(())
}

/// The report `report_id` of the agreement, if it is still stored.
pub async fn read(
    env: &Env,
    agreement_id: &str,
    report_id: &str,
) -> Result<Option<IdentityReport>> {
    let Some(bytes) = get_from(&bucket(env)?, &report_key(agreement_id, report_id)).await? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| worker::Error::RustError(format!("a stored identity report: {e}")))
}

/// A photo of a report, as stored.
pub async fn photo(
    env: &Env,
    agreement_id: &str,
    report_id: &str,
    shot: Shot,
) -> Result<Option<Vec<u8>>> {
    get_from(&bucket(env)?, &photo_key(agreement_id, report_id, shot)).await
}

/// Erases `reports` and their photos. Raised when R2 fails: the caller keeps them listed, to try
/// again, since an erasure that only seemed to happen is worse than a late one.
pub async fn erase(env: &Env, agreement_id: &str, reports: &[KeptReport]) -> Result<()> {
    let keys: Vec<String> = reports
        .iter()
        .flat_map(|report| {
            let photos = report
                .photos
                .iter()
                .map(|shot| photo_key(agreement_id, &report.id, *shot));
            std::iter::once(report_key(agreement_id, &report.id)).chain(photos)
        })
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    bucket(env)?.delete_multiple(keys).await
}
