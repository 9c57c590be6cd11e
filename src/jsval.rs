//! Small helpers for looking into JavaScript values without panicking.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Returns `o[key]`, or `undefined` when it cannot be read (a throwing getter, a non-object).
pub fn get(o: &JsValue, key: &str) -> JsValue {
    if !o.is_object() && !o.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Sets `o[key] = v`, ignoring failures (frozen objects never reach this).
pub fn set(o: &JsValue, key: &str, v: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(key), v);
}

/// Returns whether `v` is an object that is not an array or a function.
pub fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v)
}

/// Returns the object's own enumerable string keys.
pub fn keys(v: &JsValue) -> Vec<String> {
    match v.dyn_ref::<Object>() {
        Some(o) => Object::keys(o)
            .iter()
            .filter_map(|k| k.as_string())
            .collect(),
        None => Vec::new(),
    }
}

/// Returns the number if `v` is a JavaScript number (NaN and infinities included).
pub fn num(v: &JsValue) -> Option<f64> {
    v.as_f64()
}

/// Returns a short description of a JavaScript value's type for error messages.
pub fn type_name(v: &JsValue) -> &'static str {
    if v.is_undefined() {
        "undefined"
    } else if v.is_null() {
        "null"
    } else if Array::is_array(v) {
        "an array"
    } else if v.is_string() {
        "a string"
    } else if v.as_f64().is_some() {
        "a number"
    } else if v.as_bool().is_some() {
        "a boolean"
    } else if v.is_function() {
        "a function"
    } else if v.is_bigint() {
        "a bigint"
    } else if v.is_object() {
        "an object"
    } else {
        "another type"
    }
}
