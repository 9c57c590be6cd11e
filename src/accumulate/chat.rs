//! Accumulation of OpenAI `chat.completion.chunk` stream payloads into one `chat.completion`.
//!
//! Each SSE data payload goes to [`ChatAccumulator::push`]; [`ChatAccumulator::finish`] writes
//! the completion a non-streaming request would have returned: content, refusal, reasoning,
//! tool calls, finish reason, logprobs and usage. Values that are only passed through (ids,
//! usage, logprobs, fields this client does not know) are kept as JSON text.
//!
//! Lenient about content, as real servers need: placeholder metadata (`id: ""`, `created: 0`)
//! counts as unset; `delta.content` may be an array of text and thinking parts; parallel tool
//! calls may all share `index: 0` and differ only by `id`; unknown members pass through (the
//! latest non-null value at the top and choice level, merged when they sit in a delta).

use crate::json::{self, push_key, push_sep, write_str, Value};
use crate::template::Template;
use std::borrow::Cow;

/// Why a stream payload could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkError {
    /// The data payload was not valid JSON.
    Json(json::ParseError),
    /// The payload was an error object sent inside the stream.
    Api {
        /// The error message.
        message: String,
        /// The error's `type`.
        kind: Option<String>,
        /// The error's `code` (a number keeps its raw text).
        code: Option<String>,
        /// The error's `param`.
        param: Option<String>,
    },
    /// Valid JSON of the wrong shape, as short lowercase text.
    Shape(&'static str),
}

impl From<json::ParseError> for ChunkError {
    fn from(e: json::ParseError) -> Self {
        ChunkError::Json(e)
    }
}

/// What one chunk contributed, for callers that stream text as it comes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChunkSummary {
    /// The non-empty content delta of choice 0, if the chunk had one.
    pub content: Option<String>,
    /// Whether the chunk carried a non-null `finish_reason`.
    pub finished: bool,
    /// Whether the chunk had no choice at all (the usage chunk, Azure's filter results).
    pub empty: bool,
}

/// Collects chunk payloads; see the module docs.
#[derive(Debug, Default)]
pub struct ChatAccumulator {
    /// JSON text of `id`, `created`, `model`, `system_fingerprint`, `service_tier`.
    meta: [Option<String>; 5],
    /// Members this client does not know: the latest non-null value of each, as JSON text.
    extra: Extra,
    /// Sorted by index.
    choices: Vec<Choice>,
    /// JSON text of the last non-null `usage`.
    usage: Option<String>,
    chunks: usize,
    saw_finish: bool,
    /// The last content-only chunk the fast path took, and its choice's index.
    template: (Template, u64),
    /// The last chunk pushed was the template's event with another text.
    templated: bool,
    /// How many content strings were handed out by [`spill`](Self::spill).
    spills: usize,
}

/// Metadata members and their defaults (`None`: left out when missing).
const META: [(&str, Option<&str>); 5] = [
    ("id", Some("\"\"")),
    ("created", Some("0")),
    ("model", Some("\"\"")),
    ("system_fingerprint", None),
    ("service_tier", None),
];

/// Top-level members with a meaning of their own (`obfuscation` is per-chunk padding).
const TOP_KNOWN: [&str; 5] = ["object", "choices", "usage", "error", "obfuscation"];
/// Choice members with a meaning of their own.
const CHOICE_KNOWN: [&str; 5] = ["index", "delta", "finish_reason", "logprobs", "message"];
/// Delta members with a meaning of their own.
const DELTA_KNOWN: [&str; 7] = [
    "role",
    "content",
    "refusal",
    "reasoning_content",
    "reasoning",
    "tool_calls",
    "function_call",
];

/// Pass-through members as `(key, JSON text)` in the order they first came.
type Extra = Vec<(String, String)>;

#[derive(Debug, Default)]
struct Choice {
    index: u64,
    role: Option<String>,
    content: Option<String>,
    refusal: Option<String>,
    reasoning: Option<String>,
    /// Sorted by index, then by arrival (calls that share an index differ by id).
    tool_calls: Vec<ToolCall>,
    function_call: Option<ToolCall>,
    /// Unknown delta members, merged: strings appended, arrays joined, others replaced.
    delta_extra: Vec<(String, Value<'static>)>,
    /// Unknown choice members (Azure's `content_filter_results`, ...).
    extra: Extra,
    /// JSON text of the last non-null `finish_reason`.
    finish_reason: Option<String>,
    /// The id under which the start of `content` was handed out ([`ChatAccumulator::spill`]).
    spilled: Option<usize>,
    /// Comma-separated JSON items of the `content` and `refusal` logprob arrays, once a
    /// logprobs object was seen.
    logprobs: Option<[Option<String>; 2]>,
}

#[derive(Debug, Default)]
struct ToolCall {
    index: u64,
    id: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    arguments: String,
}

/// The most choices, or tool calls in one choice, that are kept: far above what requests ask
/// for (`n` ≤ 128), and low enough that a hostile stream cannot make each insert quadratic.
pub const MAX_SLOTS: usize = 256;

/// Returns the entry with `index` in `items` (kept sorted by index), inserting a new one;
/// `None` past [`MAX_SLOTS`] entries (that piece is ignored).
fn slot<T>(
    items: &mut Vec<T>,
    index: u64,
    key: fn(&T) -> u64,
    new: fn(u64) -> T,
) -> Option<&mut T> {
    match items.binary_search_by_key(&index, key) {
        Ok(at) => items.get_mut(at),
        Err(_) if items.len() >= MAX_SLOTS => None,
        Err(at) => {
            items.insert(at, new(index));
            items.get_mut(at)
        }
    }
}

/// Returns the member `key` of `v` unless it is missing or `null`.
fn non_null<'v, 'a>(v: &'v Value<'a>, key: &str) -> Option<&'v Value<'a>> {
    v.get(key).filter(|m| !m.is_null())
}

/// Appends `v` to `acc` if it is a string (creating `acc`).
fn append(acc: &mut Option<String>, v: Option<&Value>) {
    if let Some(s) = v.and_then(Value::as_str) {
        acc.get_or_insert_with(String::new).push_str(s);
    }
}

/// Sets `acc` from `v` if `acc` is unset or empty and `v` is a non-empty string.
fn fill(acc: &mut Option<String>, v: Option<&Value>) {
    if let Some(s) = v.and_then(Value::as_str).filter(|s| !s.is_empty()) {
        if acc.as_deref().map_or(true, str::is_empty) {
            *acc = Some(s.into());
        }
    }
}

/// Turns an `error` member (an object or a plain string) into [`ChunkError::Api`].
pub(crate) fn api_error(err: &Value) -> ChunkError {
    let f = crate::error::fields(err);
    ChunkError::Api {
        message: f.message.unwrap_or_else(|| err.to_json()),
        kind: f.type_,
        code: f.code,
        param: f.param,
    }
}

/// Appends member `key` with a string value, or `null`.
fn put_str(out: &mut String, key: &str, v: Option<&str>) {
    push_key(out, key);
    match v {
        Some(v) => write_str(out, v),
        None => out.push_str("null"),
    }
}

/// Keeps the latest non-null value of every member of `obj` for which `known` is false.
fn keep_extra(extra: &mut Extra, obj: &Value, known: impl Fn(&str) -> bool) {
    for (k, v) in obj.as_object().unwrap_or_default() {
        if v.is_null() || known(k) {
            continue;
        }
        let text = v.to_json();
        match extra.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1 = text,
            None => extra.push((k.as_ref().into(), text)),
        }
    }
}

