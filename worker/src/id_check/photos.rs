//! The ID check's photos in R2, under keys that name nothing personal (`id/<session>/<shot>`,
//! the session id being random), kept only while their check needs them: the recipient's object
//! deletes them when the session ends, however it ends.

use signgate_core::id_check::{Document, Session, Shot};
use worker::{Bucket, Env, Result};

pub const BUCKET_BINDING: &str = "ID_PHOTOS";
/// A photo re-encoded by the app (longest side 1920 px, JPEG) is far smaller; the phone's own
/// camera app, as the fallback, can give more.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

fn bucket(env: &Env) -> Result<Bucket> {
    env.bucket(BUCKET_BINDING)
}

pub fn key(session_id: &str, shot: Shot) -> String {
    format!("id/{session_id}/{}", shot.name())
}

pub async fn put(env: &Env, key: &str, jpeg: Vec<u8>) -> Result<()> {
    bucket(env)?.put(key, jpeg).execute().await.map(|_| ())
}

pub async fn get(env: &Env, key: &str) -> Result<Option<Vec<u8>>> {
    match bucket(env)?.get(key).execute().await? {
        Some(object) => match object.body() {
            Some(body) => body.bytes().await.map(Some),
            None => Ok(None),
        },
        None => Ok(None),
    }
}

pub async fn delete(env: &Env, keys: Vec<String>) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    bucket(env)?.delete_multiple(keys).await
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
