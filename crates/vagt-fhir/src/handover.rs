//! The handover's records as Basic resources, both ways: a nurse's note on a citizen
//! (`handover-note`: her severity for a shift, her contingency note) and the receiver's
//! sign-off (`handover-signoff`, about no one citizen: the citizens it presented and signed
//! for are named by their ids, the same at every station). The shift is a Period extension;
//! the instant written, the author and the key travel as on Vagt's other Basic records.

use crate::error::Rejected;
use crate::outbound::{basic, extension};
use crate::records::Reader;
use serde_json::{Value, json};
use vagt_core::handover::notes::MAX_CONTINGENCY_CHARS;
use vagt_core::handover::{
    Contingency, HandoverNote, HandoverSignoff, IllnessSeverity, Judgement, ShiftSpan,
};
use vagt_core::{CitizenId, Timestamp};

/// The code of a Basic resource that records a nurse's note on a citizen in a handover.
pub const HANDOVER_NOTE_CODE: &str = "handover-note";
/// The code of a Basic resource that records a receiver's sign-off of a handover.
pub const HANDOVER_SIGNOFF_CODE: &str = "handover-signoff";

const EXT_SHIFT: &str = "handover-shift";
const EXT_SEVERITY: &str = "illness-severity";
/// The severity code of a nurse's judgement withdrawn (the rule's applies again).
const SEVERITY_RULE: &str = "rule";
const EXT_CONTINGENCY: &str = "contingency";
/// A contingency cleared (FHIR has no empty string to say it with).
const EXT_CONTINGENCY_CLEARED: &str = "contingency-cleared";
const EXT_PRESENTED: &str = "presented";
const EXT_SIGNED: &str = "signed-for";

fn period(shift: ShiftSpan) -> Value {
    extension(
        EXT_SHIFT,
        "valuePeriod",
        json!({"start": shift.from.to_rfc3339(), "end": shift.to.to_rfc3339()}),
    )
}

pub(crate) fn handover_note(subject: Option<Value>, note: &HandoverNote) -> Value {
    let mut extensions = vec![period(note.shift)];
    if let Some(judgement) = note.severity {
        let code = match judgement {
            Judgement::Set(severity) => severity.code(),
            Judgement::Rule => SEVERITY_RULE,
        };
        extensions.push(extension(EXT_SEVERITY, "valueCode", json!(code)));
    }
    match &note.contingency {
        Some(Contingency::Write(text)) => {
            extensions.push(extension(EXT_CONTINGENCY, "valueString", json!(text)));
        }
        Some(Contingency::Clear) => {
            extensions.push(extension(
                EXT_CONTINGENCY_CLEARED,
                "valueBoolean",
                json!(true),
            ));
        }
        None => {}
    }
    let mut resource = basic(
        HANDOVER_NOTE_CODE,
        &note.written_by,
        note.written_at,
        extensions,
    );
    if let Some(subject) = subject {
        resource["subject"] = subject;
    }
    resource
}

pub(crate) fn handover_signoff(signoff: &HandoverSignoff) -> Value {
    let mut extensions = vec![period(signoff.shift)];
    for (name, citizens) in [
        (EXT_PRESENTED, &signoff.presented),
        (EXT_SIGNED, &signoff.signed),
    ] {
        extensions.extend(
            citizens
                .iter()
                .map(|c| extension(name, "valueString", json!(c.as_str()))),
        );
    }
    basic(
        HANDOVER_SIGNOFF_CODE,
        &signoff.signed_by,
        signoff.signed_at,
        extensions,
    )
}

/// The record's common parts: its key, author and instant written.
pub(crate) struct BasicHead {
    pub key: String,
    pub author: String,
    pub at: Timestamp,
}

