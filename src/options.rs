//! The face of the options: reads JavaScript option objects into [`Opt`]s for the pure rules
//! of `config.rs`, and keeps what only JavaScript can hold (the custom `fetch`, the logger,
//! the caller's `AbortSignal`).

use crate::config::{not_an_object, CallOptions, Config, MakeErr, Opt, Source};
use crate::error::Error;
use crate::jsval::{get, is_plain_object, keys, type_name};
use crate::logger::Logger;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

/// A client's settings: the pure [`Config`] and what only JavaScript can hold.
pub struct Setup {
    /// The options, checked.
    pub config: Config,
    /// A custom fetch function.
    pub fetch: Option<Function>,
    /// Where log lines go (`logLevel`, `logger`, `AIBADGR_LOG`).
    pub log: Logger,
}

/// One call's options: the pure [`CallOptions`] and the caller's signal.
#[derive(Default)]
pub struct CallSetup {
    /// The options, checked.
    pub opts: CallOptions,
    /// The caller's abort signal.
    pub signal: Option<AbortSignal>,
}

/// Reads a JavaScript value as an [`Opt`], arrays and plain objects one level deep.
pub fn opt(v: &JsValue, depth: u32) -> Opt {
    if v.is_undefined() {
        return Opt::Missing;
    }
    if v.is_null() {
        return Opt::Null;
    }
    if let Some(s) = v.as_string() {
        return Opt::Str(s);
    }
    if let Some(n) = v.as_f64() {
        return Opt::Num(n);
    }
    if let Some(b) = v.as_bool() {
        return Opt::Bool(b);
    }
    if depth > 0 && Array::is_array(v) {
        return Opt::List(Array::from(v).iter().map(|x| opt(&x, 0)).collect());
    }
    if depth > 0 && is_plain_object(v) && !v.is_function() {
        let entries = keys(v)
            .into_iter()
            .map(|k| {
                let x = opt(&get(v, &k), 0);
                (k, x)
            })
            .collect();
        return Opt::Map(entries);
    }
    Opt::Other(type_name(v))
}

/// An options object and the environment behind it.
struct Js<'a> {
    o: &'a JsValue,
    env: &'a JsValue,
}

impl Source for Js<'_> {
    fn get(&self, name: &str) -> Opt {
        opt(&get(self.o, name), 1)
    }
    fn env(&self, name: &str) -> Option<String> {
        let from = |o: &JsValue| -> Option<String> {
            if !o.is_object() {
                return None;
            }
            get(o, name).as_string().filter(|s| !s.trim().is_empty())
        };
        from(self.env).or_else(|| from(&get(&get(&js_sys::global(), "process"), "env")))
    }
}

fn object(v: &JsValue, what: &str, example: &str, make: MakeErr) -> Result<JsValue, Error> {
    if v.is_undefined() || v.is_null() {
        return Ok(js_sys::Object::new().into());
    }
    if !is_plain_object(v) {
        return Err(not_an_object(what, example, make));
    }
    Ok(v.clone())
}

/// Reads client options; `env` supplies `AIBADGR_API_KEY` / `AIBADGR_BASE_URL` defaults
/// (a Worker's `env`, or `process.env` where `process` exists).
pub fn client(options: &JsValue, env: &JsValue) -> Result<Setup, Error> {
    let o = object(options, "options", "{ apiKey, baseUrl }", Error::config)?;
    let config = Config::read(&keys(&o), &Js { o: &o, env })?;
    let fetch = match get(&o, "fetch") {
        v if v.is_undefined() => None,
        v => Some(
            v.dyn_into::<Function>()
                .map_err(|_| Error::config("fetch", "must be a function like globalThis.fetch"))?,
        ),
    };
    let target = get(&o, "logger");
    if !target.is_undefined() && !target.is_object() {
        return Err(Error::config(
            "logger",
            "must be an object with error, warn, info and debug methods, like console",
        ));
    }
    let log = Logger::new(config.log_level, target, config.api_key.clone());
    Ok(Setup { config, fetch, log })
}

/// Reads per-call options.
pub fn call(options: &JsValue) -> Result<CallSetup, Error> {
    if options.is_undefined() {
        return Ok(CallSetup::default()); // most calls: nothing to read
    }
    let o = object(
        options,
        "call options",
        "{ signal, timeoutMs }",
        Error::invalid,
    )?;
    let opts = CallOptions::read(
        &keys(&o),
        &Js {
            o: &o,
            env: &JsValue::UNDEFINED,
        },
    )?;
    let signal = match get(&o, "signal") {
        v if v.is_undefined() || v.is_null() => None,
        v => {
            if !(Reflect::has(&v, &"aborted".into()).unwrap_or(false)
                && Reflect::has(&v, &"addEventListener".into()).unwrap_or(false))
            {
                return Err(Error::invalid(
                    "signal",
                    "must be an AbortSignal (for example controller.signal)",
                ));
            }
            Some(v.unchecked_into::<AbortSignal>())
        }
    };
    Ok(CallSetup { opts, signal })
}
