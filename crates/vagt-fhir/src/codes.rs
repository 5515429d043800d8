//! Code normalisation: the same measurement arrives coded in Danish NPU/DNK, MedCom, LOINC or
//! IEEE 11073 MDC terms, and diagnoses in ICD-10, Danish SKS or SNOMED CT. This module is the
//! one table that folds them onto Vagt's [`Parameter`]s and [`Diagnosis`]es.
//!
//! Where each code was checked (so a reader can re-check it):
//! - NPU/DNK in `urn:oid:1.2.208.176.2.1`: the FUT implementation guide's CodeSystem "NPU DK"
//!   and ConceptMap `conceptmap-obs-code-to-ucum` (NPU03011 %, NPU21692 1/min, NPU03804 kg,
//!   NPU08676 Cel, DNK05472/DNK05473 `mm[Hg]`); its value sets list NPU22089 "P(kB)—Glucose;
//!   stofk. = ? mmol/L" and NPU19748 "P—C-reaktivt protein; massek. = ? mg/L". MedCom's
//!   HomeCareObservation examples use the same OID. HL7 Denmark's DK Core value set
//!   `dk-core-NPUBasicObservation` uses the system `http://npu-terminology.org` and adds
//!   NPU27280 (SpO2 by pulse oximetry, unit `1`) and NPU57947/NPU57948 (systolic/diastolic
//!   blood pressure; NPU58033/NPU58034 are their deprecated predecessors).
//! - MedCom in `urn:oid:1.2.208.184.100.8`: the FUT ConceptMap (MCS88015 FEV1 L, MCS88016 FVC
//!   L, MCS88021 MRC {Number}, MCS88137 CAT {Number}) and value sets (MCS88019/MCS88020 home
//!   blood pressure, also in MedCom's XDS analysis-code list with that OID). MedCom's
//!   HomeCareObservation IG codes MCS88122 (respiration rate, 1/min) in
//!   `http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-observation-codes`.
//! - LOINC and MDC: the FHIR vital-signs and US Core examples (2708-6 + 59408-5 + MDC 150456
//!   on one SpO2), HL7 Denmark's DK Core examples, HL7's PHD guide (MDC 147842 heart rate), and
//!   IEEE 11073-10101 term codes as used in device code (an MDC code is partition × 65536 +
//!   term; SCADA is partition 2, so MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD 29112 is 160184).
//!
//! No MedCom, NPU or LOINC code was found for the clinic's own daily symptom score
//! ([`Parameter::SymptomScore`]); it has no code here and arrives only from Vagt's own forms,
//! as QuestionnaireResponses to [`DAILY_SYMPTOMS`]. The CAT arrives either as an Observation
//! (MCS88137) or as a response to [`CAT`]. No LOINC panel for the CAT could be verified (the
//! test is GSK's copyrighted form; LOINC's published forms were not found to include it), so
//! only Vagt's own canonical is accepted for it: guessing another form's item structure would
//! risk a wrong score.

use vagt_core::{Diagnosis, Parameter};

/// Code system URIs.
pub mod system {
    /// NPU (with the Danish DNK extensions), as FUT and MedCom write it.
    pub const NPU: &str = "urn:oid:1.2.208.176.2.1";
    /// NPU as HL7 terminology and DK Core (≥ 3.5) write it.
    pub const NPU_URL: &str = "http://npu-terminology.org";
    /// MedCom's measurement codes (MCS…), as FUT writes them.
    pub const MEDCOM: &str = "urn:oid:1.2.208.184.100.8";
    /// MedCom's codes as MedCom's own FHIR guides write them.
    pub const MEDCOM_URL: &str =
        "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-observation-codes";
    pub const LOINC: &str = "http://loinc.org";
    /// IEEE 11073-10101 (MDC).
    pub const MDC: &str = "urn:iso:std:iso:11073:10101";
    pub const SNOMED_CT: &str = "http://snomed.info/sct";
    pub const ICD_10: &str = "http://hl7.org/fhir/sid/icd-10";
    pub const ICD_10_CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
    /// The Danish health classification SKS; diagnosis codes are ICD-10 with a `D` prefix.
    pub const SKS: &str = "urn:oid:1.2.208.176.2.4";
    /// SKS's diagnosis chapter, as DK Core's Condition examples write it.
    pub const SKS_DIAGNOSES: &str = "urn:oid:1.2.208.176.2.4.12";
    /// The Danish civil registration number (CPR).
    pub const CPR: &str = "urn:oid:1.2.208.176.1.2";
    pub const UCUM: &str = "http://unitsofmeasure.org";
    /// HL7 v3 ActCode, whose encounter codes (`HH`, `IMP`, …) an R4 `Encounter.class` takes.
    pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    /// The same code system as FHIR before R4 wrote it; some servers still do.
    pub const ACT_CODE_LEGACY: &str = "http://hl7.org/fhir/v3/ActCode";
}