/// Tells whether `extra` already holds `text` for `key` (so keeping it changes nothing).
fn holds(extra: &Extra, key: &str, text: &str) -> bool {
    extra.iter().any(|(k, v)| k == key && v == text)
}

fn write_extra(out: &mut String, extra: &Extra) {
    for (k, v) in extra {
        push_key(out, k);
        out.push_str(v);
    }
}

/// Merges an unknown delta member: strings appended, arrays joined, anything else replaced.
fn merge_delta(extra: &mut Vec<(String, Value<'static>)>, key: &str, v: &Value) {
    let Some(slot) = extra.iter_mut().find(|(k, _)| k == key) else {
        extra.push((key.into(), v.clone().into_owned()));
        return;
    };
    match (&mut slot.1, v) {
        (Value::String(acc), Value::String(s)) => acc.to_mut().push_str(s),
        (Value::Array(acc), Value::Array(items)) => {
            acc.extend(items.iter().map(|i| i.clone().into_owned()))
        }
        (acc, v) => *acc = v.clone().into_owned(),
    }
}

/// Adds the text of a content given as parts (Mistral): `text` parts to `content`, `thinking`
/// parts (a string, or a list of text parts) to `reasoning`. Returns the text it added.
fn content_parts(
    parts: &[Value],
    content: &mut Option<String>,
    reasoning: &mut Option<String>,
) -> String {
    let mut added = String::new();
    for part in parts {
        match part.get("type").and_then(Value::as_str) {
            Some("text") => {
                if let Some(t) = part.get("text").and_then(Value::as_str) {
                    content.get_or_insert_with(String::new).push_str(t);
                    added.push_str(t);
                }
            }
            Some("thinking") => match part.get("thinking") {
                Some(Value::Array(items)) => {
                    items.iter().for_each(|i| append(reasoning, i.get("text")))
                }
                other => append(reasoning, other),
            },
            _ => {}
        }
    }
    added
}

impl ToolCall {
    fn merge(&mut self, v: Option<&Value>, f: Option<&Value>) {
        fill(&mut self.id, v.and_then(|v| v.get("id")));
        fill(&mut self.kind, v.and_then(|v| v.get("type")));
        fill(&mut self.name, f.and_then(|f| f.get("name")));
        match f.and_then(|f| f.get("arguments")) {
            None | Some(Value::Null) => {}
            Some(Value::String(a)) => self.arguments.push_str(a),
            Some(other) => other.write(&mut self.arguments),
        }
    }

    /// Appends `"function":{"name":..,"arguments":..}` under `key`.
    fn write_function(&self, out: &mut String, key: &str) {
        push_key(out, key);
        out.push('{');
        put_str(out, "name", Some(self.name.as_deref().unwrap_or_default()));
        put_str(out, "arguments", Some(&self.arguments));
        out.push('}');
    }
}

impl Choice {
    /// Returns the call a tool-call delta at `index` continues, or a new one: a piece with an
    /// id other than the id of the last call at that index starts a new call.
    fn tool_call(&mut self, index: u64, id: Option<&str>) -> Option<&mut ToolCall> {
        let end = self.tool_calls.partition_point(|t| t.index <= index);
        let last = end
            .checked_sub(1)
            .filter(|&at| self.tool_calls.get(at).is_some_and(|t| t.index == index));
        let continues = |t: &ToolCall| match (id, t.id.as_deref()) {
            (Some(new), Some(old)) => old.is_empty() || new == old,
            _ => true,
        };
        match last {
            Some(at) if self.tool_calls.get(at).is_some_and(continues) => {
                self.tool_calls.get_mut(at)
            }
            _ if self.tool_calls.len() >= MAX_SLOTS => None,
            _ => {
                self.tool_calls.insert(
                    end,
                    ToolCall {
                        index,
                        ..ToolCall::default()
                    },
                );
                self.tool_calls.get_mut(end)
            }
        }
    }

    /// Merges one choice of a chunk; returns the content text it added.
    fn merge(&mut self, c: &Value) -> Option<String> {
        let mut added = None;
        if let Some(d) = c.get("delta") {
            fill(&mut self.role, d.get("role"));
            match d.get("content") {
                Some(Value::Array(parts)) => {
                    added = Some(content_parts(parts, &mut self.content, &mut self.reasoning));
                }
                other => {
                    append(&mut self.content, other);
                    added = other.and_then(Value::as_str).map(Into::into);
                }
            }
            append(&mut self.refusal, d.get("refusal"));
            // Some servers mirror the same text in both fields: take one per delta.
            let reasoning = d.get("reasoning_content").filter(|r| r.as_str().is_some());
            append(&mut self.reasoning, reasoning.or(d.get("reasoning")));
            let calls = d
                .get("tool_calls")
                .and_then(Value::as_array)
                .unwrap_or_default();
            for (pos, t) in calls.iter().enumerate() {
                let index = t.get("index").and_then(Value::as_u64).unwrap_or(pos as u64);
                let id = t
                    .get("id")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty());
                if let Some(call) = self.tool_call(index, id) {
                    call.merge(Some(t), t.get("function"));
                }
            }
            if let Some(f) = non_null(d, "function_call") {
                self.function_call
                    .get_or_insert_with(ToolCall::default)
                    .merge(None, Some(f));
            }
            for (k, v) in d.as_object().unwrap_or_default() {
                if !v.is_null() && !DELTA_KNOWN.contains(&k.as_ref()) {
                    merge_delta(&mut self.delta_extra, k, v);
                }
            }
        }
        if let Some(r) = non_null(c, "finish_reason") {
            self.finish_reason = Some(r.to_json());
        }
        if let Some(lp) = c.get("logprobs").filter(|l| l.as_object().is_some()) {
            let acc = self.logprobs.get_or_insert_with(Default::default);
            for (key, list) in ["content", "refusal"].into_iter().zip(acc.iter_mut()) {
                if let Some(items) = lp.get(key).and_then(Value::as_array) {
                    let list = list.get_or_insert_with(String::new);
                    for item in items {
                        if !list.is_empty() {
                            list.push(',');
                        }
                        item.write(list);
                    }
                }
            }
        }
        keep_extra(&mut self.extra, c, |k| CHOICE_KNOWN.contains(&k));
        added
    }

    fn write(&self, out: &mut String) {
        out.push_str("{\"index\":");
        json::push_u64(out, self.index);
        push_key(out, "message");
        out.push('{');
        put_str(
            out,
            "role",
            Some(self.role.as_deref().unwrap_or("assistant")),
        );
        put_str(out, "content", self.content.as_deref());
        if let Some(r) = &self.refusal {
            put_str(out, "refusal", Some(r));
        }
        if let Some(r) = &self.reasoning {
            put_str(out, "reasoning_content", Some(r));
        }
        if !self.tool_calls.is_empty() {
            push_key(out, "tool_calls");
            out.push('[');
            for t in &self.tool_calls {
                push_sep(out);
                out.push('{');
                put_str(out, "id", Some(t.id.as_deref().unwrap_or_default()));
                put_str(out, "type", Some(t.kind.as_deref().unwrap_or("function")));
                t.write_function(out, "function");
                out.push('}');
            }
            out.push(']');
        }
        if let Some(f) = &self.function_call {
            f.write_function(out, "function_call");
        }
        for (k, v) in &self.delta_extra {
            push_key(out, k);
            v.write(out);
        }
        out.push('}');
        push_key(out, "logprobs");
        match &self.logprobs {
            None => out.push_str("null"),
            Some(lists) => {
                out.push('{');
                for (key, list) in ["content", "refusal"].into_iter().zip(lists) {
                    push_key(out, key);
                    match list {
                        None => out.push_str("null"),
                        Some(items) => {
                            out.push('[');
                            out.push_str(items);
                            out.push(']');
                        }
                    }
                }
                out.push('}');
            }
        }
        push_key(out, "finish_reason");
        out.push_str(self.finish_reason.as_deref().unwrap_or("null"));
        write_extra(out, &self.extra);
        out.push('}');
    }
}

