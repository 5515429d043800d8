//! HL7 FHIR R4 JSON at Vagt's edge: the few resource shapes a sync reads, and their mapping
//! into Vagt's domain. Measurements arrive as Observations and, for the clinic's scored forms
//! (the daily symptom questionnaire, the CAT), as QuestionnaireResponses; MAS visits,
//! admissions and discharges arrive as Encounters.
//!
//! The telemedicine backend (the Danish national eHealth infrastructure "FUT", or any FHIR R4
//! server) codes measurements in NPU/DNK, MedCom, LOINC or IEEE 11073 MDC terms; [`codes`]
//! folds them onto Vagt's [`Parameter`](vagt_core::Parameter)s. Everything here is a pure
//! function, so the mapping is tested exactly and without a server. Input comes from the
//! network: a resource that does not fit becomes a [`Rejected`] value with a
//! [`RejectReason`](vagt_core::RejectReason) a human can act on, never a panic. Units are passed
//! through as the source gave them; [`vagt_core::IncomingMeasurement::normalise`] converts them.

mod bundle;
mod capability;
pub mod codes;
mod condition;
mod dispatch;
mod encounter;
mod error;
mod handover;
mod medication;
mod observation;
mod outbound;
mod page;
mod patient;
mod questionnaire;
mod records;
mod reference;
pub mod subscription;
mod task;
mod types;
mod visit;

pub use bundle::{
    Bundle, BundleEntry, BundleEntryRequest, BundleEntryResponse, BundleEntrySearch, BundleLink,
    parse_bundle,
};
pub use capability::{
    CapabilityExtension, CapabilityInteraction, CapabilityResource, CapabilityRest,
    CapabilitySearchParam, CapabilitySoftware, CapabilityStatement,
};
pub use codes::{
    CodeMeaning, ScoredQuestionnaire, diagnosis_for, loinc_for, meaning_of, parameter_for,
    questionnaire_for,
};
pub use condition::map_condition;
pub use dispatch::{DISPATCH_STATE_SYSTEM, is_dispatch_task, map_dispatch_task, version_id};
pub use encounter::{ACUTE_BED_CODE, map_encounter};
pub use error::{FhirError, Rejected};
pub use handover::{HANDOVER_NOTE_CODE, HANDOVER_SIGNOFF_CODE};
pub use medication::{ATC_SYSTEM, map_medication_request};
pub use observation::{ObservationUpdate, map_observation, retraction_covers};
pub use outbound::{
    CALL_LINK_CODE, ECM_LEVEL_CODE, ECM_LEVEL_SYSTEM, EXTENSION_BASE, PLAN_REVISION_CODE,
    RECORD_IDENTIFIER_SYSTEM, SHARED_SETTING_CODE, outbound_resource,
};
pub use page::{BrokenEntry, NotABundle, Page, PageResource, read_page};
pub use patient::{
    MAS_ONLY_TAG, MAX_ADDRESS_CHARS, MAX_NAME_CHARS, MAX_PHONE_CHARS, PatientRecord, map_patient,
    person_patient,
};
/// The CPR number's identifier system, which a person added at a station is created under.
pub const CPR_SYSTEM: &str = codes::system::CPR;
pub use questionnaire::{QuestionnaireUpdate, map_questionnaire_response};
pub use records::{
    BasicRecord, MAX_RECORD_TEXT_BYTES, map_basic, map_call, map_episode_of_care,
    map_level_decision,
};
pub use reference::{local_reference, split_reference};
pub use task::map_acknowledgement_task;
pub use types::{
    Address, CodeableConcept, Coding, Condition, ContactPoint, Encounter, HumanName, Identifier,
    Meta, Observation, ObservationComponent, OperationOutcome, OperationOutcomeIssue, Patient,
    Period, Quantity, QuestionnaireResponse, QuestionnaireResponseAnswer,
    QuestionnaireResponseItem, Reference, Resource, parse_resource, resource_from_value,
    resource_type_of,
};
pub use visit::{
    VISIT_PART_SYSTEM, VisitPart, is_visit_encounter, is_visit_part, map_visit_encounter,
    visit_encounter, visit_identifier, visit_parts,
};