/// A form Vagt scores: each item answered once with a `valueInteger` in `0..=item_max`, the
/// answers summed to one reading of `parameter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoredQuestionnaire {
    /// `Questionnaire.url`; a response names it in `QuestionnaireResponse.questionnaire`.
    pub canonical: &'static str,
    pub parameter: Parameter,
    /// The items' `linkId`s, in the form's order.
    pub items: &'static [&'static str],
    pub item_max: i64,
}

impl ScoredQuestionnaire {
    /// The highest possible total: every item at its maximum.
    pub const fn max_total(&self) -> i64 {
        self.items.len() as i64 * self.item_max
    }
}

/// NærKlinikken's daily symptom questionnaire, which the citizen answers at home each morning.
/// Each item compares today with the citizen's usual days: 0 as usual, 1 a little worse, 2 much
/// worse. Five items give [`Parameter::SymptomScore`] 0..10 (higher is worse).
pub const DAILY_SYMPTOMS: ScoredQuestionnaire = ScoredQuestionnaire {
    canonical: "http://naerklinikken.dk/fhir/Questionnaire/daily-symptoms",
    parameter: Parameter::SymptomScore,
    // Åndenød, hoste, mængde af slim, farve på slim, almen tilstand.
    items: &[
        "breathlessness",
        "cough",
        "sputum-amount",
        "sputum-colour",
        "wellbeing",
    ],
    item_max: 2,
};

/// The COPD Assessment Test: eight items scored 0..5, summed to [`Parameter::CatScore`] 0..40.
pub const CAT: ScoredQuestionnaire = ScoredQuestionnaire {
    canonical: "http://naerklinikken.dk/fhir/Questionnaire/cat",
    parameter: Parameter::CatScore,
    // In the test's order: cough, phlegm, chest tightness, breathlessness on a hill or stairs,
    // activities at home, confidence leaving home, sleep, energy.
    items: &[
        "cough",
        "phlegm",
        "chest-tightness",
        "breathlessness",
        "activities",
        "confidence",
        "sleep",
        "energy",
    ],
    item_max: 5,
};

/// The forms Vagt scores.
pub const SCORED_QUESTIONNAIRES: [ScoredQuestionnaire; 2] = [DAILY_SYMPTOMS, CAT];

/// The `linkId` of an optional item carrying the form's own total (as a form engine computes
/// it); when present it must equal the sum of the answers.
pub const TOTAL_LINK_ID: &str = "total";

/// The scored form a `QuestionnaireResponse.questionnaire` names. A `|version` suffix is
/// ignored: the items and their ranges are the same in every version Vagt knows, and a
/// version that changed them would show as unknown or out-of-range answers.
pub fn questionnaire_for(canonical: &str) -> Option<ScoredQuestionnaire> {
    let url = canonical.split('|').next().unwrap_or_default().trim();
    SCORED_QUESTIONNAIRES
        .into_iter()
        .find(|q| q.canonical == url)
}

/// What an Observation code means to Vagt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeMeaning {
    /// One value of this parameter.
    Measurement(Parameter),
    /// A blood-pressure panel: the values are in its components.
    BloodPressurePanel,
}

/// The parameter an Observation coding measures, if Vagt tracks it. A panel code is `None`
/// here; see [`meaning_of`].
pub fn parameter_for(system: &str, code: &str) -> Option<Parameter> {
    match meaning_of(system, code)? {
        CodeMeaning::Measurement(parameter) => Some(parameter),
        CodeMeaning::BloodPressurePanel => None,
    }
}

/// The LOINC code Vagt writes for a parameter (for example in benchmarks and exports), where
/// one exists; [`parameter_for`] reads each back to the same parameter.
pub fn loinc_for(parameter: Parameter) -> Option<&'static str> {
    use Parameter::*;
    Some(match parameter {
        Spo2 => "59408-5",
        Pulse => "8867-4",
        Weight => "29463-7",
        Temperature => "8310-5",
        SystolicBp => "8480-6",
        DiastolicBp => "8462-4",
        RespiratoryRate => "9279-1",
        Fev1 => "20150-9",
        Fvc => "19870-5",
        BloodGlucose => "15074-8",
        Crp => "1988-5",
        CatScore | SymptomScore => return None,
    })
}

