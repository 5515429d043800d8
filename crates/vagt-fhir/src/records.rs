//! Vagt's own records read back from the backend, as every station reads them: a nurse's
//! confirmed ECM level (ClinicalImpression), a plan revision and a shared setting (Basic), and
//! a citizen's enrolment (EpisodeOfCare). See [`crate::outbound_resource`] for the way out.
//!
//! A resource that is not one of Vagt's (another system's ClinicalImpression or Basic) is
//! passed over, `Ok(None)`: a backend holds many. One coded as Vagt's that cannot be read is
//! rejected with why, and kept for a human.
//!
//! A record's key is its identifier in [`RECORD_IDENTIFIER_SYSTEM`] (Vagt pushes every record
//! under its key); one without (made by hand on the server) is keyed by its resource,
//! `{base}|{type}/{id}`, the same at every station.

use crate::error::Rejected;
use crate::handover::{BasicHead, HANDOVER_NOTE_CODE, HANDOVER_SIGNOFF_CODE};
use crate::observation::{date_time, version_of};
use crate::outbound::{
    CALL_CODE, CALL_LINK_CODE, ECM_LEVEL_CODE, ECM_LEVEL_SYSTEM, EXT_BASED_ON, EXT_CALL_RECORD,
    EXT_CHANGED_AT, EXT_LINKED_CALL, EXT_PLAN_DOCUMENT, EXT_REASON, EXT_REVISION, EXT_SETTING_NAME,
    EXT_SETTING_VALUE, EXTENSION_BASE, PLAN_REVISION_CODE, RECORD_IDENTIFIER_SYSTEM,
    SHARED_SETTING_CODE,
};
use crate::reference::resolve_subject;
use crate::types::{Meta, Reference, non_empty};
use serde_json::Value;
use vagt_core::alarm::VAGT_CODE_SYSTEM;
use vagt_core::outbound::{LevelDecisionRecord, PlanRevisionRecord, SharedSettingRecord};
use vagt_core::reading::CLOCK_SKEW_TOLERANCE_MS;
use vagt_core::{
    CitizenId, EcmLevel, Enrolment, EnrolmentStatus, RejectReason, SourceRef, Timestamp,
};

/// A Vagt record kept in a Basic resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BasicRecord {
    PlanRevision(PlanRevisionRecord),
    SharedSetting(SharedSettingRecord),
    CallLink(vagt_core::person::CallLink),
    HandoverNote(vagt_core::handover::HandoverNote),
    HandoverSignoff(vagt_core::handover::HandoverSignoff),
}

/// The longest plan document or setting value accepted (a plan is a few kilobytes).
pub const MAX_RECORD_TEXT_BYTES: usize = 256 * 1024;

fn vagt_code(resource: &Value) -> Option<&str> {
    resource
        .pointer("/code/coding")?
        .as_array()?
        .iter()
        .find(|c| c.get("system").and_then(Value::as_str) == Some(VAGT_CODE_SYSTEM))?
        .get("code")?
        .as_str()
}

pub(crate) fn str_at<'a>(resource: &'a Value, pointer: &str) -> Option<&'a str> {
    non_empty(resource.pointer(pointer).and_then(Value::as_str))
}

