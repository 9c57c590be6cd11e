//! Token usage: one normalized shape for chat, messages and embeddings, and the running
//! totals per model behind `client.usage`. Pure, tested natively.
//!
//! Normalization (also in the README):
//! - chat / embeddings: `prompt_tokens`, `completion_tokens` (0 for embeddings), `total_tokens`
//!   (or their sum), `prompt_tokens_details.cached_tokens`.
//! - messages: Anthropic's `input_tokens` leaves cached input out, so prompt tokens are
//!   `input_tokens + cache_read_input_tokens + cache_creation_input_tokens`; completion tokens
//!   are `output_tokens`; cached tokens are `cache_read_input_tokens`; total is their sum.

/// One response's usage, normalized.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Every input token, cached ones included.
    pub prompt: u64,
    /// Output tokens.
    pub completion: u64,
    /// Prompt plus completion (the server's figure when it sends one).
    pub total: u64,
    /// Input tokens served from the server's prompt cache (a part of `prompt`).
    pub cached: u64,
}

/// The text of the last top-level `usage` member of a JSON object answer (what `JSON.parse`
/// keeps), without building the rest; `None` when the text is not such an object or has none.
pub fn member(body: &str) -> Option<&str> {
    crate::json::Scanner::new(body.strip_prefix('\u{feff}').unwrap_or(body)).last_member("usage")
}

/// Reads a `usage` object's JSON text in the normalized shape: `Ok(None)` when it has none of
/// the fields; `Err(())` when a count there is not a plain whole number (a fraction, an
/// exponent) or the text is not JSON, for the caller to read the parsed object instead.
pub fn from_json_text(text: &str) -> Result<Option<Usage>, ()> {
    let v = crate::json::parse(text).map_err(drop)?;
    let plain = std::cell::Cell::new(true);
    let found = normalize(&|path| {
        #[allow(clippy::disallowed_methods)] // split on a char: no two-way searcher
        let v = path.split('.').try_fold(&v, |v, k| v.get(k))?;
        match v {
            crate::json::Value::Number(_) => {
                let n = v.as_u64();
                plain.set(plain.get() && n.is_some());
                n.map(|n| n as f64)
            }
            _ => None,
        }
    });
    if plain.get() {
        Ok(found)
    } else {
        Err(())
    }
}

/// Reads a response's `usage` object. `field(path)` returns the number at a dotted path under
/// `usage` (`"prompt_tokens"`, `"prompt_tokens_details.cached_tokens"`), `None` when absent or
/// not a number. Returns `None` when the usage has neither the chat nor the messages fields.
#[inline(never)]
pub fn normalize(field: &dyn Fn(&str) -> Option<f64>) -> Option<Usage> {
    let n = |path: &str| {
        field(path)
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|v| v as u64)
    };
    if let Some(prompt) = n("prompt_tokens") {
        let completion = n("completion_tokens").unwrap_or(0);
        return Some(Usage {
            prompt,
            completion,
            total: n("total_tokens").unwrap_or(prompt.saturating_add(completion)),
            cached: n("prompt_tokens_details.cached_tokens").unwrap_or(0),
        });
    }
    let input = n("input_tokens");
    let output = n("output_tokens");
    if input.is_none() && output.is_none() {
        return None;
    }
    let read = n("cache_read_input_tokens").unwrap_or(0);
    let prompt = input
        .unwrap_or(0)
        .saturating_add(read)
        .saturating_add(n("cache_creation_input_tokens").unwrap_or(0));
    let completion = output.unwrap_or(0);
    Some(Usage {
        prompt,
        completion,
        total: prompt.saturating_add(completion),
        cached: read,
    })
}

/// The running totals of one model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModelTotals {
    /// Successful responses (streams once they ended).
    pub requests: u64,
    /// The summed usage.
    pub usage: Usage,
}

