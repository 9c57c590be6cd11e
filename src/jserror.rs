//! The face of the error model: an [`Error`] becomes a JavaScript `AiBadgrError`, and its
//! attached JavaScript cause is redacted with the rest of its text.

use crate::error::{Error, Kind};
use crate::glue::JsAiBadgrError;
use crate::jsval::get;
use crate::meta::Meta;
use wasm_bindgen::prelude::*;

/// What the face adds to [`Error`].
pub trait JsError: Sized {
    /// Redacts `secret` from the error's texts ([`Error::redact_texts`]) and from the
    /// JavaScript cause it carries (a network error may quote a URL or header holding it).
    fn redact(self, secret: Option<&str>) -> Self;
    /// Converts the error into a JavaScript `AiBadgrError`.
    fn into_js(self) -> JsValue;
    /// The JavaScript cause, if the error carries one.
    fn js_cause(&self) -> Option<&JsValue>;
    /// The response metadata, if the error carries it.
    fn meta_mut(&mut self) -> Option<&mut Meta>;
}

impl JsError for Error {
    fn redact(self, secret: Option<&str>) -> Self {
        let mut e = self.redact_texts(secret);
        if let Some(s) = secret.filter(|s| s.len() >= 4) {
            if e.js_cause().is_some_and(|c| mentions(c, s, 4)) {
                let copy = e.js_cause().map(|c| redacted_copy(c, s));
                e.cause = copy.map(|c| Box::new(c) as crate::error::Attached);
            }
        }
        e
    }

    fn js_cause(&self) -> Option<&JsValue> {
        self.cause
            .as_ref()
            .and_then(|c| c.downcast_ref::<JsValue>())
    }

    fn meta_mut(&mut self) -> Option<&mut Meta> {
        self.response
            .as_mut()
            .and_then(|m| m.downcast_mut::<Meta>())
    }

    fn into_js(self) -> JsValue {
        let mut this = self.into_data();
        let name = if this.kind == Kind::Aborted {
            Some("AbortError")
        } else {
            None
        };
        let cause = this
            .cause
            .take()
            .and_then(|c| c.downcast::<JsValue>().ok())
            .map_or(JsValue::UNDEFINED, |c| *c);
        let meta = this.response.take().and_then(|m| m.downcast::<Meta>().ok());
        let e = JsAiBadgrError::new(
            &this.message,
            this.kind.as_str(),
            this.status,
            this.code,
            this.type_,
            this.param,
            this.request_id,
            this.body,
            &cause,
            name,
        );
        if let Some(m) = &meta {
            m.attach(&e);
        }
        // `err.retryable`: whether another attempt could succeed (non-enumerable, like
        // `err.response`, so the error's JSON is unchanged).
        let desc = js_sys::Object::new();
        crate::jsval::set(&desc, "value", &JsValue::from_bool(this.retryable));
        crate::jsval::set(&desc, "configurable", &JsValue::TRUE);
        let _ = js_sys::Reflect::define_property(
            e.unchecked_ref::<js_sys::Object>(),
            &JsValue::from_str("retryable"),
            &desc,
        );
        // Format the stack now: until then V8 keeps each frame's receiver alive, and Rust may
        // hold this error (a failed stream does), which would keep those objects alive for good.
        let _ = js_sys::Reflect::get(&e, &JsValue::from_str("stack"));
        e.into()
    }
}

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        e.into_js()
    }
}

/// Returns whether a JavaScript value (a string, or an error's message, stack or cause chain)
/// contains `secret`.
fn mentions(v: &JsValue, secret: &str, depth: u32) -> bool {
    if let Some(t) = v.as_string() {
        return crate::text::contains(&t, secret);
    }
    if depth == 0 || !v.is_object() {
        return false;
    }
    ["message", "stack"]
        .iter()
        .any(|k| get(v, k).as_string().is_some_and(|t| crate::text::contains(&t, secret)))
        || mentions(&get(v, "cause"), secret, depth - 1)
}

/// A plain `Error` with the same name and the message redacted, to stand in for a cause that
/// mentions the key (its stack and own cause are dropped).
fn redacted_copy(v: &JsValue, secret: &str) -> JsValue {
    let text = v
        .as_string()
        .or_else(|| get(v, "message").as_string())
        .unwrap_or_default();
    let e = js_sys::Error::new(&crate::text::replace(&text, secret, crate::redact::mark(secret)));
    if let Some(n) = get(v, "name").as_string() {
        e.set_name(&n);
    }
    e.into()
}
