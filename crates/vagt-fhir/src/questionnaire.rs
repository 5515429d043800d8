//! QuestionnaireResponse → one score.
//!
//! Decisions, each one place:
//! - **Form.** `questionnaire` names the form by canonical URL; a `|version` suffix is ignored.
//!   Only the forms in [`SCORED_QUESTIONNAIRES`](crate::codes::SCORED_QUESTIONNAIRES) are
//!   scored: the daily symptom questionnaire gives a `symptom_score`, the CAT a `cat_score`.
//!   A response to any other form is rejected (`unknown_questionnaire`).
//! - **Status.** `completed` and `amended` give a measurement; an amended version is a new
//!   version and supersedes the one before. `entered-in-error` retracts what the response gave.
//!   `in-progress` and `stopped` give [`QuestionnaireUpdate::Pending`]: the citizen is still
//!   filling in the form, or left it half done; there is no score yet, and nothing is wrong that
//!   a human must fix, so it is neither a reading nor a rejection. When the form is finished the
//!   server holds a new, `completed` version, and a later pull maps that. A response without a
//!   status is rejected.
//! - **Answers.** Every item of the form must be answered exactly once with a `valueInteger` in
//!   the item's range; items may sit inside groups. A completed form with an unanswered item (a
//!   half-written form sent as done) is rejected rather than summed: a missing answer is not
//!   "as usual", and a low score that only looks low would hide a deterioration. An answered
//!   item the form does not have (another version of the form) is rejected too; unanswered
//!   unknown items (display text, empty groups) are ignored.
//! - **Total.** A form engine may add its own total as an item with linkId `total`
//!   ([`TOTAL_LINK_ID`](crate::codes::TOTAL_LINK_ID)). The answers are the truth: the total is
//!   optional, is never used alone (a response with only a total lacks its items), and when
//!   present must equal the sum of the answers, else the response is rejected for a human.
//! - **Time.** `authored`, which must name an instant (a date alone is rejected, as for an
//!   Observation's effective time).
//! - **Source.** `{base}|QuestionnaireResponse/{id}`, versioned like an Observation
//!   (`meta.versionId`, else `meta.lastUpdated`, else `"1"`). The unit is `{score}`; the
//!   plausible range check in [`vagt_core::IncomingMeasurement::normalise`] then holds by
//!   construction.

use crate::codes::{ScoredQuestionnaire, TOTAL_LINK_ID, questionnaire_for};
use crate::error::Rejected;
use crate::observation::{date_time, version_of};
use crate::reference::resolve_subject;
use crate::types::{
    QuestionnaireResponse, QuestionnaireResponseAnswer, QuestionnaireResponseItem, non_empty, view,
};
use serde_json::Value;
use vagt_core::{CitizenId, IncomingMeasurement, RejectReason, SourceRef};

const TYPE: &str = "QuestionnaireResponse";

/// What one QuestionnaireResponse means for Vagt's readings.
#[derive(Debug, Clone, PartialEq)]
pub enum QuestionnaireUpdate {
    /// The form's score.
    Measurement(IncomingMeasurement),
    /// The source withdrew the response (`entered-in-error`): the reading stored under
    /// `source_id` is no longer valid.
    Retracted { source_id: String },
    /// Not finished (`in-progress`, `stopped`): no reading yet and nothing to reject.
    Pending,
}

/// Maps one QuestionnaireResponse (raw JSON, e.g. a bundle entry's resource) to a score.
///
/// `base` and `citizen_for` work as for [`crate::map_observation`].
pub fn map_questionnaire_response(
    resource: &Value,
    base: &str,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
) -> Result<QuestionnaireUpdate, Rejected> {
    let response: QuestionnaireResponse = view(resource, Some(base))?;
    let Some(id) = non_empty(response.id.as_deref()) else {
        return Err(Rejected::malformed(
            "QuestionnaireResponse has no id",
            Some(TYPE),
            None,
        ));
    };
    let source_id = format!("{base}|{TYPE}/{id}");
    let reject = |reason: RejectReason| Rejected::new(reason, Some(TYPE), Some(source_id.clone()));

    match non_empty(response.status.as_deref()) {
        Some("entered-in-error") => return Ok(QuestionnaireUpdate::Retracted { source_id }),
        Some("in-progress" | "stopped") => return Ok(QuestionnaireUpdate::Pending),
        Some("completed" | "amended") => {}
        Some(other) => {
            return Err(reject(RejectReason::Malformed(format!(
                "QuestionnaireResponse status {other:?} is not a FHIR R4 status"
            ))));
        }
        None => {
            return Err(reject(RejectReason::Malformed(
                "QuestionnaireResponse has no status".into(),
            )));
        }
    }

    let Some(canonical) = non_empty(response.questionnaire.as_deref()) else {
        return Err(reject(RejectReason::Malformed(
            "QuestionnaireResponse does not say which questionnaire it answers".into(),
        )));
    };
    let Some(form) = questionnaire_for(canonical) else {
        return Err(reject(RejectReason::UnknownQuestionnaire(
            canonical.to_owned(),
        )));
    };
    let citizen_id =
        resolve_subject(response.subject.as_ref(), citizen_for, TYPE).map_err(reject)?;
    let authored = non_empty(response.authored.as_deref()).ok_or_else(|| {
        reject(RejectReason::Malformed(
            "QuestionnaireResponse has no authored time".into(),
        ))
    })?;
    let effective_at = date_time(authored, "authored time").map_err(reject)?;
    let score = score(&form, &response.item).map_err(reject)?;

    Ok(QuestionnaireUpdate::Measurement(IncomingMeasurement {
        citizen_id,
        parameter: form.parameter,
        // Scores are at most 40; the conversion is exact.
        value: score as f64,
        unit: form.parameter.canonical_unit().to_owned(),
        effective_at,
        source: SourceRef {
            id: source_id.clone(),
            version: version_of(response.meta.as_ref()),
        },
    }))
}

