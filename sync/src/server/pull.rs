//! Pull: the changes after a cursor for the device's catchment, with consent applied.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::Hub;
use super::auth;
use super::common::*;
use crate::protocol::*;

/// Hub changes examined per pull request at most, so one request stays short.
const SCAN_LIMIT: usize = 50_000;

/// Serves the changes after the cursor for the device's catchment, with consent applied
/// ([`storage::Store::pull_page`]); a cursor of another hub epoch (a restored hub) starts
/// again from the beginning.
pub async fn pull(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    finish(
        async move {
            let device = auth::device(&hub, &headers)?;
            let req: PullRequest = decode(&body).map_err(bad_request)?;
            blocking(move || {
                let after = if req.epoch == hub.epoch {
                    req.cursor
                } else {
                    0
                };
                let limit = req.limit.clamp(1, 5_000) as usize;
                let page = (hub.store)
                    .pull_page(&device, after, limit, SCAN_LIMIT)
                    .map_err(unavailable)?;
                let changes = page
                    .changes
                    .iter()
                    .map(|c| c.encode())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(unavailable)?;
                Ok(reply(&PullResponse {
                    changes,
                    cursor: page.cursor,
                    more: page.more,
                    epoch: hub.epoch,
                }))
            })
            .await
        }
        .await,
    )
}
