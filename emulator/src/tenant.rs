//! The organisation (tenant) as a whole: finding its groups by name, a call known only from a
//! community script (docs/platform.md, users and bots; choice U1).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::groups::{group_json, sorted};
use crate::hierarchy::View;
use crate::input::{query_i64, QueryMap};
use crate::shared::AppState;
use crate::state::Group;

/// Groups a page holds when `pageSize` is not given, and at most.
const DEFAULT_PAGE: i64 = 10;
const MAX_PAGE: i64 = 100;

pub fn routes() -> Router<AppState> {
    Router::new().route("/tenant/findGroupsByQuery", get(find_groups))
}

/// `GET /tenant/findGroupsByQuery?query=&resultsOffset=&pageSize=` → `{groups: [Group]}`: the
/// organisation's groups whose name contains `query` (any case), oldest first, `pageSize` of them
/// from `resultsOffset`. An organisation admin finds every organisation group; anyone else those
/// they reach (a group token: its group).
async fn find_groups(
    State(state): State<AppState>,
    caller: Caller,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    caller.need("tenantdata.read")?;
    let needle = q
        .get("query")
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_default();
    let offset = query_i64(&q, "resultsOffset")?.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::invalid("resultsOffset", "must not be negative"));
    }
    let size = query_i64(&q, "pageSize")?
        .filter(|n| *n != 0)
        .unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&size) {
        return Err(ApiError::invalid(
            "pageSize",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    let w = state.world();
    let mut view = View::new(&w, &caller);
    let found: Vec<&Group> = w
        .groups
        .values()
        .filter(|g| g.mapped_to_tenant && g.name.to_lowercase().contains(&needle))
        .collect();
    let found: Vec<&Group> = sorted(found)
        .into_iter()
        .filter(|g| caller.org_admin || view.role(g).is_some())
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(size).unwrap_or_default())
        .collect();
    let groups: Vec<Value> = found
        .into_iter()
        .map(|g| group_json(&mut view, g, false))
        .collect();
    Ok(Json(json!({ "groups": groups })))
}
