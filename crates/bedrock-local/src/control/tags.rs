//! Tags on the resources this control plane created, keyed by ARN.

use bedrock_control_types::error::{ListTagsForResourceError, TagResourceError, UntagResourceError};
use bedrock_control_types::types::{
    ListTagsForResourceRequest, ListTagsForResourceResponse, Tag, TagResourceRequest, TagResourceResponse,
    UntagResourceRequest, UntagResourceResponse,
};

use super::error::{check, Fault};
use super::{ControlPlane, State};

/// The most tags one resource may carry.
pub(crate) const MAX_TAGS: usize = 200;

impl State {
    /// Whether `arn` names a resource that exists here.
    pub(crate) fn arn_exists(&self, arn: &str) -> bool {
        self.guardrails.values().any(|g| g.arn == arn)
            || self.profiles.values().any(|p| p.arn == arn)
            || self.jobs.values().any(|j| j.arn == arn)
            || self.provisioned.values().any(|p| p.arn == arn)
    }

    /// Merges `tags` into the tags of `arn` (a key given again is replaced).
    pub(crate) fn merge_tags(&mut self, arn: &str, tags: &[Tag]) -> Result<(), Fault> {
        let mut merged = self.tags.get(arn).cloned().unwrap_or_default();
        for tag in tags {
            match merged.iter_mut().find(|t| t.key == tag.key) {
                Some(existing) => existing.value = tag.value.clone(),
                None => merged.push(tag.clone()),
            }
        }
        if merged.len() > MAX_TAGS {
            return Err(Fault::TooManyTags(
                format!(
                    "The resource {arn} would have {} tags; at most {MAX_TAGS} are allowed.",
                    merged.len()
                ),
                arn.to_owned(),
            ));
        }
        self.tags.insert(arn.to_owned(), merged);
        Ok(())
    }

    /// The tags a create request carries, checked before the resource exists.
    pub(crate) fn set_initial_tags(&mut self, arn: &str, tags: Option<&[Tag]>) -> Result<(), Fault> {
        match tags {
            Some(tags) if !tags.is_empty() => self.merge_tags(arn, tags),
            _ => Ok(()),
        }
    }
}

impl ControlPlane {
    /// `TagResource`: adds or replaces tags on any resource created here.
    pub fn tag_resource(&self, input: &TagResourceRequest) -> Result<TagResourceResponse, TagResourceError> {
        check(input)?;
        let mut state = self.lock();
        if !state.arn_exists(&input.resource_arn) {
            return Err(arn_not_found(&input.resource_arn).into());
        }
        state.merge_tags(&input.resource_arn, &input.tags)?;
        Ok(TagResourceResponse::new())
    }

    /// `UntagResource`: removes the given keys (absent keys are ignored).
    pub fn untag_resource(&self, input: &UntagResourceRequest) -> Result<UntagResourceResponse, UntagResourceError> {
        check(input)?;
        let mut state = self.lock();
        if !state.arn_exists(&input.resource_arn) {
            return Err(arn_not_found(&input.resource_arn).into());
        }
        if let Some(tags) = state.tags.get_mut(&input.resource_arn) {
            tags.retain(|t| !input.tag_keys.contains(&t.key));
        }
        Ok(UntagResourceResponse::new())
    }

    /// `ListTagsForResource`: the tags of a resource, in the order they were
    /// first set.
    pub fn list_tags_for_resource(
        &self,
        input: &ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, ListTagsForResourceError> {
        check(input)?;
        let state = self.lock();
        if !state.arn_exists(&input.resource_arn) {
            return Err(arn_not_found(&input.resource_arn).into());
        }
        let mut response = ListTagsForResourceResponse::new();
        response.tags = Some(state.tags.get(&input.resource_arn).cloned().unwrap_or_default());
        Ok(response)
    }
}

fn arn_not_found(arn: &str) -> Fault {
    Fault::NotFound(format!("The resource {arn} was not found."))
}
