//! A search page of arbitrary bytes: read whole or entry by entry, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let whole = vagt_fhir::parse_bundle(bytes);
    match vagt_fhir::read_page(bytes) {
        Ok(page) => {
            // A page that parses whole is read whole, with nothing broken.
            if whole.is_ok() {
                assert!(page.broken.is_empty());
            }
            let _ = page.bundle.next_link();
            let _ = page.bundle.resources().count();
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
