//! The wasm face of logging: sends the lines [`crate::log`] writes to the caller's `logger`
//! (or `console`) at the configured level. It decides nothing beyond "is this level on".

use crate::jsval::get;
use crate::log::{redact, Level};
use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

/// Where log lines go and which ones are wanted. Cheap to clone.
#[derive(Clone)]
pub struct Logger {
    level: Level,
    /// The `logger` option; `undefined` means the global `console` at the time of the call.
    target: JsValue,
    secret: Option<String>,
}

impl Logger {
    /// Creates a logger; `secret` is redacted from every line.
    pub fn new(level: Level, target: JsValue, secret: Option<String>) -> Logger {
        Logger {
            level,
            target,
            secret,
        }
    }

    /// Returns whether lines of `level` are logged.
    pub fn on(&self, level: Level) -> bool {
        level != Level::Off && level <= self.level
    }

    /// Logs the line `line()` writes, if `level` is on (the text is only built then).
    #[inline(never)]
    pub fn log(&self, level: Level, line: &dyn Fn() -> String) {
        if self.on(level) {
            self.emit(level, line(), false);
        }
    }

    /// Logs on a later microtask (a stream's end: the logger runs after the read that ended
    /// it). The logger is still looked up now; no caller may hold a `RefCell` borrow, since a
    /// getter there is JavaScript that may call back into this module.
    #[inline(never)]
    pub fn later(&self, level: Level, line: &dyn Fn() -> String) {
        if self.on(level) {
            self.emit(level, line(), true);
        }
    }

    #[inline(never)]
    fn emit(&self, level: Level, line: String, later: bool) {
        let line = JsValue::from_str(&redact(line, self.secret.as_deref()));
        let target = if self.target.is_undefined() {
            get(&js_sys::global(), "console")
        } else {
            self.target.clone()
        };
        let f = match get(&target, level.method()).dyn_into::<Function>() {
            Ok(f) => f,
            Err(_) => match get(&target, "log").dyn_into::<Function>() {
                Ok(f) => f,
                Err(_) => return,
            },
        };
        if later {
            // `Promise.resolve(line).then(f.bind(target))` (so `f` gets just the line), marked
            // handled: a logger that throws there breaks nothing either.
            let p = js_sys::Promise::resolve(&line);
            if let Ok(then) = get(&p, "then").dyn_into::<Function>() {
                if let Ok(q) = then.call1(&p, &f.bind0(&target)) {
                    crate::glue::Timer::quiet(q.unchecked_ref());
                }
            }
            return;
        }
        // A logger that throws must not break the call it reports on.
        let _ = f.call1(&target, &line);
    }
}