impl ModelTotals {
    #[inline(never)]
    fn add(&mut self, u: Option<Usage>) {
        self.requests = self.requests.saturating_add(1);
        if let Some(u) = u {
            let t = &mut self.usage;
            t.prompt = t.prompt.saturating_add(u.prompt);
            t.completion = t.completion.saturating_add(u.completion);
            t.total = t.total.saturating_add(u.total);
            t.cached = t.cached.saturating_add(u.cached);
        }
    }
}

/// The most models tracked separately; later ones are summed under [`OTHER`].
pub const MAX_MODELS: usize = 256;
/// The key the models past [`MAX_MODELS`] share.
pub const OTHER: &str = "(other)";

/// Totals per model since the client was made (or last reset).
#[derive(Default, Debug)]
pub struct Totals {
    models: Vec<(String, ModelTotals)>,
}

impl Totals {
    /// Counts one successful response from `model` with its usage, if the server reported it.
    pub fn add(&mut self, model: &str, usage: Option<Usage>) {
        let key = if self.models.len() >= MAX_MODELS && !self.models.iter().any(|(m, _)| m == model)
        {
            OTHER
        } else {
            model
        };
        match self.models.iter_mut().find(|(m, _)| m == key) {
            Some((_, t)) => t.add(usage),
            None => {
                let mut t = ModelTotals::default();
                t.add(usage);
                self.models.push((key.to_owned(), t));
            }
        }
    }

    /// Forgets everything.
    pub fn reset(&mut self) {
        self.models.clear();
    }

    /// Returns the sum over every model.
    pub fn total(&self) -> ModelTotals {
        let mut all = ModelTotals::default();
        for (_, t) in &self.models {
            all.requests = all.requests.saturating_add(t.requests);
            let (a, u) = (&mut all.usage, &t.usage);
            a.prompt = a.prompt.saturating_add(u.prompt);
            a.completion = a.completion.saturating_add(u.completion);
            a.total = a.total.saturating_add(u.total);
            a.cached = a.cached.saturating_add(u.cached);
        }
        all
    }

    /// Writes `client.usage` as JSON: `{ total: {…}, models: { [model]: {…} } }`, each entry
    /// `{ requests, promptTokens, completionTokens, totalTokens, cachedTokens }`.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"total\":");
        entry(&mut out, &self.total());
        out.push_str(",\"models\":{");
        for (i, (model, t)) in self.models.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            crate::json::write_str(&mut out, model);
            out.push(':');
            entry(&mut out, t);
        }
        out.push_str("}}");
        out
    }
}

