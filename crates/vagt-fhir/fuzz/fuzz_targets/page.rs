//! A search page of arbitrary bytes: read whole or entry by entry, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let whole = vagt_fhir::parse_bundle(bytes);
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
                    let _ = resource.json();
                    let _ = resource.map_observation("https://x/fhir", &|_| None);
                }
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
});