/// Tells whether `id`/`created`/`model` text is a placeholder (`""` or `0`): unset.
fn placeholder(text: &str) -> bool {
    text == "\"\"" || text == "0"
}

impl ChatAccumulator {
    /// Creates an empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one SSE data payload (never `[DONE]`) and returns what it contributed.
    ///
    /// A payload with an `error` member returns [`ChunkError::Api`] and changes nothing.
    pub fn push(&mut self, data: &str) -> Result<ChunkSummary, ChunkError> {
        self.templated = false;
        if let Some(summary) = self.push_templated(data) {
            self.templated = true;
            return Ok(summary);
        }
        match self.push_fast(data) {
            Some(summary) => Ok(summary),
            None => {
                self.template.0.forget();
                self.push_tree(data)
            }
        }
    }

    /// Takes a chunk that is the last content-only chunk with another content string (see
    /// [`Template`]): the same effect as [`push_fast`](Self::push_fast), without parsing.
    fn push_templated(&mut self, data: &str) -> Option<ChunkSummary> {
        let text = self.template.0.text(data)?;
        let index = self.template.1;
        let at = self
            .choices
            .binary_search_by_key(&index, |c| c.index)
            .ok()?;
        let choice = self.choices.get_mut(at)?;
        choice
            .content
            .get_or_insert_with(String::new)
            .push_str(text);
        self.chunks += 1;
        Some(ChunkSummary {
            content: (index == 0 && !text.is_empty()).then(|| text.to_owned()),
            ..ChunkSummary::default()
        })
    }

    /// The template the next chunks are compared with, and whether the last chunk pushed was
    /// its event with another text (see [`Template::between`]).
    pub fn template(&self) -> (&Template, bool) {
        (&self.template.0, self.templated)
    }

    /// The general path of [`push`](Self::push): parses the whole payload.
    fn push_tree(&mut self, data: &str) -> Result<ChunkSummary, ChunkError> {
        let v = json::parse(data)?;
        if v.as_object().is_none() {
            return Err(ChunkError::Shape("stream chunk is not a json object"));
        }
        if let Some(err) = non_null(&v, "error") {
            return Err(api_error(err));
        }
        self.chunks += 1;
        for (i, (slot, (key, _))) in self.meta.iter_mut().zip(META).enumerate() {
            if slot.is_none() {
                // `id`, `created` and `model` may come as placeholders first (Azure).
                *slot = non_null(&v, key)
                    .map(Value::to_json)
                    .filter(|t| i >= 3 || !placeholder(t));
            }
        }
        keep_extra(&mut self.extra, &v, |k| {
            TOP_KNOWN.contains(&k) || META.iter().any(|(m, _)| *m == k)
        });
        if let Some(u) = non_null(&v, "usage") {
            self.usage = Some(u.to_json());
        }
        let mut summary = ChunkSummary::default();
        let choices = v
            .get("choices")
            .and_then(Value::as_array)
            .unwrap_or_default();
        summary.empty = choices.is_empty();
        for (pos, c) in choices.iter().enumerate() {
            let index = c.get("index").and_then(Value::as_u64).unwrap_or(pos as u64);
            let new = |index| Choice {
                index,
                ..Choice::default()
            };
            let added =
                slot(&mut self.choices, index, |c| c.index, new).and_then(|choice| choice.merge(c));
            if non_null(c, "finish_reason").is_some() {
                summary.finished = true;
                self.saw_finish = true;
            }
            if index == 0 {
                summary.content = added.filter(|t| !t.is_empty());
            }
        }
        Ok(summary)
    }