fn entry(out: &mut String, t: &ModelTotals) {
    let u = &t.usage;
    for (i, (k, v)) in [
        ("requests", t.requests),
        ("promptTokens", u.prompt),
        ("completionTokens", u.completion),
        ("totalTokens", u.total),
        ("cachedTokens", u.cached),
    ]
    .into_iter()
    .enumerate()
    {
        out.push(if i == 0 { '{' } else { ',' });
        out.push('"');
        out.push_str(k);
        out.push_str("\":");
        crate::json::push_u64(out, v);
    }
    out.push('}');
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn usage_is_read_from_the_body_text_where_json_parse_would_find_it() {
        let body = "\u{feff}{\"usage\":{\"prompt_tokens\":1},\"data\":[{\"usage\":9}],\"usage\" : {\"prompt_tokens\":3,\"total_tokens\":5} }";
        let text = member(body).unwrap();
        assert_eq!(text, r#"{"prompt_tokens":3,"total_tokens":5}"#);
        let u = from_json_text(text).unwrap().unwrap();
        assert_eq!((u.prompt, u.completion, u.total), (3, 0, 5));
        assert_eq!(member(r#"{"data":[]}"#), None);
        assert_eq!(member("[1]"), None);
        assert_eq!(member(r#"{"usage":1"#), None);
        assert_eq!(from_json_text("null"), Ok(None));
        assert_eq!(from_json_text(r#"{"prompt_tokens":1.5}"#), Err(()));
        assert_eq!(from_json_text(r#"{"prompt_tokens":1e3}"#), Err(()));
    }

    fn from(text: &str) -> Option<Usage> {
        let v = json::parse(text).unwrap();
        normalize(&|path| {
            let mut cur = &v;
            for part in path.split('.') {
                cur = cur.get(part)?;
            }
            cur.as_u64().map(|n| n as f64)
        })
    }

    #[test]
    fn chat_usage() {
        let u = from(
            r#"{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":8}}"#,
        );
        assert_eq!(
            u,
            Some(Usage {
                prompt: 12,
                completion: 5,
                total: 17,
                cached: 8
            })
        );
        let u = from(r#"{"prompt_tokens":3,"completion_tokens":4}"#);
        assert_eq!(
            u,
            Some(Usage {
                prompt: 3,
                completion: 4,
                total: 7,
                cached: 0
            })
        );
        // embeddings
        assert_eq!(
            from(r#"{"prompt_tokens":9,"total_tokens":9}"#),
            Some(Usage {
                prompt: 9,
                completion: 0,
                total: 9,
                cached: 0
            })
        );
    }

    #[test]
    fn messages_usage_counts_cached_input() {
        let u = from(
            r#"{"input_tokens":10,"output_tokens":6,"cache_read_input_tokens":100,"cache_creation_input_tokens":20}"#,
        );
        assert_eq!(
            u,
            Some(Usage {
                prompt: 130,
                completion: 6,
                total: 136,
                cached: 100
            })
        );
        assert_eq!(
            from(r#"{"output_tokens":2}"#),
            Some(Usage {
                prompt: 0,
                completion: 2,
                total: 2,
                cached: 0
            })
        );
    }

    #[test]
    fn junk_usage_is_none_or_ignored() {
        assert_eq!(from(r#"{}"#), None);
        assert_eq!(from(r#"{"tokens":5}"#), None);
        assert_eq!(from(r#"{"prompt_tokens":-1,"input_tokens":"x"}"#), None);
        assert_eq!(
            from(r#"{"prompt_tokens":2,"completion_tokens":-4}"#),
            Some(Usage {
                prompt: 2,
                completion: 0,
                total: 2,
                cached: 0
            })
        );
    }

    #[test]
    fn totals_per_model() {
        let mut t = Totals::default();
        t.add(
            "premium",
            Some(Usage {
                prompt: 10,
                completion: 2,
                total: 12,
                cached: 1,
            }),
        );
        t.add(
            "premium",
            Some(Usage {
                prompt: 5,
                completion: 5,
                total: 10,
                cached: 0,
            }),
        );
        t.add("basic", None);
        assert_eq!(
            t.to_json(),
            r#"{"total":{"requests":3,"promptTokens":15,"completionTokens":7,"totalTokens":22,"cachedTokens":1},"models":{"premium":{"requests":2,"promptTokens":15,"completionTokens":7,"totalTokens":22,"cachedTokens":1},"basic":{"requests":1,"promptTokens":0,"completionTokens":0,"totalTokens":0,"cachedTokens":0}}}"#
        );
        t.reset();
        assert_eq!(
            t.to_json(),
            r#"{"total":{"requests":0,"promptTokens":0,"completionTokens":0,"totalTokens":0,"cachedTokens":0},"models":{}}"#
        );
        t.add("we\"ird", None);
        assert!(json::parse(&t.to_json()).is_ok());
    }

    #[test]
    fn bounded_number_of_models() {
        let mut t = Totals::default();
        for i in 0..MAX_MODELS + 50 {
            t.add(
                &format!("m{i}"),
                Some(Usage {
                    prompt: 1,
                    completion: 0,
                    total: 1,
                    cached: 0,
                }),
            );
        }
        assert_eq!(t.models.len(), MAX_MODELS + 1);
        assert_eq!(t.total().requests, (MAX_MODELS + 50) as u64);
        let other = t.models.iter().find(|(m, _)| m == OTHER).unwrap();
        assert_eq!(other.1.requests, 50);
        t.add("m0", None);
        assert_eq!(t.models.len(), MAX_MODELS + 1);
    }
}
