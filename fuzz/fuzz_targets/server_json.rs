//! Any bytes as the JSON body of every portal route that takes one, read exactly as the route's
//! extractor reads it (`secure_login_server::fuzz_parse_bodies`): the body's type, or a 400
//! `InvalidInput` whose message is one of a few fixed sentences (or names a missing field), so a
//! refusal never quotes the body (it may hold a password typed into the wrong field).
//!
//! Also: a body that is a JSON object is always accepted by the routes that take `{}`, and one
//! that is valid JSON but not an object is refused by every route.
#![no_main]

use libfuzzer_sys::fuzz_target;

const FIXED: &[&str] = &[
    "the body is not valid JSON",
    "the body must be a JSON object",
    "a field has the wrong type or shape",
];

/// Every field of every request body.
const FIELDS: &[&str] = &[
    "username", "password", "factorId", "channel", "response", "deviceId", "code", "decision",
    "mac", "phone", "now", "label", "current", "new", "handle", "nonce", "proof", "device",
    "ceremony", "credential",
];

fn names_a_field(message: &str) -> bool {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
        .is_some_and(|field| FIELDS.contains(&field))
}

fuzz_target!(|data: &[u8]| {
    let value = serde_json::from_slice::<serde_json::Value>(data).ok();
    for (route, read) in secure_login_server::fuzz_parse_bodies(data) {
        match read {
            Ok(()) => assert!(
                value.as_ref().is_some_and(serde_json::Value::is_object),
                "{route} accepted a body that is not a JSON object"
            ),
            Err(e) => {
                assert_eq!(e.status().as_u16(), 400, "{route}: {e:?}");
                assert_eq!(e.code(), "InvalidInput", "{route}");
                assert!(
                    FIXED.contains(&e.message()) || names_a_field(e.message()),
                    "{route}: the message {:?} is not a fixed one",
                    e.message()
                );
                if value.as_ref().is_some_and(serde_json::Value::is_object) {
                    assert!(!route.contains("/session"), "{{}} routes take any object");
                }
            }
        }
    }
});
