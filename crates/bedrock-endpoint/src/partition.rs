//! Partitions (`partitions.json`): which DNS suffixes and variants a region's partition has.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use crate::region_pattern::RegionPattern;
#[cfg(feature = "json")]
use crate::rules::ParseError;
use crate::value::Value;

/// What `aws.partition` returns for a partition, or overrides for one region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PartitionOutputs {
    pub(crate) name: Option<String>,
    pub(crate) dns_suffix: Option<String>,
    pub(crate) dual_stack_dns_suffix: Option<String>,
    pub(crate) implicit_global_region: Option<String>,
    pub(crate) supports_fips: Option<bool>,
    pub(crate) supports_dual_stack: Option<bool>,
}

impl PartitionOutputs {
    /// `self` with the fields `region` sets replaced.
    fn merged(&self, region: &PartitionOutputs) -> PartitionOutputs {
        PartitionOutputs {
            name: region.name.clone().or_else(|| self.name.clone()),
            dns_suffix: region.dns_suffix.clone().or_else(|| self.dns_suffix.clone()),
            dual_stack_dns_suffix: region
                .dual_stack_dns_suffix
                .clone()
                .or_else(|| self.dual_stack_dns_suffix.clone()),
            implicit_global_region: region
                .implicit_global_region
                .clone()
                .or_else(|| self.implicit_global_region.clone()),
            supports_fips: region.supports_fips.or(self.supports_fips),
            supports_dual_stack: region.supports_dual_stack.or(self.supports_dual_stack),
        }
    }

    fn to_value(&self) -> Value {
        let mut fields = BTreeMap::new();
        let mut put_str = |key: &str, v: &Option<String>| {
            if let Some(v) = v {
                fields.insert(key.to_owned(), Value::String(v.clone()));
            }
        };
        put_str("name", &self.name);
        put_str("dnsSuffix", &self.dns_suffix);
        put_str("dualStackDnsSuffix", &self.dual_stack_dns_suffix);
        put_str("implicitGlobalRegion", &self.implicit_global_region);
        if let Some(v) = self.supports_fips {
            fields.insert("supportsFIPS".to_owned(), Value::Bool(v));
        }
        if let Some(v) = self.supports_dual_stack {
            fields.insert("supportsDualStack".to_owned(), Value::Bool(v));
        }
        Value::Record(fields)
    }
}

/// One partition as `partitions.json` describes it.
#[derive(Clone, Debug)]
pub(crate) struct Partition {
    id: String,
    region_regex: String,
    /// `None` when the pattern does not compile (reported by [`Partitions::check`]).
    compiled: Option<Matcher>,
    outputs: PartitionOutputs,
    /// Listed regions, with the outputs they override (usually none).
    regions: Vec<(String, PartitionOutputs)>,
}

impl PartialEq for Partition {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.region_regex == other.region_regex
            && self.outputs == other.outputs
            && self.regions == other.regions
    }
}

/// A partition with id `id`, matching unlisted regions by `region_regex`.
pub(crate) fn partition(
    id: &str,
    region_regex: &str,
    outputs: PartitionOutputs,
    regions: Vec<(String, PartitionOutputs)>,
) -> Partition {
    Partition {
        id: id.to_owned(),
        region_regex: region_regex.to_owned(),
        compiled: Matcher::new(region_regex),
        outputs,
        regions,
    }
}

/// How a partition's `regionRegex` is matched.
#[derive(Clone, Debug)]
enum Matcher {
    /// The subset every built-in pattern is written in (see [`crate::region_pattern`]).
    Pattern(RegionPattern),
    /// Anything else, from a `partitions.json` read at run time.
    #[cfg(feature = "json")]
    Regex(regex_lite::Regex),
}

impl Matcher {
    fn new(pattern: &str) -> Option<Matcher> {
        if let Some(parsed) = RegionPattern::parse(pattern) {
            return Some(Matcher::Pattern(parsed));
        }
        #[cfg(feature = "json")]
        return regex_lite::Regex::new(pattern).ok().map(Matcher::Regex);
        #[cfg(not(feature = "json"))]
        None
    }