fn shift_of(r: &Reader<'_>) -> Result<ShiftSpan, Rejected> {
    let period = r
        .extension(EXT_SHIFT, "valuePeriod")
        .ok_or_else(|| r.malformed("no handover-shift period"))?;
    let bound = |name: &str| -> Result<Timestamp, Rejected> {
        let text = period
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| r.malformed(&format!("the shift has no {name}")))?;
        crate::observation::date_time(text, "handover-shift")
            .map_err(|_| r.malformed(&format!("the shift's {name} is no instant")))
    };
    let shift = ShiftSpan {
        from: bound("start")?,
        to: bound("end")?,
    };
    // A shift may end after the record arrives (a note written mid-shift); that it has begun
    // is checked with the record, as at the station that made it.
    shift
        .check()
        .map_err(|_| r.malformed("the shift ends before it begins"))
}

/// The instant a record read from the backend is checked at: when it arrived, and a little
/// clock skew.
fn skewed(received_at: Timestamp) -> Timestamp {
    received_at.plus_millis(vagt_core::reading::CLOCK_SKEW_TOLERANCE_MS)
}

pub(crate) fn read_note(
    r: &Reader<'_>,
    head: BasicHead,
    citizen_id: CitizenId,
    received_at: Timestamp,
) -> Result<HandoverNote, Rejected> {
    let severity = match r.extension(EXT_SEVERITY, "valueCode") {
        None => None,
        Some(code) if code.as_str() == Some(SEVERITY_RULE) => Some(Judgement::Rule),
        Some(code) => Some(Judgement::Set(
            code.as_str()
                .and_then(IllnessSeverity::from_code)
                .ok_or_else(|| r.malformed(&format!("{code} is no illness severity")))?,
        )),
    };
    let contingency = if r.extension(EXT_CONTINGENCY_CLEARED, "valueBoolean") == Some(&json!(true))
    {
        Some(Contingency::Clear)
    } else {
        match r.extension(EXT_CONTINGENCY, "valueString") {
            None => None,
            Some(_) => {
                let text = r.extension_text(EXT_CONTINGENCY)?;
                if text.chars().count() > MAX_CONTINGENCY_CHARS {
                    return Err(r.malformed("the contingency note is too long"));
                }
                Some(Contingency::Write(text))
            }
        }
    };
    HandoverNote {
        key: head.key,
        citizen_id,
        shift: shift_of(r)?,
        severity,
        contingency,
        written_by: head.author,
        written_at: head.at,
    }
    .checked(skewed(received_at))
    .map_err(|problem| r.malformed(&problem.to_string()))
}

pub(crate) fn read_signoff(
    r: &Reader<'_>,
    head: BasicHead,
    received_at: Timestamp,
) -> Result<HandoverSignoff, Rejected> {
    let citizens = |name: &str| -> Result<Vec<CitizenId>, Rejected> {
        r.extensions(name)
            .map(|e| {
                e.get("valueString")
                    .and_then(Value::as_str)
                    .and_then(|id| CitizenId::new(id).ok())
                    .ok_or_else(|| r.malformed(&format!("a {name} extension names no citizen")))
            })
            .collect()
    };
    HandoverSignoff {
        key: head.key,
        shift: shift_of(r)?,
        presented: citizens(EXT_PRESENTED)?,
        signed: citizens(EXT_SIGNED)?,
        signed_by: head.author,
        signed_at: head.at,
    }
    .checked(skewed(received_at))
    .map_err(|problem| r.malformed(&problem.to_string()))
}

