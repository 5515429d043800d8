//! A search page of arbitrary bytes: read whole or entry by entry, never a panic; and every
//! resource read into its typed view maps as its JSON tree does, wherever it has one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vagt_core::CitizenId;

fuzz_target!(|bytes: &[u8]| {
    let whole = vagt_fhir::parse_bundle(bytes);
    let citizen = CitizenId::new("0101011111").ok();
    let citizen_for = |_: &str| citizen.clone();
    for searched in ["Observation", "Patient"] {
        match vagt_fhir::read_page(bytes, searched) {
            Ok(page) => {
                // A page that parses whole is read whole, with nothing broken.
                if whole.is_ok() {
                    assert!(page.broken.is_empty());
                }
                let _ = page.next_link();
                for resource in &page.resources {
                    let _ = resource.text();
                    let mapped = resource.map_observation("https://x/fhir", &citizen_for);
                    if let Ok(tree) = serde_json::from_str::<serde_json::Value>(&resource.text()) {
                        assert_eq!(
                            mapped,
                            vagt_fhir::map_observation(&tree, "https://x/fhir", &citizen_for)
                        );
                    }
                }
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
});
