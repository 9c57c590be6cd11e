//! The two accumulators, side by side: a stream's payloads in, the whole answer out, never
//! failing the stream for content it does not understand (it keeps it).
//! - [`chat`]: OpenAI `chat.completion.chunk` payloads into one `chat.completion`.
//! - [`messages`]: Anthropic Messages events into one `message`.

pub mod chat;
pub mod messages;
