//! The ID check's photos in R2, under keys that name nothing personal (`id/<session>/<shot>`,
//! the session id being random), kept only while their check needs them: the recipient's object
//! deletes them when the session ends, however it ends.

use signgate_core::id_check::{Document, Session, Shot};
use worker::{Bucket, Env, Result};

pub const BUCKET_BINDING: &str = "ID_PHOTOS";
/// The app re-encodes every photo, the camera app's too, as a JPEG of at most 1920 px (under
/// 1.5 MB at its quality); four at this size still fit a check's memory with room to spare.
pub const MAX_PHOTO_BYTES: usize = 4 * 1024 * 1024;

/// The bucket of the photos and of the identity reports (`super::reports`).
pub(super) fn bucket(env: &Env) -> Result<Bucket> {
    env.bucket(BUCKET_BINDING)
}

pub fn key(session_id: &str, shot: Shot) -> String {
    format!("id/{session_id}/{}", shot.name())
}

pub async fn put(env: &Env, key: &str, jpeg: Vec<u8>) -> Result<()> {
    bucket(env)?.put(key, jpeg).execute().await.map(|_| ())
}

pub async fn get(env: &Env, key: &str) -> Result<Option<Vec<u8>>> {
    get_from(&bucket(env)?, key).await
}

/// The bytes stored under `key` in `bucket`, if any.
pub async fn get_from(bucket: &Bucket, key: &str) -> Result<Option<Vec<u8>>> {
    match bucket.get(key).execute().await? {
        Some(object) => match object.body() {
            Some(body) => body.bytes().await.map(Some),
            None => Ok(None),
        },
        None => Ok(None),
    }
}

/// Deletes `keys`. A failure is logged, not raised: the session's end is already written, and the
/// bucket's lifecycle rule on `id/` (a day; see the README) removes whatever is left.
pub async fn delete(env: &Env, keys: Vec<String>) {
    if keys.is_empty() {
        return;
    }
    let deleted = match bucket(env) {
        Ok(bucket) => bucket.delete_multiple(keys).await,
        Err(error) => Err(error),
    };
    if let Err(error) = deleted {
        worker::console_error!("ID photos could not be deleted (the lifecycle rule will): {error}");
    }
}

/// Every key a session's photos may have: whatever document was chosen along the way.
pub fn session_keys(session: &Session) -> Vec<String> {
    let mut shots: Vec<Shot> = Document::ALL
        .iter()
        .flat_map(|document| document.shots().iter().copied())
        .collect();
    shots.sort();
    shots.dedup();
    shots
        .into_iter()
        .map(|shot| key(&session.id, shot))
        .collect()
}

/// Whether `bytes` are a JPEG (its start-of-image marker): the only format the app sends, and
/// one the provider takes.
pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xff, 0xd8, 0xff])
}