    fn is_match(&self, region: &str) -> bool {
        match self {
            Matcher::Pattern(pattern) => pattern.is_match(region),
            #[cfg(feature = "json")]
            Matcher::Regex(regex) => regex.is_match(region),
        }
    }
}

/// A listed region that overrides no outputs.
pub(crate) fn region(id: &str) -> (String, PartitionOutputs) {
    (id.to_owned(), PartitionOutputs::default())
}

/// The partitions `aws.partition` chooses from.
///
/// A region listed by a partition belongs to it; otherwise the first partition
/// whose `regionRegex` matches; otherwise the `aws` partition.
#[derive(Clone, Debug)]
pub struct Partitions {
    partitions: Vec<Partition>,
    /// Listed region -> (partition index, its `aws.partition` value).
    listed: HashMap<String, (usize, Value)>,
    /// Each partition's `aws.partition` value for regions it matches by pattern.
    values: Vec<Value>,
}

impl PartialEq for Partitions {
    fn eq(&self, other: &Self) -> bool {
        self.partitions == other.partitions
    }
}

static BUILTIN: LazyLock<Partitions> = LazyLock::new(crate::generated::partitions::partitions);

impl Partitions {
    pub(crate) fn from_parts(partitions: Vec<Partition>) -> Partitions {
        let mut listed = HashMap::new();
        let mut values = Vec::with_capacity(partitions.len());
        for (index, p) in partitions.iter().enumerate() {
            values.push(p.outputs.to_value());
            for (name, overrides) in &p.regions {
                listed
                    .entry(name.clone())
                    .or_insert_with(|| (index, p.outputs.merged(overrides).to_value()));
            }
        }
        Partitions {
            partitions,
            listed,
            values,
        }
    }