/// Reads one resource of Vagt's, with the rejection it earns when a part is wrong.
pub(crate) struct Reader<'a> {
    resource: &'a Value,
    resource_type: &'static str,
    source_id: Option<String>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(resource: &'a Value, resource_type: &'static str, base: &str) -> Self {
        let source_id = str_at(resource, "/id").map(|id| format!("{base}|{resource_type}/{id}"));
        Reader {
            resource,
            resource_type,
            source_id,
        }
    }

    fn reject(&self, reason: RejectReason) -> Rejected {
        Rejected::new(reason, Some(self.resource_type), self.source_id.clone())
    }

    pub(crate) fn malformed(&self, why: &str) -> Rejected {
        self.reject(RejectReason::Malformed(format!(
            "{}: {why}",
            self.resource_type
        )))
    }

    /// The record's key: its identifier in the record system, else its resource.
    pub(crate) fn key(&self) -> Result<String, Rejected> {
        let from_identifier = self
            .resource
            .get("identifier")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|i| i.get("system").and_then(Value::as_str) == Some(RECORD_IDENTIFIER_SYSTEM))
            .and_then(|i| non_empty(i.get("value").and_then(Value::as_str)));
        from_identifier
            .map(str::to_owned)
            .or_else(|| self.source_id.clone())
            .ok_or_else(|| self.malformed("no identifier and no id"))
    }

    pub(crate) fn citizen(
        &self,
        pointer: &str,
        citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
    ) -> Result<CitizenId, Rejected> {
        let reference = self
            .resource
            .pointer(pointer)
            .map(|v| serde_json::from_value::<Reference>(v.clone()))
            .transpose()
            .map_err(|_| self.malformed(&format!("{pointer} is not a reference")))?;
        resolve_subject(reference.as_ref(), citizen_for, self.resource_type)
            .map_err(|reason| self.reject(reason))
    }

    pub(crate) fn text(&self, pointer: &str, what: &str) -> Result<String, Rejected> {
        let text =
            str_at(self.resource, pointer).ok_or_else(|| self.malformed(&format!("no {what}")))?;
        self.bounded(text, what)
    }

    pub(crate) fn bounded(&self, text: &str, what: &str) -> Result<String, Rejected> {
        if text.len() > MAX_RECORD_TEXT_BYTES {
            return Err(self.reject(RejectReason::TooLong {
                field: "record text",
                length: text.chars().count(),
                max: MAX_RECORD_TEXT_BYTES,
            }));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(self.malformed(&format!("{what} holds control characters")));
        }
        Ok(text.to_owned())
    }

    /// An instant no later than `received_at` (and a little clock skew).
    pub(crate) fn instant(
        &self,
        text: &str,
        what: &str,
        received_at: Timestamp,
    ) -> Result<Timestamp, Rejected> {
        let at = date_time(text, what).map_err(|reason| self.reject(reason))?;
        if at > received_at.plus_millis(CLOCK_SKEW_TOLERANCE_MS) {
            return Err(self.reject(RejectReason::FromTheFuture {
                effective_at: at,
                received_at,
            }));
        }
        Ok(at)
    }

    pub(crate) fn extensions(&self, name: &str) -> impl Iterator<Item = &'a Value> + use<'a> {
        let url = format!("{EXTENSION_BASE}{name}");
        self.resource
            .get("extension")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(move |e| e.get("url").and_then(Value::as_str) == Some(url.as_str()))
    }

    pub(crate) fn extension(&self, name: &str, value_type: &str) -> Option<&'a Value> {
        self.extensions(name).next().and_then(|e| e.get(value_type))
    }

    pub(crate) fn extension_text(&self, name: &str) -> Result<String, Rejected> {
        // Kept as written (a document's last newline included); only a blank one is refused.
        let text = self
            .extension(name, "valueString")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| self.malformed(&format!("no {name} extension")))?;
        self.bounded(text, name)
    }
}

