//! Audio carried in CTI events (voicemail messages).

use crate::error::{Error, Result};
use base64::Engine as _;

/// Largest voicemail accepted, in bytes once decoded (10 minutes of
/// 8 kHz 16-bit mono is under 10 MB).
pub const MAX_VOICEMAIL_BYTES: usize = 16 * 1024 * 1024;

/// Decodes base64 audio (standard alphabet, padding optional, line breaks
/// ignored), refusing oversized input before decoding it.
pub fn decode_base64(text: &str) -> Result<Vec<u8>> {
    if text.len() / 4 * 3 > MAX_VOICEMAIL_BYTES + 3 {
        return Err(Error::invalid("audio_base64", format!("audio over {} MB", MAX_VOICEMAIL_BYTES / (1024 * 1024))));
    }
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(compact.trim_end_matches('='))
        .map_err(|e| Error::invalid("audio_base64", format!("not valid base64: {e}")))
}