    /// The partitions of the pinned botocore `partitions.json`, compiled in.
    pub fn builtin() -> &'static Partitions {
        &BUILTIN
    }

    /// Reads a `partitions.json` document.
    #[cfg(feature = "json")]
    pub fn from_json(json: &str) -> Result<Partitions, ParseError> {
        let doc: serde_json::Value =
            serde_json::from_str(json).map_err(|e| ParseError::new(DOC, "", format!("not JSON: {e}")))?;
        let list = doc
            .get("partitions")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| ParseError::new(DOC, "", "missing the `partitions` array"))?;
        let mut partitions = Vec::with_capacity(list.len());
        for (i, p) in list.iter().enumerate() {
            let path = format!("partitions[{i}]");
            let field = |key: &str| {
                p.get(key)
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| ParseError::new(DOC, &path, format!("missing the string `{key}`")))
            };
            let id = field("id")?;
            let regex = field("regionRegex")?;
            let outputs = outputs(p.get("outputs"), &format!("{path}.outputs"))?;
            for key in ["name", "dnsSuffix", "dualStackDnsSuffix"] {
                let missing = match key {
                    "name" => outputs.name.is_none(),
                    "dnsSuffix" => outputs.dns_suffix.is_none(),
                    _ => outputs.dual_stack_dns_suffix.is_none(),
                };
                if missing {
                    return Err(ParseError::new(
                        DOC,
                        &format!("{path}.outputs"),
                        format!("missing `{key}`"),
                    ));
                }
            }
            if outputs.supports_fips.is_none() || outputs.supports_dual_stack.is_none() {
                return Err(ParseError::new(
                    DOC,
                    &format!("{path}.outputs"),
                    "missing `supportsFIPS` or `supportsDualStack`",
                ));
            }
            let mut regions = Vec::new();
            if let Some(map) = p.get("regions") {
                let map = map
                    .as_object()
                    .ok_or_else(|| ParseError::new(DOC, &format!("{path}.regions"), "expected an object"))?;
                for (name, overrides) in map {
                    regions.push((
                        name.clone(),
                        self::outputs(Some(overrides), &format!("{path}.regions.{name}"))?,
                    ));
                }
            }
            let built = partition(id, regex, outputs, regions);
            if built.compiled.is_none() {
                return Err(ParseError::new(
                    DOC,
                    &format!("{path}.regionRegex"),
                    format!("`{regex}` is not a regular expression this engine supports"),
                ));
            }
            partitions.push(built);
        }
        Ok(Partitions::from_parts(partitions))
    }

    /// Checks that every region pattern compiles, and without a regex engine: a client's
    /// build has none (only feature `json` brings `regex-lite`).
    #[cfg(test)]
    pub(crate) fn check(&self) -> Result<(), ParseError> {
        for (i, p) in self.partitions.iter().enumerate() {
            if !matches!(p.compiled, Some(Matcher::Pattern(_))) {
                return Err(ParseError::new(
                    DOC,
                    &format!("partitions[{i}].regionRegex"),
                    format!("`{}` does not compile", p.region_regex),
                ));
            }
        }
        Ok(())
    }

    /// What `aws.partition(region)` returns.
    pub(crate) fn partition_value(&self, region: &str) -> Option<Value> {
        if let Some((_, value)) = self.listed.get(region) {
            return Some(value.clone());
        }
        let index = self
            .partitions
            .iter()
            .position(|p| p.compiled.as_ref().is_some_and(|re| re.is_match(region)))
            .or_else(|| self.partitions.iter().position(|p| p.id == "aws"))?;
        Some(self.values[index].clone())
    }

    /// The id of the partition `region` belongs to (`aws`, `aws-cn`, ...), by the same rules as `aws.partition`.
    pub fn partition_of(&self, region: &str) -> Option<&str> {
        let index = match self.listed.get(region) {
            Some((index, _)) => *index,
            None => self
                .partitions
                .iter()
                .position(|p| p.compiled.as_ref().is_some_and(|re| re.is_match(region)))
                .or_else(|| self.partitions.iter().position(|p| p.id == "aws"))?,
        };
        Some(&self.partitions[index].id)
    }

    /// Whether `host` is under one of the partitions' DNS suffixes (an AWS-operated name).
    pub(crate) fn is_aws_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.partitions.iter().any(|p| {
            let suffixes = [&p.outputs.dns_suffix, &p.outputs.dual_stack_dns_suffix];
            suffixes.into_iter().flatten().any(|suffix| {
                host == *suffix
                    || host
                        .strip_suffix(suffix.as_str())
                        .is_some_and(|head| head.ends_with('.'))
            })
        })
    }
}

#[cfg(feature = "json")]
const DOC: &str = "partitions document";

#[cfg(feature = "json")]
fn outputs(json: Option<&serde_json::Value>, path: &str) -> Result<PartitionOutputs, ParseError> {
    let Some(json) = json else {
        return Err(ParseError::new(DOC, path, "missing"));
    };
    let map = json
        .as_object()
        .ok_or_else(|| ParseError::new(DOC, path, "expected an object"))?;
    let text = |key: &str| -> Result<Option<String>, ParseError> {
        match map.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(s.to_owned()))
                .ok_or_else(|| ParseError::new(DOC, &format!("{path}.{key}"), "expected a string")),
        }
    };
    let flag = |key: &str| -> Result<Option<bool>, ParseError> {
        match map.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| ParseError::new(DOC, &format!("{path}.{key}"), "expected a boolean")),
        }
    };
    Ok(PartitionOutputs {
        name: text("name")?,
        dns_suffix: text("dnsSuffix")?,
        dual_stack_dns_suffix: text("dualStackDnsSuffix")?,
        implicit_global_region: text("implicitGlobalRegion")?,
        supports_fips: flag("supportsFIPS")?,
        supports_dual_stack: flag("supportsDualStack")?,
    })
}
