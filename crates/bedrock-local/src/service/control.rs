//! The control-plane operations (stub: the real routes land in a parallel change).

use std::sync::Arc;

use crate::control::ControlPlane;
use crate::server::Router;

/// Registers the control-plane operations on `router` (none yet in this stub).
pub fn register(router: Router, _plane: Arc<ControlPlane>) -> Router {
    router
}