/// The sum of the form's answers, checked against a `total` item when there is one.
fn score(
    form: &ScoredQuestionnaire,
    items: &[QuestionnaireResponseItem],
) -> Result<i64, RejectReason> {
    let mut answered: Vec<(&str, &[QuestionnaireResponseAnswer])> = Vec::new();
    answered_items(items, &mut answered)?;

    // First, as answers to another form's items say the response is not what it claims.
    if let Some((link_id, _)) = answered
        .iter()
        .find(|(l, answers)| !answers.is_empty() && *l != TOTAL_LINK_ID && !form.items.contains(l))
    {
        return Err(RejectReason::Malformed(format!(
            "item {link_id:?} is not in the questionnaire {}",
            form.canonical
        )));
    }
    let mut sum = 0;
    let mut missing: Vec<&str> = Vec::new();
    for link_id in form.items {
        let mut found = answered.iter().filter(|(l, _)| l == link_id);
        match (found.next(), found.next()) {
            (None, _) => missing.push(link_id),
            (Some(_), Some(_)) => {
                return Err(RejectReason::Malformed(format!(
                    "item {link_id:?} appears more than once"
                )));
            }
            (Some((_, answers)), None) => match one_integer(link_id, answers, form.item_max)? {
                Some(value) => sum += value,
                None => missing.push(link_id),
            },
        }
    }
    if !missing.is_empty() {
        return Err(RejectReason::Malformed(format!(
            "the form is marked done but {} of its {} items are unanswered: {}",
            missing.len(),
            form.items.len(),
            missing.join(", ")
        )));
    }
    let totals: Vec<_> = answered
        .iter()
        .filter(|(l, _)| *l == TOTAL_LINK_ID)
        .collect();
    match totals.as_slice() {
        [] => {}
        [(link_id, answers)] => {
            if let Some(total) = one_integer(link_id, answers, form.max_total())?
                && total != sum
            {
                return Err(RejectReason::Malformed(format!(
                    "the form's total {total} is not the sum of its answers ({sum})"
                )));
            }
        }
        _ => {
            return Err(RejectReason::Malformed(
                "the form has more than one total".into(),
            ));
        }
    }
    Ok(sum)
}

/// Each item that carries answers, or is a question left without one, as (linkId, answers),
/// through groups and answers' follow-up items. Groups and display items are skipped.
fn answered_items<'a>(
    items: &'a [QuestionnaireResponseItem],
    out: &mut Vec<(&'a str, &'a [QuestionnaireResponseAnswer])>,
) -> Result<(), RejectReason> {
    for item in items {
        let link_id = non_empty(item.link_id.as_deref());
        match link_id {
            Some(link_id) if !item.answer.is_empty() || item.item.is_empty() => {
                out.push((link_id, item.answer.as_slice()));
            }
            None if !item.answer.is_empty() => {
                return Err(RejectReason::Malformed(
                    "an answered item has no linkId".into(),
                ));
            }
            _ => {}
        }
        answered_items(&item.item, out)?;
        for answer in &item.answer {
            answered_items(&answer.item, out)?;
        }
    }
    Ok(())
}

/// The item's single integer answer in `0..=max`; `None` when it has no answer.
fn one_integer(
    link_id: &str,
    answers: &[QuestionnaireResponseAnswer],
    max: i64,
) -> Result<Option<i64>, RejectReason> {
    let answer = match answers {
        [] => return Ok(None),
        [answer] => answer,
        more => {
            return Err(RejectReason::Malformed(format!(
                "item {link_id:?} has {} answers; it takes one",
                more.len()
            )));
        }
    };
    let value = match answer.value() {
        Some(("valueInteger", value)) => value.as_i64().ok_or_else(|| {
            RejectReason::Malformed(format!(
                "item {link_id:?} has valueInteger {value}, which is not an integer"
            ))
        })?,
        Some((key, value)) => {
            return Err(RejectReason::Malformed(format!(
                "item {link_id:?} is answered with {key} {value}, not a valueInteger"
            )));
        }
        None => return Ok(None),
    };
    if !(0..=max).contains(&value) {
        return Err(RejectReason::Malformed(format!(
            "item {link_id:?} is answered {value}, outside its range 0..{max}"
        )));
    }
    Ok(Some(value))
}