    /// Handles the chunk most of a stream is made of (one choice whose delta has only
    /// `content`/`role`, no finish reason, logprobs, usage or error, metadata already known,
    /// unknown members unchanged) without building a tree. Returns `None`, having changed
    /// nothing, for anything else: [`push`](Self::push) then takes the general path, which
    /// also reports errors.
    fn push_fast(&mut self, data: &str) -> Option<ChunkSummary> {
        let mut s = json::Scanner::new(data);
        let (mut index, mut content, mut role) = (0, None, None);
        // Where a content string without escapes lies (for the template).
        let mut span = None;
        let (mut seen_choices, mut has_choice) = (false, false);
        // Unknown choice members, checked once the choice is known.
        let mut choice_extra: Vec<(String, &str)> = Vec::new();
        let (extra, meta) = (&self.extra, &self.meta);
        s.object(|s, key| {
            match key {
                "choices" => {
                    if seen_choices {
                        return None;
                    }
                    seen_choices = true;
                    s.array(|s| {
                        if has_choice {
                            return None; // several choices: the general path
                        }
                        has_choice = true;
                        let mut seen_delta = false;
                        s.object(|s, key| match key {
                            "index" => {
                                index = s.u64()?;
                                Some(())
                            }
                            "delta" if !seen_delta => {
                                seen_delta = true;
                                s.object(|s, key| match key {
                                    "content" | "role" if !s.null() => {
                                        let slot = if key == "content" {
                                            &mut content
                                        } else {
                                            &mut role
                                        };
                                        if slot.is_some() {
                                            return None;
                                        }
                                        let v = s.string()?;
                                        if let (true, Cow::Borrowed(b)) = (key == "content", &v) {
                                            let end = s.pos().saturating_sub(1);
                                            span = Some((end.saturating_sub(b.len()), end));
                                        }
                                        *slot = Some(v);
                                        Some(())
                                    }
                                    _ => s.null().then_some(()),
                                })
                            }
                            "delta" => None,
                            "finish_reason" | "logprobs" => s.null().then_some(()),
                            _ if s.null() => Some(()),
                            _ => {
                                let raw = s.raw()?;
                                choice_extra.push((key.to_owned(), raw));
                                Some(())
                            }
                        })
                    })
                }
                "error" | "usage" => s.null().then_some(()),
                "object" | "obfuscation" => s.skip(),
                _ => match META
                    .iter()
                    .position(|(k, _)| *k == key)
                    .map(|i| meta.get(i))
                {
                    Some(Some(None)) => s.null().then_some(()),
                    Some(_) => s.skip(),
                    None if s.null() => Some(()),
                    None => holds(extra, key, s.raw()?).then_some(()),
                },
            }
        })?;
        if !s.at_end() {
            return None;
        }
        if !choice_extra.is_empty() {
            let at = self
                .choices
                .binary_search_by_key(&index, |c| c.index)
                .ok()?;
            let choice = self.choices.get(at)?;
            if !choice_extra
                .iter()
                .all(|(k, raw)| holds(&choice.extra, k, raw))
            {
                return None;
            }
        }
        self.chunks += 1;
        let mut summary = ChunkSummary {
            empty: !has_choice,
            ..ChunkSummary::default()
        };
        if !has_choice {
            return Some(summary);
        }
        match (span, &role) {
            (Some((start, end)), None) => {
                self.template.0.learn(data, start, end);
                self.template.1 = index;
            }
            _ => self.template.0.forget(),
        }
        let new = |index| Choice {
            index,
            ..Choice::default()
        };
        let choice = slot(&mut self.choices, index, |c| c.index, new)?;
        if let Some(r) = role.filter(|r| !r.is_empty()) {
            if choice.role.as_deref().map_or(true, str::is_empty) {
                choice.role = Some(r.into_owned());
            }
        }
        if let Some(c) = content {
            choice.content.get_or_insert_with(String::new).push_str(&c);
            if index == 0 && !c.is_empty() {
                summary.content = Some(c.into_owned());
            }
        }
        Some(summary)
    }

    /// Hands out the content accumulated so far of each choice holding at least `min` bytes
    /// of it, so a long answer need not stay in this (wasm) memory: `put(id, text)`, where
    /// `id` numbers the choices from 0 in the order they first spilled; the text is then gone
    /// from here, and [`finish`](Self::finish) writes only what came after it. The caller
    /// puts the pieces back in front with [`spilled`](Self::spilled).
    pub fn spill(&mut self, min: usize, mut put: impl FnMut(usize, String)) {
        for c in &mut self.choices {
            let Some(text) = c.content.as_mut().filter(|t| t.len() >= min && min > 0) else {
                continue;
            };
            let id = *c.spilled.get_or_insert_with(|| {
                self.spills += 1;
                self.spills - 1
            });
            put(id, std::mem::take(text));
        }
    }

    /// Returns `(id, position)` for each choice that spilled: its content in the array of
    /// choices [`finish`](Self::finish) writes starts with the text handed out under `id`.
    pub fn spilled(&self) -> Vec<(usize, usize)> {
        let at = self.choices.iter().enumerate();
        at.filter_map(|(pos, c)| c.spilled.map(|id| (id, pos)))
            .collect()
    }

    /// Tells whether any choice got a `finish_reason`.
    pub fn saw_finish(&self) -> bool {
        self.saw_finish
    }

    /// Returns how many chunks were accepted (error payloads and invalid data not counted).
    #[cfg(any(test, feature = "testing"))]
    pub fn chunks(&self) -> usize {
        self.chunks
    }

    /// Returns the accumulated `chat.completion` as JSON text.
    pub fn finish(&self) -> String {
        let mut out = String::from("{");
        for (i, ((key, default), v)) in META.into_iter().zip(&self.meta).enumerate() {
            if let Some(v) = v.as_deref().or(default) {
                push_key(&mut out, key);
                out.push_str(v);
            }
            if i == 0 {
                out.push_str(",\"object\":\"chat.completion\"");
            }
        }
        write_extra(&mut out, &self.extra);
        push_key(&mut out, "choices");
        out.push('[');
        for c in &self.choices {
            push_sep(&mut out);
            c.write(&mut out);
        }
        out.push(']');
        push_key(&mut out, "usage");
        out.push_str(self.usage.as_deref().unwrap_or("null"));
        out.push('}');
        out
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::sse::SseParser;
    use proptest::prelude::*;
    use serde_json::{json, Value as J};

    fn acc(chunks: &[&str]) -> ChatAccumulator {
        let mut a = ChatAccumulator::new();
        for c in chunks {
            a.push(c).unwrap();
        }
        a
    }

    fn out(a: &ChatAccumulator) -> J {
        serde_json::from_str(&a.finish()).unwrap()
    }

    fn message(a: &ChatAccumulator) -> J {
        out(a)["choices"][0]["message"].clone()
    }

    /// Feeds an SSE stream through the parser and the accumulator, stopping at `[DONE]`.
    fn stream(text: &[u8]) -> (ChatAccumulator, Vec<ChunkSummary>, Vec<ChunkError>) {
        let mut p = SseParser::new();
        let mut a = ChatAccumulator::new();
        let (mut sums, mut errs) = (Vec::new(), Vec::new());
        for c in text.chunks(7) {
            p.push(c);
            while let Some(e) = p.next_event() {
                if e.data == "[DONE]" {
                    continue;
                }
                match a.push(&e.data) {
                    Ok(s) => sums.push(s),
                    Err(e) => errs.push(e),
                }
            }
        }
        (a, sums, errs)
    }

    #[test]
    fn recorded_stream_matches_expected_completion() {
        let (a, sums, errs) = stream(include_bytes!("../../tests/fixtures/openai_chat.sse"));
        assert!(errs.is_empty());
        assert_eq!(a.chunks(), 12);
        assert!(a.saw_finish());
        let text: String = sums.iter().filter_map(|s| s.content.as_deref()).collect();
        assert_eq!(text, "Let me check the \"weather\"\n");
        assert_eq!(sums.iter().filter(|s| s.finished).count(), 1);
        assert_eq!(sums.iter().filter(|s| s.content.is_some()).count(), 2); // "" is not reported
        let want = json!({
            "id": "chatcmpl-AbC123",
            "object": "chat.completion",
            "created": 1731234567,
            "model": "gpt-4o-mini-2024-07-18",
            "system_fingerprint": "fp_0ba0d124f1",
            "service_tier": "default",
            "choices": [{
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Let me check the \"weather\"\n",
                    "tool_calls": [
                        {"id": "call_Xy9", "type": "function",
                         "function": {"name": "get_weather", "arguments": "{\"location\": \"Paris\"}"}},
                        {"id": "call_Zq7", "type": "function",
                         "function": {"name": "get_time", "arguments": "{\"tz\": \"Europe/Paris\"}"}}
                    ]
                },
                "logprobs": null,
                "finish_reason": "tool_calls"
            }],
            "usage": {
                "prompt_tokens": 82, "completion_tokens": 48, "total_tokens": 130,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                    "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
            }
        });
        assert_eq!(out(&a), want);
        // Key order of the output is fixed too.
        assert!(a.finish().starts_with(
            r#"{"id":"chatcmpl-AbC123","object":"chat.completion","created":1731234567,"model":"#
        ));
    }

