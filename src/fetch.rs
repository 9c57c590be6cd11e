//! The network layer: one request through the global `fetch` (or the caller's), its non-2xx
//! answer turned into an error, and the wait before a retry. What to do next is `plan.rs`'s call.

pub use crate::call::Call;
use crate::error::{Error, Kind};
use crate::glue::Timer;
use crate::jserror::JsError;
use crate::jsval::get;
use crate::meta::{header, request_id};
use crate::options::Setup;
use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &Object) -> Result<JsValue, JsValue>;
}

/// A prepared request: URL, header object and JSON body, reused across attempts.
pub struct Prepared {
    /// The full URL.
    pub url: String,
    /// The headers as a plain JavaScript object.
    pub headers: Object,
    /// The JSON body text.
    pub body: JsValue,
}

impl Prepared {
    /// Builds the header object once for all attempts.
    pub fn new(url: String, headers: &[(String, String)], body: JsValue) -> Prepared {
        // Names and values hold no NUL (config checks them): one string, one call.
        let mut pairs = String::new();
        for (k, v) in headers {
            for part in [k, v] {
                pairs.push_str(part);
                pairs.push('\0');
            }
        }
        let h = crate::glue::Shape::headers(&pairs);
        Prepared {
            url,
            headers: h,
            body,
        }
    }
}

async fn fetch_once(cfg: &Setup, call: &Call, req: &Prepared) -> Result<(Response, u16), Error> {
    let init = crate::glue::Shape::init(&req.headers, &req.body, &call.signal());
    let started = match &cfg.fetch {
        Some(f) => f.call2(&JsValue::UNDEFINED, &JsValue::from_str(&req.url), &init),
        None => global_fetch(&req.url, &init),
    };
    let p = match started {
        Ok(v) => Promise::resolve(&v),
        Err(e) => Promise::reject(&e),
    };
    let v = JsFuture::from(p).await.map_err(|e| call.fail(e, false))?;
    let status = if v.is_object() {
        get(&v, "status").as_f64()
    } else {
        None
    };
    let Some(status) = status else {
        return Err(Error::new(
            Kind::Config,
            "the fetch option returned something that is not a Response",
        ));
    };
    Ok((v.unchecked_into(), status as u16))
}

/// Reads a response body as text (abortable through the call's signal), failing past
/// `maxBodyBytes` without holding more than that.
pub async fn text(call: &Call, resp: &Response) -> Result<String, Error> {
    crate::body::text(call, resp).await
}

async fn error_from(call: &Call, resp: &Response) -> Error {
    let status = resp.status();
    let body = match crate::body::head(call, resp).await {
        Ok(t) => t,
        Err(e) if matches!(e.kind, Kind::Aborted | Kind::Timeout) => return e,
        Err(_) => String::new(),
    };
    let mut e = Error::from_response(status, &body, request_id(resp)).redact(call.secret());
    e.response = Some(Box::new(crate::meta::Meta::from_response(
        resp,
        call.secret(),
        true,
    )));
    crate::plan::read_retry_headers(&mut e, status, &|n| header(resp, n), &|d| {
        Some(js_sys::Date::parse(d) - js_sys::Date::now()).filter(|v| !v.is_nan())
    });
    e
}

/// Sends `req` once. A 2xx response is returned; any other status becomes its error (what
/// the body and the retry headers say), for the call's plan to decide on.
pub async fn once(cfg: &Setup, call: &Call, req: &Prepared) -> Result<Response, Error> {
    let (resp, status) = fetch_once(cfg, call, req).await?;
    if (200..300).contains(&status) {
        return Ok(resp);
    }
    Err(error_from(call, &resp).await)
}

/// Waits `ms` before a retry. Fails as soon as the call is aborted or times out.
pub async fn sleep(call: &Call, ms: f64) -> Result<(), Error> {
    JsFuture::from(Timer::sleep(ms, &call.signal()))
        .await
        .map(drop)
        .map_err(|e| call.fail(e, false))
}