/// What an Observation coding means, if Vagt knows the code.
pub fn meaning_of(system: &str, code: &str) -> Option<CodeMeaning> {
    let code = code.trim();
    match system.trim() {
        system::NPU | system::NPU_URL => npu(code),
        system::MEDCOM | system::MEDCOM_URL => medcom(code),
        system::LOINC => loinc(code),
        system::MDC => mdc(code),
        _ => None,
    }
}

fn npu(code: &str) -> Option<CodeMeaning> {
    use Parameter::*;
    let parameter = match code {
        // "Iltmætning" (arterial haemoglobin O2 saturation), and the pulse-oximetry variant.
        "NPU03011" | "NPU27280" => Spo2,
        "NPU21692" => Pulse,
        "NPU03804" => Weight,
        "NPU08676" => Temperature,
        "DNK05472" | "NPU57947" | "NPU58033" => SystolicBp,
        "DNK05473" | "NPU57948" | "NPU58034" => DiastolicBp,
        "NPU22089" => BloodGlucose,
        "NPU19748" => Crp,
        _ => return None,
    };
    Some(CodeMeaning::Measurement(parameter))
}

fn medcom(code: &str) -> Option<CodeMeaning> {
    use Parameter::*;
    let parameter = match code {
        "MCS88015" => Fev1,
        "MCS88016" => Fvc,
        // Blood pressure measured at home.
        "MCS88019" => SystolicBp,
        "MCS88020" => DiastolicBp,
        "MCS88122" => RespiratoryRate,
        "MCS88137" => CatScore,
        // MCS88021 (MRC dyspnoea scale) has no parameter: it is rejected as an unknown code.
        _ => return None,
    };
    Some(CodeMeaning::Measurement(parameter))
}

fn loinc(code: &str) -> Option<CodeMeaning> {
    use Parameter::*;
    let parameter = match code {
        "85354-9" | "55284-4" | "35094-2" => return Some(CodeMeaning::BloodPressurePanel),
        // Arterial O2 saturation, by pulse oximetry, and capillary by oximetry.
        "2708-6" | "59408-5" | "2710-2" => Spo2,
        "8867-4" => Pulse,
        "29463-7" | "3141-9" => Weight,
        "8310-5" => Temperature,
        "8480-6" => SystolicBp,
        "8462-4" => DiastolicBp,
        "9279-1" => RespiratoryRate,
        // Blood, serum/plasma and capillary (glucometer) glucose, by mass and by moles; the
        // unit tells normalise which.
        "2339-0" | "15074-8" | "2345-7" | "14749-6" | "41653-7" | "14743-9" => BloodGlucose,
        "1988-5" => Crp,
        "20150-9" => Fev1,
        "19870-5" => Fvc,
        _ => return None,
    };
    Some(CodeMeaning::Measurement(parameter))
}

fn mdc(code: &str) -> Option<CodeMeaning> {
    use Parameter::*;
    let parameter = match code {
        // MDC_PRESS_BLD_NONINV; its components are _SYS, _DIA and _MEAN (150023, not tracked).
        "150020" => return Some(CodeMeaning::BloodPressurePanel),
        "150021" => SystolicBp,
        "150022" => DiastolicBp,
        // MDC_PULS_OXIM_SAT_O2
        "150456" => Spo2,
        // MDC_PULS_OXIM_PULS_RATE, MDC_ECG_HEART_RATE, MDC_PULS_RATE_NON_INV (a BP monitor's)
        "149530" | "147842" | "149546" => Pulse,
        // MDC_MASS_BODY_ACTUAL
        "188736" => Weight,
        // MDC_TEMP_BODY
        "150364" => Temperature,
        // MDC_RESP_RATE
        "151562" => RespiratoryRate,
        // MDC_CONC_GLU_GEN, _CAPILLARY_WHOLEBLOOD, _CAPILLARY_PLASMA, _VENOUS_WHOLEBLOOD,
        // _VENOUS_PLASMA
        "160020" | "160184" | "160188" | "160192" | "160196" => BloodGlucose,
        // MDC_VOL_AWAY_EXP_FORCED_1S
        "152586" => Fev1,
        // MDC_VOL_AWAY_EXP_FORCED_CAPACITY
        "188928" => Fvc,
        _ => return None,
    };
    Some(CodeMeaning::Measurement(parameter))
}

