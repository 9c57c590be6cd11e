//! Opening a streamed response, up to its first event: a server that ignored `stream: true`
//! is replayed as the stream it stands for, a mislabelled content type is sniffed, and an error
//! sent as the first event (an overloaded or rate-limited server answering `200`) is told
//! apart, so the call can retry or fall back before anything reached the caller.

use crate::body::{body_reader, parse_body, take_read};
use crate::call::{quiet, Call};
use crate::endpoint::Endpoint;
use crate::error::{Error, Kind};
use crate::first::{first_error, is_keepalive, looks_like_sse, not_an_event_stream, starts};
use crate::jserror::JsError;
use crate::jsval::get;
use crate::meta::header;
use crate::replay;
use crate::sse::{SseEvent, SseParser};
use std::collections::VecDeque;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

/// Keep-alives read while looking for the first event, at most (then the stream starts).
const MAX_KEEPALIVES: usize = 64;

/// A streamed response read up to its first event.
pub struct Opened {
    /// The body's reader, positioned after what was read.
    pub reader: ReadableStreamDefaultReader,
    /// The parser, holding whatever followed the events taken out.
    pub parser: SseParser,
    /// The events read so far (keep-alives, then the first real one), not yet processed.
    pub queued: VecDeque<SseEvent>,
    /// The start of the body.
    pub head: Vec<u8>,
    /// The error the first event carries, when it is one to retry or fall back on.
    pub retry: Option<Error>,
}

impl Opened {
    /// Closes the body (the call retries or moves on).
    pub fn cancel(self) {
        quiet(&self.reader.cancel());
    }
}

/// Opens `resp` as a stream of `proto` events and reads up to its first event.
pub async fn open(proto: Endpoint, resp: &Response, call: &mut Call) -> Result<Opened, Error> {
    let ctype = header(resp, "content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (reader, mut sniff) = if crate::text::contains(&ctype, "application/json") {
        (replayed(proto, resp, call).await?, false)
    } else {
        (body_reader(resp)?, !crate::text::contains(&ctype, "text/event-stream"))
    };
    call.start_idle();
    let parser = SseParser::with_limit(call.limits().max_event_bytes);
    let mut o = Opened {
        reader,
        parser,
        queued: VecDeque::new(),
        head: Vec::new(),
        retry: None,
    };
    loop {
        while let Some(ev) = o.parser.next_event() {
            let keepalive = is_keepalive(proto, &ev);
            if !keepalive {
                o.retry = first_error(&ev.data, ev.event.as_deref() == Some("error"));
            }
            o.queued.push_back(ev);
            if !keepalive || o.queued.len() >= MAX_KEEPALIVES {
                return Ok(o);
            }
        }
        if o.parser.exceeded() {
            let e = crate::limits::event_too_big(call.limits().max_event_bytes);
            o.cancel();
            return Err(e);
        }
        let r = JsFuture::from(o.reader.read())
            .await
            .map_err(|e| call.fail(e, true))?;
        call.touch();
        let done = get(&r, "done").as_bool() == Some(true);
        if !done {
            take_read(&mut o.parser, &mut o.head, true, &get(&r, "value"))?;
        }
        // Decided by the first byte that is not whitespace (a body starting with a whole HEAD
        // of whitespace is not taken for an event stream).
        if sniff && (done || starts(&o.head).is_some() || o.head.len() >= crate::body::HEAD) {
            if !starts(&o.head).is_some_and(looks_like_sse) {
                let e = not_an_event_stream(resp.status(), &ctype, &o.head).redact(call.secret());
                o.cancel();
                return Err(e);
            }
            sniff = false;
        }
        if done {
            // No event at all: a bare JSON error body sent as the stream is told apart too.
            let head = String::from_utf8_lossy(&o.head);
            o.retry = first_error(head.trim(), false);
            return Ok(o);
        }
    }
}

/// Reads a JSON answer to a stream request and returns a reader of the stream it stands for.
async fn replayed(
    proto: Endpoint,
    resp: &Response,
    call: &Call,
) -> Result<ReadableStreamDefaultReader, Error> {
    let text = crate::body::text(call, resp).await?;
    parse_body(resp, &text, call.secret())?;
    let sse = match proto {
        Endpoint::Chat | Endpoint::Embeddings | Endpoint::Models => replay::chat(&text),
        Endpoint::Messages => replay::message(&text),
    };
    let Some(sse) = sse else {
        let mut e = Error::new(Kind::Stream, "the server answered a stream request with JSON that is not a completion (see err.body)");
        e.status = Some(resp.status());
        e.body = Some(crate::text::truncate(&text, crate::error::BODY_KEEP).to_owned());
        return Err(e.redact(call.secret()));
    };
    let replayed = Response::new_with_opt_str(Some(&sse)).map_err(|e| {
        Error::new(Kind::Stream, "could not replay the answer as a stream").with_cause(e)
    })?;
    body_reader(&replayed)
}
