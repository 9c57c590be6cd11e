//! Which endpoint a call goes to: the one type every layer names it by (validation, the
//! stream's wire format, the tool loop, the URL). Pure.

/// An endpoint of the API.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Endpoint {
    /// `/chat/completions`: OpenAI chat, streamed as `chat.completion.chunk` events ending
    /// with `[DONE]`.
    Chat,
    /// Anthropic-compatible `/messages`, streamed as message events ending with
    /// `message_stop`.
    Messages,
    /// `/embeddings`.
    Embeddings,
    /// `GET /models`.
    Models,
}

impl Endpoint {
    /// Returns the path under the base URL (for messages, see `Config::messages_url`).
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Chat => "/chat/completions",
            Endpoint::Messages => "/messages",
            Endpoint::Embeddings => "/embeddings",
            Endpoint::Models => "/models",
        }
    }

    /// Whether the endpoint speaks the Anthropic wire format (else OpenAI's: a server that
    /// streams an embeddings answer is read as chat events).
    pub fn is_messages(self) -> bool {
        self == Endpoint::Messages
    }
}