#[cfg(test)]
mod tests {
    use crate::records::{BasicRecord, map_basic};
    use vagt_core::outbound::Outbound;
    use vagt_core::{CitizenId, Timestamp};

    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).expect("time")
    }

    fn night() -> ShiftSpan {
        ShiftSpan {
            from: at("2026-12-01T22:00:00Z"),
            to: at("2026-12-02T06:00:00Z"),
        }
    }

    fn pushed(record: &Outbound) -> Value {
        let mut resource = crate::outbound_resource(record, Some("Patient/7"));
        resource["id"] = json!("b1");
        resource["identifier"] =
            json!([{"system": crate::RECORD_IDENTIFIER_SYSTEM, "value": "urn:uuid:k1"}]);
        resource
    }

    fn read(resource: &Value) -> Result<Option<BasicRecord>, Rejected> {
        map_basic(
            resource,
            "http://fhir.test",
            &|reference| (reference == "Patient/7").then(|| CitizenId::new("c7").expect("id")),
            at("2026-12-02T07:00:00Z"),
        )
    }

    fn note(contingency: Option<Contingency>) -> HandoverNote {
        HandoverNote {
            key: "urn:uuid:k1".into(),
            citizen_id: CitizenId::new("c7").expect("id"),
            shift: night(),
            severity: Some(Judgement::Set(IllnessSeverity::Unstable)),
            contingency,
            written_by: "Nattevagt".into(),
            written_at: at("2026-12-02T05:40:00Z"),
        }
    }

    #[test]
    fn a_note_reads_back_as_the_same_note_written_or_cleared() {
        for contingency in [
            Some(Contingency::Write("Hvis SpO2 < 88 %: send MAS".into())),
            Some(Contingency::Clear),
            None,
        ] {
            let note = note(contingency);
            let resource = pushed(&Outbound::HandoverNote(note.clone()));
            assert_eq!(resource["subject"]["reference"], "Patient/7");
            assert_eq!(read(&resource), Ok(Some(BasicRecord::HandoverNote(note))));
        }
        // A judgement withdrawn reads back as withdrawn.
        let mut withdrawn = note(None);
        withdrawn.severity = Some(Judgement::Rule);
        let resource = pushed(&Outbound::HandoverNote(withdrawn.clone()));
        assert_eq!(
            read(&resource),
            Ok(Some(BasicRecord::HandoverNote(withdrawn)))
        );
    }

    #[test]
    fn a_signoff_reads_back_as_the_same_signoff() {
        let signoff = HandoverSignoff {
            key: "urn:uuid:k1".into(),
            shift: night(),
            presented: vec![
                CitizenId::new("c7").expect("id"),
                CitizenId::new("c8").expect("id"),
            ],
            signed: vec![CitizenId::new("c8").expect("id")],
            signed_by: "Dagvagt".into(),
            signed_at: at("2026-12-02T06:10:00Z"),
        };
        let resource = pushed(&Outbound::HandoverSignoff(signoff.clone()));
        assert!(resource.get("subject").is_none());
        assert_eq!(
            read(&resource),
            Ok(Some(BasicRecord::HandoverSignoff(signoff)))
        );
    }

    #[test]
    fn a_broken_note_is_rejected_with_why() {
        let mut resource = pushed(&Outbound::HandoverNote(note(None)));
        let extensions = resource["extension"].as_array_mut().expect("extensions");
        for e in extensions.iter_mut() {
            if e["url"].as_str().is_some_and(|u| u.ends_with(EXT_SEVERITY)) {
                e["valueCode"] = json!("critical");
            }
        }
        let rejected = read(&resource).expect_err("an unknown severity");
        assert!(format!("{rejected:?}").contains("critical"), "{rejected:?}");

        let mut backwards = pushed(&Outbound::HandoverNote(note(None)));
        for e in backwards["extension"].as_array_mut().expect("extensions") {
            if e["url"].as_str().is_some_and(|u| u.ends_with(EXT_SHIFT)) {
                e["valuePeriod"]["end"] = json!("2026-12-01T21:00:00Z");
            }
        }
        assert!(read(&backwards).is_err());

        let mut silent = pushed(&Outbound::HandoverNote(note(None)));
        silent["extension"]
            .as_array_mut()
            .expect("extensions")
            .retain(|e| !e["url"].as_str().is_some_and(|u| u.ends_with(EXT_SEVERITY)));
        let rejected = read(&silent).expect_err("a note that says nothing");
        assert!(
            format!("{rejected:?}").contains("says nothing"),
            "{rejected:?}"
        );
    }
}