/// The diagnosis a Condition coding means, if Vagt tracks it: COPD, heart failure, diabetes.
///
/// ICD-10 and SKS match by category prefix (J44 COPD, I50 heart failure, E10–E14 diabetes),
/// with or without the dot, and SKS codes carry a leading `D` (`DJ441`). SNOMED CT matches the
/// listed concepts exactly; their descendants need a terminology server and are not matched.
pub fn diagnosis_for(system: &str, code: &str) -> Option<Diagnosis> {
    let code = code.trim();
    match system.trim() {
        system::ICD_10 | system::ICD_10_CM => icd10(code),
        system::SKS | system::SKS_DIAGNOSES => {
            let icd = code.strip_prefix('D').or_else(|| code.strip_prefix('d'))?;
            icd10(icd)
        }
        system::SNOMED_CT => snomed(code),
        _ => None,
    }
}

fn icd10(code: &str) -> Option<Diagnosis> {
    let code = code.to_ascii_uppercase();
    let category = code.get(..3)?;
    match category {
        "J44" => Some(Diagnosis::Copd),
        "I50" => Some(Diagnosis::HeartFailure),
        // Type 1, type 2, malnutrition-related, other specified and unspecified diabetes.
        "E10" | "E11" | "E12" | "E13" | "E14" => Some(Diagnosis::Diabetes),
        _ => None,
    }
}

fn snomed(code: &str) -> Option<Diagnosis> {
    match code {
        "13645005" => Some(Diagnosis::Copd),
        // Heart failure; congestive heart failure.
        "84114007" | "42343007" => Some(Diagnosis::HeartFailure),
        // Diabetes mellitus; type 2; type 1.
        "73211009" | "44054006" | "46635009" => Some(Diagnosis::Diabetes),
        _ => None,
    }
}

#[cfg(test)]
mod loinc_for_tests {
    use super::*;

