//! The vocabulary of live changes: what an advance is asked to do and what it wrote. Shared by
//! the world that makes the changes, the admin endpoint and [`crate::RunningSim`], so none of
//! them depends on another for it.

use crate::store::Record;
use serde::{Deserialize, Serialize};
use vagt_core::Timestamp;

/// What one [`RunningSim::advance`](crate::RunningSim::advance) does. Counts; each draw is
/// deterministic from the seed and the number of advances so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdvanceSpec {
    /// Measurements made now (a blood pressure may be two Observations).
    pub new_readings: usize,
    /// Measurements made 1-3 days ago that arrive now.
    pub late_readings: usize,
    /// Recent Observations given a new `amended` version with a changed value.
    pub corrections: usize,
    /// Recent Observations given a new `entered-in-error` version.
    pub retractions: usize,
    /// New citizens: a Patient, Conditions and two days of readings.
    pub new_citizens: usize,
    /// New citizens enrolled two days ago who have never measured: a Patient, Conditions and
    /// an EpisodeOfCare, and no reading, ever.
    pub silent_citizens: usize,
    /// Forms answered now: the daily symptom questionnaire, now and then a CAT. The first
    /// finishes a form left in progress, if there is one (a new, `completed` version).
    pub new_responses: usize,
    /// Recent QuestionnaireResponses given a new `amended` version with one answer changed.
    pub amended_responses: usize,
    /// Recent QuestionnaireResponses given a new `entered-in-error` version.
    pub retracted_responses: usize,
}

/// What an advance wrote. Ids are server ids (`o-000123`, `p-0051`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdvanceReport {
    /// Observations measured now (and those of new citizens).
    pub new_readings: Vec<String>,
    pub late_readings: Vec<String>,
    pub corrections: Vec<String>,
    pub retractions: Vec<String>,
    /// Patients of new citizens.
    pub new_patients: Vec<String>,
    /// QuestionnaireResponses answered now (and those of new citizens).
    pub new_responses: Vec<String>,
    pub amended_responses: Vec<String>,
    pub retracted_responses: Vec<String>,
    /// Every version written, in write order (= ascending `lastUpdated`).
    pub changed: Vec<ChangedResource>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChangedResource {
    pub resource_type: String,
    pub id: String,
    pub version_id: String,
    pub last_updated: Timestamp,
}

impl ChangedResource {
    pub(crate) fn of(record: &Record) -> Self {
        ChangedResource {
            resource_type: record.resource_type.to_string(),
            id: record.id.to_string(),
            version_id: record.current.version_id.to_string(),
            last_updated: record.current.last_updated,
        }
    }
}
