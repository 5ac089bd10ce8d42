//! CountTokens.

use bedrock_runtime_types::types::{CountTokensInput, CountTokensRequest, CountTokensResponse};

use super::converse::count_converse_tokens;
use super::error::{RuntimeError, UNSUPPORTED_CONVERSE_MODEL};
use super::native::count_native_tokens;
use super::registry::ModelRegistry;
use super::tokens::to_i32;

/// Answers a CountTokens request: the input tokens the same request would report from Converse
/// (for a `converse` input) or InvokeModel (for an `invokeModel` input).
pub fn count_tokens(
    registry: &ModelRegistry,
    request: &CountTokensRequest,
) -> Result<CountTokensResponse, RuntimeError> {
    let model = registry.resolve(&request.model_id)?;
    let count = match &request.input {
        CountTokensInput::Converse(converse) => {
            if model.provider.is_embedding() {
                return Err(RuntimeError::validation(UNSUPPORTED_CONVERSE_MODEL));
            }
            count_converse_tokens(
                converse.messages.as_deref().unwrap_or_default(),
                converse.system.as_deref(),
                converse.tool_config.as_ref(),
            )
        }
        CountTokensInput::InvokeModel(invoke) => {
            count_native_tokens(registry, &request.model_id, invoke.body.as_ref())?
        }
        _ => {
            return Err(RuntimeError::validation(
                "The input must hold exactly one of `converse` or `invokeModel`.",
            ))
        }
    };
    Ok(CountTokensResponse::new(to_i32(count)))
}
