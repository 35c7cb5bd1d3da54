//! `GET /api/health`: the cheapest answer the Worker gives (the benchmark's baseline).

use worker::{Response, Result};

pub fn get() -> Result<Response> {
    Response::from_json(&serde_json::json!({ "ok": true }))
}
