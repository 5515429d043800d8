//! Arbitrary JSON through the Communication (telephone call) mapper: mapped or rejected with a reason, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

const BASE: &str = "https://fuzz.invalid/fhir";

fn citizen_for(reference: &str) -> Option<vagt_core::CitizenId> {
    // Every Patient reference names a citizen, so the mapper goes past the subject.
    reference
        .strip_prefix("Patient/")
        .and_then(|id| vagt_core::CitizenId::new(id).ok())
}

fuzz_target!(|bytes: &[u8]| {
    if let Ok(resource) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let _ = vagt_fhir::map_call(&resource, BASE, &citizen_for, vagt_core::Timestamp::from_millis(1_800_000_000_000));
    }
});