    #[test]
    fn unicode_and_escapes_in_content() {
        let (a, sums, errs) = stream(include_bytes!("../../tests/fixtures/unicode.sse"));
        assert_eq!(sums.len(), 3);
        assert!(matches!(errs.as_slice(), [ChunkError::Json(_)])); // the last event is not JSON
        assert_eq!(message(&a)["content"], "Grüße 😀 中文字符 🇫🇷 ü😀 𝄞 ñ");
        let a = acc(&[r#"{"choices":[{"delta":{"content":"a\"b\\c\n\t\u0000\ud800"}}]}"#]);
        assert_eq!(message(&a)["content"], "a\"b\\c\n\t\u{0}\u{fffd}");
    }

    #[test]
    fn parallel_tool_calls_interleaved() {
        let a = acc(&[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":""}},{"index":1,"id":"call_b","type":"function","function":{"name":"g","arguments":"{\"y"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\":2"}},{"index":0,"function":{"arguments":"{\"x\""}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"","function":{"name":"","arguments":"}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ]);
        let m = message(&a);
        assert_eq!(m["content"], J::Null);
        assert_eq!(
            m["tool_calls"],
            json!([
                {"id":"call_a","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},
                {"id":"call_b","type":"function","function":{"name":"g","arguments":"{\"y\":2}"}}
            ])
        );
    }

    #[test]
    fn tool_calls_sorted_and_filled_late() {
        let a = acc(&[
            r#"{"choices":[{"delta":{"tool_calls":[{"index":2,"function":{"arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"c1","function":{"name":"one"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":2,"id":"c2","type":"function","function":{"name":"two"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":2,"id":"other","function":{"name":"other"}}]}}]}"#,
        ]);
        assert_eq!(
            message(&a)["tool_calls"],
            json!([
                {"id":"c1","type":"function","function":{"name":"one","arguments":""}},
                {"id":"c2","type":"function","function":{"name":"two","arguments":"{}"}},
                // Another id at an index that has one is another call (issue 10, item 7).
                {"id":"other","type":"function","function":{"name":"other","arguments":""}}
            ])
        );
    }

    #[test]
    fn missing_indexes_use_position() {
        let a = acc(&[
            r#"{"choices":[{"delta":{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"["}},{"id":"b","function":{"name":"g","arguments":"{"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"1]"}},{"function":{"arguments":"}"}}]}}]}"#,
        ]);
        let calls = &message(&a)["tool_calls"];
        assert_eq!(calls[0]["function"]["arguments"], "[1]");
        assert_eq!(calls[1]["function"]["arguments"], "{}");
        assert_eq!(out(&a)["choices"][0]["index"], 0);
    }

    #[test]
    fn n_choices_interleaved() {
        let a = acc(&[
            r#"{"id":"x","choices":[{"index":1,"delta":{"role":"assistant","content":"B"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"A"}}]}"#,
            r#"{"choices":[{"index":1,"delta":{"content":"b"},"finish_reason":null},{"index":0,"delta":{"content":"a"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            r#"{"choices":[{"index":1,"delta":{},"finish_reason":"length"}]}"#,
        ]);
        let o = out(&a);
        assert_eq!(o["choices"].as_array().unwrap().len(), 2);
        assert_eq!(o["choices"][0]["index"], 0);
        assert_eq!(o["choices"][0]["message"]["content"], "Aa");
        assert_eq!(o["choices"][0]["finish_reason"], "stop");
        assert_eq!(o["choices"][1]["index"], 1);
        assert_eq!(o["choices"][1]["message"]["content"], "Bb");
        assert_eq!(o["choices"][1]["finish_reason"], "length");
    }

    #[test]
    fn summary_reports_choice_zero_only() {
        let mut a = ChatAccumulator::new();
        let s = a
            .push(r#"{"choices":[{"index":1,"delta":{"content":"x"}}]}"#)
            .unwrap();
        assert_eq!(
            s,
            ChunkSummary {
                content: None,
                finished: false,
                empty: false
            }
        );
        let s = a.push(r#"{"choices":[{"index":1,"delta":{"content":"x"}},{"index":0,"delta":{"content":"y"},"finish_reason":"stop"}]}"#).unwrap();
        assert_eq!(
            s,
            ChunkSummary {
                content: Some("y".into()),
                finished: true,
                empty: false
            }
        );
        let s = a
            .push(r#"{"choices":[{"index":0,"delta":{"content":""}}]}"#)
            .unwrap();
        assert_eq!(s.content, None);
    }

    #[test]
    fn usage_last_non_null_wins() {
        let a = acc(&[
            r#"{"choices":[{"delta":{"content":"hi"},"finish_reason":"stop"}],"usage":{"total_tokens":1}}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}"#,
            r#"{"choices":[],"usage":null}"#,
        ]);
        assert_eq!(
            out(&a)["usage"],
            json!({"prompt_tokens":5,"completion_tokens":2,"total_tokens":7})
        );
        assert_eq!(
            acc(&[r#"{"choices":[]}"#]).finish(),
            r#"{"id":"","object":"chat.completion","created":0,"model":"","choices":[],"usage":null}"#
        );
    }

    #[test]
    fn empty_accumulator() {
        let a = ChatAccumulator::default();
        assert_eq!(
            a.finish(),
            r#"{"id":"","object":"chat.completion","created":0,"model":"","choices":[],"usage":null}"#
        );
        assert!(!a.saw_finish());
        assert_eq!(a.chunks(), 0);
    }

    #[test]
    fn metadata_first_wins_and_late_fill() {
        let a = acc(&[
            r#"{"id":"a","created":null,"model":null,"choices":[]}"#,
            r#"{"id":"b","created":17,"model":"m1","system_fingerprint":null,"choices":[]}"#,
            r#"{"id":"c","created":18,"model":"m2","system_fingerprint":"fp","service_tier":"flex","choices":[]}"#,
        ]);
        let o = out(&a);
        assert_eq!(
            (&o["id"], &o["created"], &o["model"]),
            (&json!("a"), &json!(17), &json!("m1"))
        );
        assert_eq!(
            (&o["system_fingerprint"], &o["service_tier"]),
            (&json!("fp"), &json!("flex"))
        );
        assert!(out(&acc(&[r#"{"choices":[]}"#]))
            .get("system_fingerprint")
            .is_none());
    }

    #[test]
    fn role_refusal_reasoning() {
        let a = acc(&[
            r#"{"choices":[{"delta":{"role":"","reasoning_content":"think "}}]}"#,
            r#"{"choices":[{"delta":{"role":"assistant","reasoning":"more","refusal":"I can"}}]}"#,
            r#"{"choices":[{"delta":{"role":"tool","refusal":"not.","reasoning_content":null}}]}"#,
        ]);
        let m = message(&a);
        assert_eq!(
            m,
            json!({"role":"assistant","content":null,"refusal":"I cannot.","reasoning_content":"think more"})
        );
        let plain = message(&acc(&[
            r#"{"choices":[{"delta":{"content":"x","refusal":null,"reasoning_content":null}}]}"#,
        ]));
        assert_eq!(plain, json!({"role":"assistant","content":"x"}));
    }

    #[test]
    fn empty_content_string_is_kept() {
        let m = message(&acc(&[
            r#"{"choices":[{"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}"#,
        ]));
        assert_eq!(m["content"], "");
    }

    #[test]
    fn legacy_function_call() {
        let a = acc(&[
            r#"{"choices":[{"delta":{"role":"assistant","content":null,"function_call":{"name":"lookup","arguments":""}}}]}"#,
            r#"{"choices":[{"delta":{"function_call":{"arguments":"{\"q\":"}}}]}"#,
            r#"{"choices":[{"delta":{"function_call":{"arguments":"1}"}},"finish_reason":"function_call"}]}"#,
        ]);
        assert_eq!(
            message(&a)["function_call"],
            json!({"name":"lookup","arguments":"{\"q\":1}"})
        );
        assert_eq!(out(&a)["choices"][0]["finish_reason"], "function_call");
    }

    #[test]
    fn non_string_arguments_are_kept_as_json() {
        let a = acc(&[
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":{"a":[1,2.50]}}}]}}]}"#,
        ]);
        assert_eq!(
            message(&a)["tool_calls"][0]["function"]["arguments"],
            "{\"a\":[1,2.50]}"
        );
    }

    #[test]
    fn finish_reason_last_non_null_wins() {
        let a = acc(&[
            r#"{"choices":[{"delta":{},"finish_reason":"length"}]}"#,
            r#"{"choices":[{"delta":{},"finish_reason":null}]}"#,
            r#"{"choices":[{"delta":{},"finish_reason":"stop"}]}"#,
            r#"{"choices":[{"delta":{}}]}"#,
        ]);
        assert_eq!(out(&a)["choices"][0]["finish_reason"], "stop");
        assert!(a.saw_finish());
        assert!(
            !acc(&[r#"{"choices":[{"delta":{"content":"x"},"finish_reason":null}]}"#]).saw_finish()
        );
    }

    #[test]
    fn logprobs_concatenate_raw() {
        let a = acc(&[
            r#"{"choices":[{"delta":{"content":"Hi"},"logprobs":{"content":[{"token":"Hi","logprob":-0.0001,"bytes":[72,105],"top_logprobs":[]}],"refusal":null}}]}"#,
            r#"{"choices":[{"delta":{"content":"!"},"logprobs":null}]}"#,
            r#"{"choices":[{"delta":{"content":"!"},"logprobs":{"content":[{"token":"!","logprob":-1.5E-7,"bytes":[33],"top_logprobs":[]}]}}]}"#,
        ]);
        let lp = out(&a)["choices"][0]["logprobs"].clone();
        assert_eq!(lp["content"].as_array().unwrap().len(), 2);
        assert_eq!(lp["refusal"], J::Null);
        assert!(a.finish().contains(r#""logprob":-1.5E-7"#)); // raw number text kept
        let none = out(&acc(&[
            r#"{"choices":[{"delta":{"content":"x"},"logprobs":null}]}"#,
        ]));
        assert_eq!(none["choices"][0]["logprobs"], J::Null);
    }

    #[test]
    fn error_payloads() {
        let mut a = ChatAccumulator::new();
        let api = |m: &str, k: Option<&str>, c: Option<&str>, p: Option<&str>| ChunkError::Api {
            message: m.into(),
            kind: k.map(Into::into),
            code: c.map(Into::into),
            param: p.map(Into::into),
        };
        assert_eq!(
            a.push(r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded","param":null}}"#),
            Err(api("Rate limit reached", Some("requests"), Some("rate_limit_exceeded"), None))
        );
        assert_eq!(
            a.push(r#"{"error":{"message":"bad","code":429,"param":"model"}}"#),
            Err(api("bad", None, Some("429"), Some("model")))
        );
        assert_eq!(
            a.push(r#"{"error":"Something went wrong"}"#),
            Err(api("Something went wrong", None, None, None))
        );
        assert_eq!(
            a.push(
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
            ),
            Err(api("Overloaded", Some("overloaded_error"), None, None))
        );
        assert_eq!(
            a.push(r#"{"error":{"code":500}}"#),
            Err(api(r#"{"code":500}"#, None, Some("500"), None))
        );
        assert!(matches!(a.push("not json"), Err(ChunkError::Json(_))));
        assert!(matches!(a.push(""), Err(ChunkError::Json(_))));
        assert!(matches!(
            a.push("{\"choices\":[1,]}"),
            Err(ChunkError::Json(_))
        ));
        for shape in ["[1,2]", "\"text\"", "42", "null", "true"] {
            assert_eq!(
                a.push(shape),
                Err(ChunkError::Shape("stream chunk is not a json object"))
            );
        }
        assert_eq!(a.chunks(), 0);
        // A null error member is not an error.
        assert!(a
            .push(r#"{"error":null,"choices":[{"delta":{"content":"ok"}}]}"#)
            .is_ok());
        assert_eq!(a.chunks(), 1);
    }

    #[test]
    fn wrong_types_are_ignored() {
        let a = acc(&[
            r#"{"id":5,"choices":{"index":0}}"#,
            r#"{"choices":[1,"x",null,{"index":-1,"delta":"str"},{"index":"0","delta":{"content":5,"tool_calls":{"a":1}}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[null,3,{"index":1.5,"function":"f"}],"function_call":null}}]}"#,
        ]);
        let o = out(&a);
        assert_eq!(o["id"], 5);
        assert!(o["choices"].is_array());
    }

    fn arb_json() -> impl Strategy<Value = J> {
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<i64>().prop_map(J::from),
            prop_oneof![Just("content"), Just("tool_calls"), Just("x"), Just("")].prop_map(J::from),
            any::<String>().prop_map(J::String),
        ];
        leaf.prop_recursive(5, 48, 6, |inner| {
            let key = prop_oneof![
                Just("choices"),
                Just("delta"),
                Just("index"),
                Just("content"),
                Just("tool_calls"),
                Just("function"),
                Just("arguments"),
                Just("name"),
                Just("id"),
                Just("error"),
                Just("usage"),
                Just("logprobs"),
                Just("finish_reason"),
                Just("function_call"),
                Just("refusal"),
                Just("reasoning"),
                Just("role"),
                Just("type"),
                Just("message"),
            ]
            .prop_map(String::from);
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(J::Array),
                prop::collection::vec((key, inner), 0..6)
                    .prop_map(|m| J::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_json_never_panics(values in prop::collection::vec(arb_json(), 0..8)) {
            let mut a = ChatAccumulator::new();
            for v in &values {
                let _ = a.push(&v.to_string());
            }
            let done: J = serde_json::from_str(&a.finish()).unwrap();
            prop_assert!(done["choices"].is_array());
        }

        #[test]
        fn arbitrary_text_never_panics(texts in prop::collection::vec(any::<String>(), 0..8)) {
            let mut a = ChatAccumulator::new();
            for t in &texts {
                let _ = a.push(t);
            }
            prop_assert!(serde_json::from_str::<J>(&a.finish()).is_ok());
        }

        #[test]
        fn fixture_any_chunking_same_result(size in 1usize..64) {
            let bytes = include_bytes!("../../tests/fixtures/openai_chat.sse");
            let mut p = SseParser::new();
            let mut a = ChatAccumulator::new();
            for c in bytes.chunks(size) {
                p.push(c);
                while let Some(e) = p.next_event() {
                    if e.data != "[DONE]" {
                        a.push(&e.data).unwrap();
                    }
                }
            }
            prop_assert_eq!(a.finish(), stream(bytes).0.finish());
        }
    }

    /// Some servers send the same reasoning text in `reasoning_content` and `reasoning`.
    #[test]
    fn mirrored_reasoning_is_not_doubled() {
        let mut a = ChatAccumulator::new();
        a.push(
            r#"{"choices":[{"index":0,"delta":{"reasoning":"The","reasoning_content":"The"}}]}"#,
        )
        .unwrap();
        a.push(r#"{"choices":[{"index":0,"delta":{"reasoning":" end"}}]}"#)
            .unwrap();
        a.push(r#"{"choices":[{"index":0,"delta":{"reasoning_content":null,"reasoning":"!"}}]}"#)
            .unwrap();
        assert!(
            a.finish().contains(r#""reasoning_content":"The end!""#),
            "{}",
            a.finish()
        );
    }

    /// A hostile chunk with thousands of choices in descending index order stays linear-ish
    /// (it took 11 s for 40k before the cap) and keeps the first MAX_SLOTS indices it met.
    #[test]
    fn huge_choice_counts_are_capped() {
        let items: Vec<String> = (0..40_000)
            .rev()
            .map(|i| format!(r#"{{"index":{i},"delta":{{"content":"x"}}}}"#))
            .collect();
        let chunk = format!(r#"{{"choices":[{}]}}"#, items.join(","));
        let mut a = ChatAccumulator::new();
        a.push(&chunk).unwrap();
        let out: serde_json::Value = serde_json::from_str(&a.finish()).unwrap();
        assert_eq!(out["choices"].as_array().unwrap().len(), MAX_SLOTS);
    }

    /// The fast path must give exactly what the general path gives, chunk by chunk.
    #[test]
    fn fast_path_matches_the_tree_path() {
        let mut inputs: Vec<String> = Vec::new();
        for line in include_str!("../../tests/fixtures/openai_chat.sse").lines() {
            if let Some(d) = line.strip_prefix("data: ") {
                if d != "[DONE]" {
                    inputs.push(d.to_owned());
                }
            }
        }
        let odd = [
            r#"{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            r#"{"id":"x","choices":[{"index":0,"delta":{"content":"a\u00e9\n\"q\""},"logprobs":null,"finish_reason":null}],"usage":null}"#,
            r#"{"choices":[{"index":1,"delta":{"content":"second"}}]}"#,
            r#"{"choices":[{"delta":{"content":"no index","reasoning_content":null,"tool_calls":null}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"dup","content":"licate"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"x"},"delta":{"content":"y"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"x"}},{"index":1,"delta":{"content":"y"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"x","audio":{"id":"a"}},"extra":[1,{"b":null}]}],"x_unknown":true}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":null,"role":null}}]}"#,
            r#"{"choices":[{"index":-1,"delta":{"content":"neg"}}]}"#,
            r#"{"choices":[{"index":"0","delta":{"content":"str"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"x"}}],}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"x"}}]} trailing"#,
            r#"{"choices":[{"index":0,"delta":{"content":"x"}}]"#,
            r#"{"choices":[{"index":0,"delta":{"content":"x",}}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
            r#"{"choices":[]}"#,
            r#"{"error":null,"choices":[{"index":0,"delta":{"content":"e"}}]}"#,
            r#"{"error":{"message":"boom","type":"server_error"}}"#,
            r#"{"choices":[{"index":0,"delta":{"content":5}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"refusal":"no"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"deep","x":[[[[[[[[[[1]]]]]]]]]]}}]}"#,
            r#"[]"#,
            r#"{}"#,
        ];
        inputs.extend(odd.iter().map(|s| s.to_string()));
        // Nesting right at json::MAX_DEPTH under the delta (found by the fuzz loop: the fast
        // path once counted depth from the skipped value, not from the top).
        for n in 118..=126 {
            let (open, close) = ("[".repeat(n), "]".repeat(n));
            inputs.push(format!(
                r#"{{"choices":[{{"index":0,"delta":{{"content":"a","x":{open}{{}}{close}}}}}]}}"#
            ));
        }
        // Every prefix of the sequence: state must agree after each chunk.
        let (mut fast, mut tree) = (ChatAccumulator::new(), ChatAccumulator::new());
        for d in &inputs {
            assert_eq!(fast.push(d), tree.push_tree(d), "chunk {d}");
            assert_eq!(fast.finish(), tree.finish(), "after {d}");
            assert_eq!(fast.chunks(), tree.chunks());
            assert_eq!(fast.saw_finish(), tree.saw_finish());
        }
        // And each input alone, on a fresh accumulator and after a first chunk set the metadata.
        for d in &inputs {
            for warm in [false, true] {
                let (mut fast, mut tree) = (ChatAccumulator::new(), ChatAccumulator::new());
                if warm {
                    let first = r#"{"id":"i","created":2,"model":"m","system_fingerprint":"f","service_tier":"t","choices":[]}"#;
                    fast.push(first).unwrap();
                    tree.push_tree(first).unwrap();
                }
                assert_eq!(fast.push(d), tree.push_tree(d), "chunk {d}");
                assert_eq!(fast.finish(), tree.finish(), "after {d}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { failure_persistence: None, cases: 2000, ..Default::default() })]
        /// Random mutations of a typical content chunk: both paths agree.
        #[test]
        fn fast_path_agrees_on_mutations(cut in 0usize..260, ins in proptest::prelude::any::<u8>(), del in proptest::prelude::any::<bool>()) {
            let base = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"basic","system_fingerprint":"fp","choices":[{"index":0,"delta":{"content":" tok\n"},"logprobs":null,"finish_reason":null}]}"#;
            let mut bytes = base.as_bytes().to_vec();
            let at = cut.min(bytes.len());
            if del && at < bytes.len() { bytes.remove(at); } else { bytes.insert(at, ins); }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let warm = r#"{"id":"i","created":2,"model":"m","system_fingerprint":"f","service_tier":"t","choices":[]}"#;
            let (mut fast, mut tree) = (ChatAccumulator::new(), ChatAccumulator::new());
            fast.push(warm).unwrap();
            tree.push_tree(warm).unwrap();
            proptest::prop_assert_eq!(fast.push(&text), tree.push_tree(&text));
            proptest::prop_assert_eq!(fast.finish(), tree.finish());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { failure_persistence: None, cases: 500, ..Default::default() })]
        /// Random sequences of chunks that differ from each other only a little (content,
        /// index, unknown members, finish): the template, fast and tree paths all agree.
        #[test]
        fn template_agrees_with_the_tree_path(picks in proptest::collection::vec((0usize..14, 0usize..6), 1..40)) {
            let texts = ["a", " tok", "", "é😀", "q\\\"x", "\\n"];
            let shapes = [
                r#"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"T"},"logprobs":null,"finish_reason":null}],"usage":null}"#,
                r#"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":1,"delta":{"content":"T"},"logprobs":null,"finish_reason":null}],"usage":null}"#,
                r#"{"id":"c1","choices":[{"index":0,"delta":{"content":"T"}}],"x":1}"#,
                r#"{"id":"c1","choices":[{"index":0,"delta":{"content":"T"}}],"x":2}"#,
                r#"{"id":"c1","choices":[{"index":0,"delta":{"content":"T"},"f":[1]}]}"#,
                r#"{"id":"c1","choices":[{"index":0,"delta":{"content":"T"},"f":[2]}]}"#,
                r#"{"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":"T"}}]}"#,
                r#"{"id":"c1","choices":[{"index":0,"delta":{"content":"T"},"finish_reason":"stop"}]}"#,
                r#"{"id":"c1","choices":[{"index":0,"delta":{"content":"T","x":"y"}}]}"#,
                r#"{"id":"c1","choices":[{"index":0,"delta":{"content":null}}],"usage":{"total_tokens":3}}"#,
                r#"{"id":"c1","choices":[],"usage":{"total_tokens":3}}"#,
                r#"{"id":"","created":0,"model":"","choices":[{"index":0,"delta":{"content":"T"}}]}"#,
                r#"{"id":"c1","choices":[{"index":0,"delta":{"content":"T"}},{"index":1,"delta":{"content":"T"}}]}"#,
                r#"{"error":{"message":"T"}}"#,
            ];
            let (mut fast, mut tree) = (ChatAccumulator::new(), ChatAccumulator::new());
            for (shape, text) in picks {
                let d = shapes[shape].replace('T', texts[text]);
                proptest::prop_assert_eq!(fast.push(&d), tree.push_tree(&d), "chunk {}", d);
                proptest::prop_assert_eq!(fast.finish(), tree.finish(), "after {}", d);
                proptest::prop_assert_eq!(fast.chunks(), tree.chunks());
            }
        }
    }

    /// Spilling after every chunk, then putting the pieces back in front, gives the same
    /// completion as keeping everything (several choices, array content, late content).
    #[test]
    fn spilled_content_goes_back_in_front() {
        let chunks = [
            r#"{"id":"c","choices":[{"index":1,"delta":{"role":"assistant","content":"one "}}]}"#,
            r#"{"id":"c","choices":[{"index":0,"delta":{"content":"zero "}}]}"#,
            r#"{"id":"c","choices":[{"index":0,"delta":{"content":"more "}}]}"#,
            r#"{"id":"c","choices":[{"index":0,"delta":{"content":[{"type":"text","text":"parts "}]}}]}"#,
            r#"{"id":"c","choices":[{"index":2,"delta":{"refusal":"no"}}]}"#,
            r#"{"id":"c","choices":[{"index":1,"delta":{"content":"é😀"}}]}"#,
            r#"{"id":"c","choices":[{"index":0,"delta":{"content":"end"},"finish_reason":"stop"}]}"#,
        ];
        for min in [1, 5, 9, 1000] {
            let (mut kept, mut spilt) = (ChatAccumulator::new(), ChatAccumulator::new());
            let mut pieces: Vec<String> = Vec::new();
            for c in chunks {
                kept.push(c).unwrap();
                spilt.push(c).unwrap();
                spilt.spill(min, |id, text| {
                    if id == pieces.len() {
                        pieces.push(String::new());
                    }
                    pieces[id].push_str(&text);
                });
            }
            let mut out: J = serde_json::from_str(&spilt.finish()).unwrap();
            for (id, pos) in spilt.spilled() {
                let content = &mut out["choices"][pos]["message"]["content"];
                *content = J::String(format!("{}{}", pieces[id], content.as_str().unwrap()));
            }
            assert_eq!(
                out,
                serde_json::from_str::<J>(&kept.finish()).unwrap(),
                "min {min}"
            );
            assert_eq!(pieces.is_empty(), min == 1000);
        }
        let mut a = ChatAccumulator::new();
        a.push(chunks[1]).unwrap();
        a.spill(0, |_, _| panic!("min 0 spills nothing"));
        assert!(a.spilled().is_empty());
    }

    #[test]
    fn a_choice_member_named_message_does_not_shadow_the_message() {
        // Found by the chat fuzz target: an unknown choice member "message" passed through,
        // so finish() wrote "message" twice and JSON.parse kept the server's `1`.
        let mut a = ChatAccumulator::new();
        a.push(r#"{"choices":[{"index":0,"message":1,"delta":{"content":"hi"}}]}"#)
            .unwrap();
        let out: serde_json::Value = serde_json::from_str(&a.finish()).unwrap();
        assert_eq!(out["choices"][0]["message"]["content"], "hi");
        assert_eq!(
            a.finish().matches("\"message\"").count(),
            1,
            "{}",
            a.finish()
        );
    }
}
