//! The clinic's default plans (`plans/defaults.toml`): a common layer and one per diagnosis.

use crate::citizen::Diagnosis;
use crate::plan::document::{
    DocumentFormat, PlanDocument, RawDefaults, RelativeEntry, check_version, parse_text,
};
use crate::plan::error::PlanError;
use crate::plan::overlay::{merge_tighter, overlay};
use crate::plan::resolution::{TriagePlan, resolve};
use crate::plan::validation::checked;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The shipped default plans, `crates/vagt-core/plans/defaults.toml`.
pub const DEFAULTS_TOML: &str = include_str!("../../plans/defaults.toml");

/// The clinic's defaults: a `common` layer and one layer per diagnosis group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DefaultPlans {
    pub common: PlanDocument,
    pub groups: BTreeMap<Diagnosis, PlanDocument>,
}

static BUILTIN: LazyLock<Result<DefaultPlans, PlanError>> =
    LazyLock::new(|| DefaultPlans::parse(DEFAULTS_TOML, DocumentFormat::Toml));

impl DefaultPlans {
    /// Parses a defaults file and checks that every combination of diagnoses resolves to a
    /// valid plan, so that [`DefaultPlans::defaults_for`] cannot produce a broken one.
    pub fn parse(text: &str, format: DocumentFormat) -> Result<DefaultPlans, PlanError> {
        let raw: RawDefaults = parse_text(text, format)?;
        check_version(raw.version)?;
        let common = checked(raw.common, "common.")?;
        let mut groups = BTreeMap::new();
        for (diagnosis, layer) in [
            (Diagnosis::Copd, raw.copd),
            (Diagnosis::HeartFailure, raw.heart_failure),
            (Diagnosis::Diabetes, raw.diabetes),
        ] {
            if let Some(layer) = layer {
                let prefix = format!("{}.", diagnosis.code());
                groups.insert(diagnosis, checked(layer, &prefix)?);
            }
        }
        let plans = DefaultPlans { common, groups };
        plans.check_conflicts()?;
        let all: Vec<Diagnosis> = plans.groups.keys().copied().collect();
        for mask in 0u32..(1 << all.len()) {
            let subset: Vec<Diagnosis> = all
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, d)| *d)
                .collect();
            resolve(&plans.defaults_for(&subset), &PlanDocument::default())?;
        }
        Ok(plans)
    }

    /// The shipped defaults ([`DEFAULTS_TOML`]), parsed once.
    pub fn builtin() -> Result<&'static DefaultPlans, PlanError> {
        BUILTIN.as_ref().map_err(Clone::clone)
    }

    fn check_conflicts(&self) -> Result<(), PlanError> {
        let mut first_seen: BTreeMap<&str, (Diagnosis, &RelativeEntry)> = BTreeMap::new();
        for (diagnosis, layer) in &self.groups {
            for rule in &layer.relative {
                if let Some((first, earlier)) = first_seen.get(rule.id.as_str()) {
                    if both_differ(earlier.parameter, rule.parameter)
                        || both_differ(earlier.kind, rule.kind)
                    {
                        return Err(PlanError::ConflictingRule {
                            id: rule.id.clone(),
                            first: first.code(),
                            second: diagnosis.code(),
                        });
                    }
                } else {
                    first_seen.insert(rule.id.as_str(), (*diagnosis, rule));
                }
            }
        }
        Ok(())
    }

    /// `common`, overlaid by the tighter merge of the groups of `diagnoses` (duplicates and
    /// diagnoses without a section are ignored).
    pub fn defaults_for(&self, diagnoses: &[Diagnosis]) -> PlanDocument {
        let mut wanted: Vec<Diagnosis> = diagnoses.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let merged = wanted
            .iter()
            .filter_map(|d| self.groups.get(d))
            .fold(None::<PlanDocument>, |acc, layer| {
                Some(match acc {
                    None => layer.clone(),
                    Some(acc) => merge_tighter(&acc, layer),
                })
            })
            .unwrap_or_default();
        overlay(&self.common, &merged)
    }
}

fn both_differ<T: PartialEq>(a: Option<T>, b: Option<T>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x != y)
}

/// The shipped defaults for a citizen with these diagnoses.
pub fn defaults_for(diagnoses: &[Diagnosis]) -> Result<PlanDocument, PlanError> {
    Ok(DefaultPlans::builtin()?.defaults_for(diagnoses))
}

impl TriagePlan {
    /// The built-in defaults for these diagnoses with no overrides.
    pub fn defaults(diagnoses: &[Diagnosis]) -> Result<TriagePlan, PlanError> {
        resolve(&defaults_for(diagnoses)?, &PlanDocument::default())
    }
}
