//! The medicine box: the drugs a citizen's doctor has prescribed in advance, kept in the home,
//! which a nurse may tell the citizen to start (on the phone) or give (on a MAS visit) when an
//! exacerbation begins. The backend holds each as a `MedicationRequest`; Vagt only reads them.

use crate::citizen::CitizenId;
use crate::reading::SourceRef;
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};

/// One pre-prescribed drug in a citizen's box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct BoxedMedicine {
    /// Where the backend keeps it (`<base>|MedicationRequest/<id>`): a treatment given from the
    /// box names it, so the backend can link the administration to the prescription.
    pub source_id: String,
    pub citizen_id: CitizenId,
    /// The drug as prescribed ("Prednisolon 25 mg tablet").
    pub drug: String,
    /// The ATC code, where the prescription carries one.
    pub atc: Option<String>,
    /// The dose as prescribed ("37,5 mg dagligt i 5 dage").
    pub dose: String,
    /// When to start it ("ved øget åndenød og ændret opspyt").
    pub when_to_start: String,
    /// When it was prescribed, where known.
    pub prescribed_at: Option<Timestamp>,
}

/// The longest text the box keeps in one field.
pub const MAX_MEDICINE_TEXT_CHARS: usize = 500;

/// What one version of a prescription on the backend says of the box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MedicineUpdate {
    /// In the box (active or on hold), as of this version.
    InBox {
        medicine: BoxedMedicine,
        version: String,
    },
    /// Out of the box: stopped, cancelled, completed, or entered in error.
    Withdrawn { source: SourceRef },
}
