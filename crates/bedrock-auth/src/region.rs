//! The region chain: explicit > `AWS_REGION` > `AWS_DEFAULT_REGION` > profile
//! `region`; [`crate::imds::resolve_region_with_imds`] adds instance metadata last.

use std::fmt;

use crate::env::OsContext;
use crate::profile::{ProfileFileError, ProfileSet};

/// Where a region came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegionSource {
    /// Given in code.
    Explicit,
    /// `AWS_REGION`.
    AwsRegion,
    /// `AWS_DEFAULT_REGION`.
    AwsDefaultRegion,
    /// The selected profile's `region`.
    Profile,
    /// EC2 instance metadata.
    Imds,
}

/// A resolved region and its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRegion {
    /// The region, e.g. `us-east-1`.
    pub region: String,
    /// Where it came from.
    pub source: RegionSource,
}

impl fmt::Display for ResolvedRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.region)
    }
}

/// Resolves the region. `Ok(None)` when no source sets one. The files are only
/// read when neither `explicit` nor the environment decide.
pub fn resolve_region(
    explicit: Option<&str>,
    ctx: &OsContext,
    profile_override: Option<&str>,
) -> Result<Option<ResolvedRegion>, ProfileFileError> {
    let found = |region: &str, source| {
        Some(ResolvedRegion {
            region: region.trim().to_owned(),
            source,
        })
    };
    if let Some(region) = explicit.filter(|r| !r.trim().is_empty()) {
        return Ok(found(region, RegionSource::Explicit));
    }
    if let Some(region) = ctx.env.get_non_empty("AWS_REGION") {
        return Ok(found(&region, RegionSource::AwsRegion));
    }
    if let Some(region) = ctx.env.get_non_empty("AWS_DEFAULT_REGION") {
        return Ok(found(&region, RegionSource::AwsDefaultRegion));
    }
    let set = ProfileSet::load(ctx, profile_override)?;
    Ok(set
        .selected_profile()
        .and_then(|p| p.get("region"))
        .and_then(|r| found(r, RegionSource::Profile)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{MapEnv, MapFs};

    #[test]
    fn precedence() {
        let files = MapFs::from_files([("/h/.aws/config", "[profile p]\nregion = eu-central-1\n")]);
        let ctx = |env: &[(&str, &str)]| {
            let mut pairs = vec![("HOME", "/h"), ("AWS_PROFILE", "p")];
            pairs.extend_from_slice(env);
            OsContext::new(MapEnv::from_pairs(pairs), files.clone())
        };
        let all = ctx(&[("AWS_REGION", "us-west-2"), ("AWS_DEFAULT_REGION", "us-east-2")]);
        let r = resolve_region(Some("ap-south-1"), &all, None).unwrap().unwrap();
        assert_eq!((r.region.as_str(), r.source), ("ap-south-1", RegionSource::Explicit));
        let r = resolve_region(None, &all, None).unwrap().unwrap();
        assert_eq!((r.region.as_str(), r.source), ("us-west-2", RegionSource::AwsRegion));
        let r = resolve_region(Some(""), &ctx(&[("AWS_DEFAULT_REGION", "us-east-2")]), None)
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.region.as_str(), r.source),
            ("us-east-2", RegionSource::AwsDefaultRegion)
        );
        let r = resolve_region(None, &ctx(&[]), None).unwrap().unwrap();
        assert_eq!((r.region.as_str(), r.source), ("eu-central-1", RegionSource::Profile));
        assert_eq!(resolve_region(None, &ctx(&[]), Some("other")).unwrap(), None);
    }
}