/// A nurse's confirmed level from a ClinicalImpression coded `ecm-level` in
/// [`VAGT_CODE_SYSTEM`]; `Ok(None)` for any other ClinicalImpression.
pub fn map_level_decision(
    resource: &Value,
    base: &str,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
    received_at: Timestamp,
) -> Result<Option<LevelDecisionRecord>, Rejected> {
    if vagt_code(resource) != Some(ECM_LEVEL_CODE) {
        return Ok(None);
    }
    let r = Reader::new(resource, "ClinicalImpression", base);
    if str_at(resource, "/status") == Some("entered-in-error") {
        return Err(r.malformed("a confirmed level entered in error is for a nurse to undo"));
    }
    let key = r.key()?;
    let citizen_id = r.citizen("/subject", citizen_for)?;
    let level_text = resource
        .get("finding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| f.pointer("/itemCodeableConcept/coding")?.as_array())
        .flatten()
        .find(|c| c.get("system").and_then(Value::as_str) == Some(ECM_LEVEL_SYSTEM))
        .and_then(|c| c.get("code").and_then(Value::as_str))
        .or_else(|| str_at(resource, "/summary"))
        .ok_or_else(|| r.malformed("no ECM level in finding or summary"))?;
    let level = level_text
        .trim()
        .strip_prefix("ECM")
        .and_then(|n| n.parse::<i64>().ok())
        .and_then(|n| EcmLevel::new(n).ok())
        .ok_or_else(|| r.malformed(&format!("{level_text:?} is no ECM level (ECM1 to ECM6)")))?;
    let date = str_at(resource, "/date").ok_or_else(|| r.malformed("no date"))?;
    Ok(Some(LevelDecisionRecord {
        citizen_id,
        key,
        level,
        nurse: r.text("/assessor/display", "assessor")?,
        at: r.instant(date, "date", received_at)?,
        reason: r.text("/note/0/text", "reason (note)")?,
    }))
}

/// A plan revision or a shared setting from a Basic resource coded as one in
/// [`VAGT_CODE_SYSTEM`]; `Ok(None)` for any other Basic.
pub fn map_basic(
    resource: &Value,
    base: &str,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
    received_at: Timestamp,
) -> Result<Option<BasicRecord>, Rejected> {
    let code = vagt_code(resource);
    let Some(code) = code.filter(|c| {
        [
            PLAN_REVISION_CODE,
            SHARED_SETTING_CODE,
            CALL_LINK_CODE,
            HANDOVER_NOTE_CODE,
            HANDOVER_SIGNOFF_CODE,
        ]
        .contains(c)
    }) else {
        return Ok(None);
    };
    let r = Reader::new(resource, "Basic", base);
    let key = r.key()?;
    let changed_by = r.text("/author/display", "author")?;
    let changed_at = r
        .extension(EXT_CHANGED_AT, "valueDateTime")
        .and_then(Value::as_str)
        .ok_or_else(|| r.malformed("no changed-at extension"))?;
    let changed_at = r.instant(changed_at, "changed-at", received_at)?;
    let head = BasicHead {
        key,
        author: changed_by,
        at: changed_at,
    };
    if code == HANDOVER_NOTE_CODE {
        let citizen = r.citizen("/subject", citizen_for)?;
        let note = crate::handover::read_note(&r, head, citizen, received_at)?;
        return Ok(Some(BasicRecord::HandoverNote(note)));
    }
    if code == HANDOVER_SIGNOFF_CODE {
        let signoff = crate::handover::read_signoff(&r, head, received_at)?;
        return Ok(Some(BasicRecord::HandoverSignoff(signoff)));
    }
    let BasicHead {
        key,
        author: changed_by,
        at: changed_at,
    } = head;
    if code == CALL_LINK_CODE {
        let call_key = r
            .extension(EXT_LINKED_CALL, "valueReference")
            .and_then(|v| v.pointer("/identifier/value"))
            .and_then(Value::as_str)
            .and_then(|t| non_empty(Some(t)))
            .ok_or_else(|| r.malformed("a call link names no call"))?;
        return Ok(Some(BasicRecord::CallLink(vagt_core::person::CallLink {
            key,
            call_key: r.bounded(call_key, "linked call")?,
            citizen_id: r.citizen("/subject", citizen_for)?,
            linked_by: changed_by,
            linked_at: changed_at,
        })));
    }
    if code == SHARED_SETTING_CODE {
        let value = r.extension_text(EXT_SETTING_VALUE)?;
        if serde_json::from_str::<Value>(&value).is_err() {
            return Err(r.malformed("the setting's value is not JSON"));
        }
        return Ok(Some(BasicRecord::SharedSetting(SharedSettingRecord {
            key,
            name: r.extension_text(EXT_SETTING_NAME)?,
            value,
            changed_at,
            changed_by,
        })));
    }
    let revision = r
        .extension(EXT_REVISION, "valueInteger")
        .and_then(Value::as_i64)
        .filter(|n| *n >= 1)
        .ok_or_else(|| r.malformed("no revision number (1 or more)"))?;
    let bases = r
        .extensions(EXT_BASED_ON)
        .map(|e| {
            e.get("valueString")
                .and_then(Value::as_str)
                .and_then(|t| non_empty(Some(t)))
                .map(str::to_owned)
                .ok_or_else(|| r.malformed("a based-on extension names no revision"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(BasicRecord::PlanRevision(PlanRevisionRecord {
        citizen_id: r.citizen("/subject", citizen_for)?,
        key,
        bases,
        revision,
        document: r.extension_text(EXT_PLAN_DOCUMENT)?,
        changed_at,
        changed_by,
        reason: r.extension_text(EXT_REASON)?,
    })))
}

/// A citizen's enrolment from an EpisodeOfCare. Every EpisodeOfCare of a known patient is
/// taken as an enrolment in the clinic's monitoring: the backend holds Vagt's citizens' episodes
/// of telemedicine care. A start or end given as a date (no time of day) is taken as midnight
/// UTC of that date.
pub fn map_episode_of_care(
    resource: &Value,
    base: &str,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
    received_at: Timestamp,
) -> Result<Enrolment, Rejected> {
    let r = Reader::new(resource, "EpisodeOfCare", base);
    let Some(source_id) = r.source_id.clone() else {
        return Err(r.malformed("no id"));
    };
    let meta: Option<Meta> = resource
        .get("meta")
        .and_then(|m| serde_json::from_value(m.clone()).ok());
    let status_text = str_at(resource, "/status").ok_or_else(|| r.malformed("no status"))?;
    let status = EnrolmentStatus::from_fhir(status_text)
        .ok_or_else(|| r.malformed(&format!("unknown status {status_text:?}")))?;
    let moment = |pointer: &str, what: &str| -> Result<Option<Timestamp>, Rejected> {
        let Some(text) = str_at(resource, pointer) else {
            return Ok(None);
        };
        let text = if text.len() == 10 && !text.contains('T') {
            format!("{text}T00:00:00Z")
        } else {
            text.to_owned()
        };
        r.instant(&text, what, received_at).map(Some)
    };
    let start = moment("/period/start", "period.start")?;
    let end = moment("/period/end", "period.end")?;
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(r.malformed("period.end is before period.start"));
    }
    Ok(Enrolment {
        source: SourceRef {
            id: source_id,
            version: version_of(meta.as_ref()),
        },
        citizen_id: r.citizen("/patient", citizen_for)?,
        status,
        start,
        end,
    })
}

/// A telephone call from a Communication categorised as a call in [`VAGT_CODE_SYSTEM`] with
/// the call's record in its extension; `Ok(None)` for any other Communication. The record's
/// key must be the resource's, and its citizen the one the subject names.
pub fn map_call(
    resource: &Value,
    base: &str,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
    received_at: Timestamp,
) -> Result<Option<vagt_core::call::CallRecord>, Rejected> {
    let is_call = resource
        .get("category")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("coding")?.as_array())
        .flatten()
        .any(|c| {
            c.get("system").and_then(Value::as_str) == Some(VAGT_CODE_SYSTEM)
                && c.get("code").and_then(Value::as_str) == Some(CALL_CODE)
        });
    if !is_call {
        return Ok(None);
    }
    let r = Reader::new(resource, "Communication", base);
    if str_at(resource, "/status") == Some("entered-in-error") {
        return Err(r.malformed("a call entered in error is for a nurse to look at"));
    }
    let key = r.key()?;
    let text = r.extension_text(EXT_CALL_RECORD)?;
    let call: vagt_core::call::CallRecord = serde_json::from_str(&text)
        .map_err(|e| r.malformed(&format!("the call record cannot be read: {e}")))?;
    if call.key != key {
        return Err(r.malformed("the call record's key is not the resource's"));
    }
    if resource.get("subject").is_some_and(|s| !s.is_null()) {
        let citizen = r.citizen("/subject", citizen_for)?;
        if call.citizen_id.as_ref() != Some(&citizen) {
            return Err(r.malformed("the call record's citizen is not the subject"));
        }
    }
    let problems = call.problems(received_at);
    if let Some(first) = problems.first() {
        return Err(r.malformed(&format!(
            "the call cannot be kept: {} ({})",
            first.field,
            first.code.code()
        )));
    }
    Ok(Some(call))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::outbound_resource;
    use serde_json::json;
    use vagt_core::outbound::Outbound;

    const BASE: &str = "https://srv/fhir";

    fn citizen_for(reference: &str) -> Option<CitizenId> {
        (reference == "Patient/7").then(|| CitizenId::new("c7").unwrap())
    }

    fn received() -> Timestamp {
        Timestamp::from_millis(1_767_571_200_000 + 86_400_000)
    }

    fn pushed(record: &Outbound, key: &str) -> Value {
        let mut resource = outbound_resource(record, Some("Patient/7"));
        resource["id"] = json!("9");
        resource["identifier"] = json!([{ "system": RECORD_IDENTIFIER_SYSTEM, "value": key }]);
        resource
    }

    #[test]
    fn a_call_link_reads_back_as_the_same_link() {
        let link = vagt_core::person::CallLink {
            key: "urn:uuid:l1".into(),
            call_key: "urn:uuid:call-1".into(),
            citizen_id: CitizenId::new("c7").unwrap(),
            linked_by: "anne".into(),
            linked_at: Timestamp::from_millis(1_767_571_200_123),
        };
        let resource = pushed(&Outbound::CallLink(link.clone()), "urn:uuid:l1");
        assert_eq!(
            map_basic(&resource, BASE, &citizen_for, received()),
            Ok(Some(BasicRecord::CallLink(link)))
        );
        let mut bad = resource;
        bad["extension"][1]["valueReference"] = json!({"display": "a call"});
        let error = map_basic(&bad, BASE, &citizen_for, received()).unwrap_err();
        assert!(error.to_string().contains("names no call"), "{error}");
    }

    #[test]
    fn a_confirmed_level_reads_back_as_the_same_decision() {
        let decision = LevelDecisionRecord {
            citizen_id: CitizenId::new("c7").unwrap(),
            key: "urn:uuid:d1".into(),
            level: EcmLevel::ECM4,
            nurse: "anne".into(),
            at: Timestamp::from_millis(1_767_571_200_000),
            reason: "MAS-besøg".into(),
        };
        let resource = pushed(&Outbound::ConfirmedLevel(decision.clone()), "urn:uuid:d1");
        assert_eq!(
            map_level_decision(&resource, BASE, &citizen_for, received()),
            Ok(Some(decision))
        );
        let mut other = resource.clone();
        other["code"] = json!({"coding": [{"system": "http://snomed.info/sct", "code": "1"}]});
        assert_eq!(
            map_level_decision(&other, BASE, &citizen_for, received()),
            Ok(None)
        );
        let mut bad = resource;
        bad["finding"] = json!([]);
        bad["summary"] = json!("ECM9");
        let error = map_level_decision(&bad, BASE, &citizen_for, received()).unwrap_err();
        assert!(error.to_string().contains("ECM9"), "{error}");
    }

    #[test]
    fn a_plan_revision_and_a_setting_read_back_as_the_same_records() {
        let revision = PlanRevisionRecord {
            citizen_id: CitizenId::new("c7").unwrap(),
            key: "urn:uuid:p2".into(),
            bases: vec!["urn:uuid:p1".into()],
            revision: 2,
            document: "[limits.spo2]\nred_below = 86.0\n".into(),
            changed_at: Timestamp::from_millis(1_767_571_200_123),
            changed_by: "anne".into(),
            reason: "aftalt med egen læge".into(),
        };
        let resource = pushed(&Outbound::PlanRevision(revision.clone()), "urn:uuid:p2");
        assert_eq!(resource["created"], "2026-01-05");
        assert_eq!(
            map_basic(&resource, BASE, &citizen_for, received()),
            Ok(Some(BasicRecord::PlanRevision(revision)))
        );
        let setting = SharedSettingRecord {
            key: "urn:uuid:s1".into(),
            name: "escalation_policy".into(),
            value: r#"{"high":null}"#.into(),
            changed_at: Timestamp::from_millis(1_767_571_200_000),
            changed_by: "operator".into(),
        };
        let resource = pushed(&Outbound::SharedSetting(setting.clone()), "urn:uuid:s1");
        assert_eq!(
            map_basic(&resource, BASE, &citizen_for, received()),
            Ok(Some(BasicRecord::SharedSetting(setting)))
        );
        // From the future, or with no document: kept for a human, with why.
        let mut future = pushed(
            &Outbound::SharedSetting(SharedSettingRecord {
                key: "urn:uuid:s2".into(),
                name: "escalation_policy".into(),
                value: "{}".into(),
                changed_at: received().plus_millis(3_600_000),
                changed_by: "operator".into(),
            }),
            "urn:uuid:s2",
        );
        assert_eq!(
            map_basic(&future, BASE, &citizen_for, received())
                .unwrap_err()
                .reason
                .code(),
            "from_the_future"
        );
        future["extension"] = json!([]);
        assert!(map_basic(&future, BASE, &citizen_for, received()).is_err());
        assert_eq!(
            map_basic(
                &json!({"resourceType": "Basic", "id": "x", "code": {"text": "other"}}),
                BASE,
                &citizen_for,
                received()
            ),
            Ok(None)
        );
    }

    #[test]
    fn an_episode_of_care_is_an_enrolment_from_its_start() {
        let episode = json!({
            "resourceType": "EpisodeOfCare", "id": "e1", "meta": {"versionId": "3"},
            "status": "active", "patient": {"reference": "Patient/7"},
            "period": {"start": "2026-01-02"},
        });
        let enrolment = map_episode_of_care(&episode, BASE, &citizen_for, received()).unwrap();
        assert_eq!(enrolment.source.id, format!("{BASE}|EpisodeOfCare/e1"));
        assert_eq!(enrolment.source.version, "3");
        assert_eq!(enrolment.status, EnrolmentStatus::Active);
        assert_eq!(
            enrolment.start,
            Some(Timestamp::parse_rfc3339("2026-01-02T00:00:00Z").unwrap())
        );
        let mut unknown = episode.clone();
        unknown["patient"] = json!({"reference": "Patient/8"});
        assert_eq!(
            map_episode_of_care(&unknown, BASE, &citizen_for, received())
                .unwrap_err()
                .reason
                .code(),
            "unknown_citizen"
        );
        let mut backwards = episode;
        backwards["period"]["end"] = json!("2025-12-01");
        assert!(map_episode_of_care(&backwards, BASE, &citizen_for, received()).is_err());
    }
}
