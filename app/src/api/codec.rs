//! The server functions' answer encoding: JSON, read from text.
//!
//! Leptos' own `Json` reads an answer with `serde_json::from_slice`, while a resource's value
//! that arrives inside the server-rendered page is read with `serde_json::from_str`. Each read
//! instantiates the whole decoder for the type once per reader, so every type a page reads both
//! ways was in the wasm twice. [`StrJson`] reads answers as text too (they are UTF-8 JSON), so
//! there is one decoder per type. On the wire it is the same `application/json` POST.

use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{Serialize, de::DeserializeOwned};

/// JSON, decoded from text (see the module).
pub struct StrJsonEncoding;

impl ContentType for StrJsonEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for StrJsonEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for StrJsonEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for StrJsonEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }
}

/// Arguments and answers as JSON in the body of a `POST`, answers read from text.
pub type StrJson = Post<StrJsonEncoding>;