    #[test]
    fn every_written_loinc_code_reads_back_as_its_parameter() {
        let mut written = 0;
        for parameter in Parameter::ALL {
            if let Some(code) = loinc_for(parameter) {
                assert_eq!(
                    parameter_for(system::LOINC, code),
                    Some(parameter),
                    "{code}"
                );
                written += 1;
            }
        }
        assert_eq!(written, 11);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CodeMeaning::*;
    use Parameter::*;

    #[test]
    fn danish_npu_and_dnk_codes_map_under_both_system_spellings() {
        for npu_system in [system::NPU, system::NPU_URL] {
            let cases = [
                ("NPU03011", Spo2),
                ("NPU27280", Spo2),
                ("NPU21692", Pulse),
                ("NPU03804", Weight),
                ("NPU08676", Temperature),
                ("DNK05472", SystolicBp),
                ("DNK05473", DiastolicBp),
                ("NPU57947", SystolicBp),
                ("NPU57948", DiastolicBp),
                ("NPU19748", Crp),
                ("NPU22089", BloodGlucose),
            ];
            for (code, parameter) in cases {
                assert_eq!(
                    parameter_for(npu_system, code),
                    Some(parameter),
                    "{npu_system} {code}"
                );
            }
        }
        // NPU codes are not MedCom codes and vice versa.
        assert_eq!(parameter_for(system::MEDCOM, "NPU03011"), None);
        assert_eq!(parameter_for(system::NPU, "MCS88015"), None);
    }

    #[test]
    fn medcom_codes_map_and_mrc_is_unknown() {
        for medcom_system in [system::MEDCOM, system::MEDCOM_URL] {
            assert_eq!(parameter_for(medcom_system, "MCS88015"), Some(Fev1));
            assert_eq!(parameter_for(medcom_system, "MCS88016"), Some(Fvc));
            assert_eq!(parameter_for(medcom_system, "MCS88137"), Some(CatScore));
            assert_eq!(parameter_for(medcom_system, "MCS88019"), Some(SystolicBp));
            assert_eq!(parameter_for(medcom_system, "MCS88020"), Some(DiastolicBp));
            assert_eq!(
                parameter_for(medcom_system, "MCS88122"),
                Some(RespiratoryRate)
            );
            assert_eq!(meaning_of(medcom_system, "MCS88021"), None, "MRC");
        }
    }

    #[test]
    fn loinc_codes_map_and_panels_are_panels() {
        let cases = [
            ("2708-6", Spo2),
            ("59408-5", Spo2),
            ("8867-4", Pulse),
            ("29463-7", Weight),
            ("8310-5", Temperature),
            ("8480-6", SystolicBp),
            ("8462-4", DiastolicBp),
            ("9279-1", RespiratoryRate),
            ("2339-0", BloodGlucose),
            ("15074-8", BloodGlucose),
            ("1988-5", Crp),
            ("20150-9", Fev1),
            ("19870-5", Fvc),
        ];
        for (code, parameter) in cases {
            assert_eq!(
                parameter_for(system::LOINC, code),
                Some(parameter),
                "{code}"
            );
        }
        assert_eq!(
            meaning_of(system::LOINC, "85354-9"),
            Some(BloodPressurePanel)
        );
        assert_eq!(parameter_for(system::LOINC, "85354-9"), None);
        assert_eq!(meaning_of(system::LOINC, "8302-2"), None, "body height");
    }

    #[test]
    fn mdc_codes_map_and_the_nibp_panel_is_a_panel() {
        let cases = [
            ("150456", Spo2),
            ("149530", Pulse),
            ("147842", Pulse),
            ("188736", Weight),
            ("150364", Temperature),
            ("150021", SystolicBp),
            ("150022", DiastolicBp),
            ("151562", RespiratoryRate),
            ("160184", BloodGlucose),
            ("152586", Fev1),
        ];
        for (code, parameter) in cases {
            assert_eq!(parameter_for(system::MDC, code), Some(parameter), "{code}");
        }
        assert_eq!(meaning_of(system::MDC, "150020"), Some(BloodPressurePanel));
        assert_eq!(meaning_of(system::MDC, "150023"), None, "mean pressure");
    }

    #[test]
    fn codes_and_systems_are_trimmed_but_otherwise_exact() {
        assert_eq!(parameter_for(" http://loinc.org ", " 8867-4 "), Some(Pulse));
        assert_eq!(parameter_for("http://loinc.org/", "8867-4"), None);
        assert_eq!(parameter_for("urn:oid:1.2.208.176.2.1", "npu03011"), None);
        assert_eq!(parameter_for("", "8867-4"), None);
    }

    #[test]
    fn scored_questionnaires_are_found_by_canonical_with_or_without_a_version() {
        assert_eq!(
            questionnaire_for("http://naerklinikken.dk/fhir/Questionnaire/daily-symptoms"),
            Some(DAILY_SYMPTOMS)
        );
        assert_eq!(
            questionnaire_for(" http://naerklinikken.dk/fhir/Questionnaire/cat|2.1 "),
            Some(CAT)
        );
        assert_eq!(
            questionnaire_for("http://naerklinikken.dk/fhir/Questionnaire/cat/"),
            None
        );
        assert_eq!(questionnaire_for(""), None);
        // The totals are the parameters' plausible ranges, so a complete form is plausible.
        for q in SCORED_QUESTIONNAIRES {
            assert_eq!(
                q.parameter.plausible_range(),
                (0.0, q.max_total() as f64),
                "{}",
                q.canonical
            );
            let mut seen = std::collections::HashSet::new();
            assert!(q.items.iter().all(|item| seen.insert(*item)));
            assert!(!q.items.contains(&TOTAL_LINK_ID));
        }
    }

    #[test]
    fn diagnoses_map_from_icd10_sks_and_snomed() {
        let cases = [
            (system::ICD_10, "J44", Diagnosis::Copd),
            (system::ICD_10, "J44.1", Diagnosis::Copd),
            (system::ICD_10, "I50.0", Diagnosis::HeartFailure),
            (system::ICD_10, "E11.9", Diagnosis::Diabetes),
            (system::ICD_10, "E109", Diagnosis::Diabetes),
            (system::ICD_10_CM, "E13.65", Diagnosis::Diabetes),
            (system::SKS, "DJ44", Diagnosis::Copd),
            (system::SKS, "DJ441", Diagnosis::Copd),
            (system::SKS, "DI509", Diagnosis::HeartFailure),
            (system::SKS_DIAGNOSES, "DE11", Diagnosis::Diabetes),
            (system::SNOMED_CT, "13645005", Diagnosis::Copd),
            (system::SNOMED_CT, "84114007", Diagnosis::HeartFailure),
            (system::SNOMED_CT, "73211009", Diagnosis::Diabetes),
            (system::SNOMED_CT, "44054006", Diagnosis::Diabetes),
            (system::SNOMED_CT, "46635009", Diagnosis::Diabetes),
        ];
        for (system, code, diagnosis) in cases {
            assert_eq!(
                diagnosis_for(system, code),
                Some(diagnosis),
                "{system} {code}"
            );
        }
        for (system, code) in [
            (system::ICD_10, "I10"),
            (system::ICD_10, "J45"),
            (system::ICD_10, "E1"),
            (system::ICD_10, ""),
            (system::SKS, "J44"),
            (system::SKS, "DZ340"),
            (system::SNOMED_CT, "38341003"),
            (system::LOINC, "J44"),
        ] {
            assert_eq!(diagnosis_for(system, code), None, "{system} {code}");
        }
    }
}
