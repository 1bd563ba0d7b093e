//! Validation of uploaded announcement audio (TEL-3): a hand-written walk
//! over the RIFF chunks of a WAV file.
//!
//! The IVR plays announcements as they are, so only what a telephone line
//! carries well is accepted: linear PCM (8 or 16 bit), G.711 A-law or µ-law
//! (8 bit), also inside `WAVE_FORMAT_EXTENSIBLE`; mono or stereo; 8 to 48
//! kHz. The walk trusts no declared size: every chunk is checked against
//! the bytes actually present, so a truncated or hostile file gets a clear
//! refusal naming the chunk and its offset, never a panic.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The shortest announcement accepted, in milliseconds.
pub const MIN_DURATION_MS: u64 = 200;
/// The default longest announcement, in seconds.
pub const DEFAULT_MAX_DURATION_SECS: u64 = 600;
/// The default largest WAV file, in bytes (ten minutes of 16-bit mono at
/// 16 kHz fit; a file of higher quality has to be shorter).
pub const DEFAULT_MAX_WAV_BYTES: usize = 32 * 1024 * 1024;

/// Lowest and highest sample rates accepted, in hertz.
const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8000..=48000;

/// The field named by every refusal of this module.
const FIELD: &str = "audio";

/// Format tags of the `fmt ` chunk.
const TAG_PCM: u16 = 1;
const TAG_ALAW: u16 = 6;
const TAG_ULAW: u16 = 7;
const TAG_EXTENSIBLE: u16 = 0xFFFE;

/// Bytes 2..16 of every `KSDATAFORMAT_SUBTYPE_*` GUID derived from a
/// format tag (`{0000XXXX-0000-0010-8000-00AA00389B71}` in memory order).
const SUBTYPE_TAIL: [u8; 14] = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

/// How samples are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    /// Linear PCM.
    Pcm,
    /// G.711 A-law.
    Alaw,
    /// G.711 µ-law.
    Ulaw,
}

impl AudioFormat {
    /// `pcm`, `alaw` or `ulaw`.
    pub fn as_str(self) -> &'static str {
        match self {
            AudioFormat::Pcm => "pcm",
            AudioFormat::Alaw => "alaw",
            AudioFormat::Ulaw => "ulaw",
        }
    }

    /// Parses [`AudioFormat::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [AudioFormat::Pcm, AudioFormat::Alaw, AudioFormat::Ulaw].into_iter().find(|f| f.as_str() == s)
    }
}

impl std::fmt::Display for AudioFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a valid WAV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WavInfo {
    /// Sample encoding.
    pub format: AudioFormat,
    /// 1 (mono) or 2 (stereo).
    pub channels: u16,
    /// Samples per second, 8000 to 48000.
    pub sample_rate: u32,
    /// Bits per sample as stored: 8 or 16 for PCM, 8 for G.711.
    pub bits_per_sample: u16,
    /// Duration, computed from the length of the `data` chunk.
    pub duration_ms: u64,
}

/// What [`validate_wav`] accepts at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WavLimits {
    /// Longest duration, milliseconds.
    pub max_duration_ms: u64,
    /// Largest file, bytes.
    pub max_bytes: usize,
}

impl Default for WavLimits {
    fn default() -> Self {
        Self { max_duration_ms: DEFAULT_MAX_DURATION_SECS * 1000, max_bytes: DEFAULT_MAX_WAV_BYTES }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid(FIELD, message)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([*b.get(at)?, *b.get(at + 1)?, *b.get(at + 2)?, *b.get(at + 3)?]))
}

/// A chunk id as text for messages (`fmt `, `data`, or escaped bytes).
fn show_id(id: &[u8]) -> String {
    id.iter().map(|&b| if b.is_ascii_graphic() || b == b' ' { (b as char).to_string() } else { format!("\\x{b:02x}") }).collect()
}

/// The name of a format tag, for refusals.
fn tag_name(tag: u16) -> &'static str {
    match tag {
        TAG_PCM => "PCM",
        2 => "Microsoft ADPCM",
        3 => "IEEE float",
        TAG_ALAW => "G.711 A-law",
        TAG_ULAW => "G.711 µ-law",
        0x11 => "IMA ADPCM",
        0x31 => "GSM 6.10",
        0x40 | 0x64 => "G.721 ADPCM",
        0x50 => "MPEG",
        0x55 => "MP3",
        0x161 | 0x162 | 0x163 => "Windows Media Audio",
        TAG_EXTENSIBLE => "extensible",
        _ => "unknown",
    }
}

/// What a file that is not RIFF/WAVE looks like, for a helpful refusal.
fn looks_like(bytes: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if starts(b"ID3") || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
        Some("MP3")
    } else if starts(b"OggS") {
        Some("Ogg")
    } else if starts(b"fLaC") {
        Some("FLAC")
    } else if starts(b"RIFX") {
        Some("big-endian RIFX WAV, not supported")
    } else if starts(b"RF64") || starts(b"BW64") {
        Some("RF64/BW64 WAV, not supported")
    } else if starts(b"FORM") {
        Some("AIFF")
    } else if bytes.len() >= 8 && &bytes[4..8] == b"ftyp" {
        Some("MP4/M4A")
    } else if starts(b"PK\x03\x04") {
        Some("a zip archive")
    } else {
        None
    }
}

/// The `fmt ` chunk, decoded.
struct Fmt {
    format: AudioFormat,
    channels: u16,
    sample_rate: u32,
    bits: u16,
    block_align: u16,
}

/// Decodes and checks a `fmt ` chunk body found at byte `at`.
fn parse_fmt(body: &[u8], at: usize) -> Result<Fmt> {
    let fmt_err = |m: String| invalid(format!("fmt chunk at byte {at}: {m}"));
    if body.len() < 16 {
        return Err(fmt_err(format!("{} bytes, at least 16 are needed", body.len())));
    }
    let tag = u16_at(body, 0).unwrap_or(0);
    let channels = u16_at(body, 2).unwrap_or(0);
    let sample_rate = u32_at(body, 4).unwrap_or(0);
    let byte_rate = u32_at(body, 8).unwrap_or(0);
    let block_align = u16_at(body, 12).unwrap_or(0);
    let bits = u16_at(body, 14).unwrap_or(0);
    let format = match tag {
        TAG_PCM => AudioFormat::Pcm,
        TAG_ALAW => AudioFormat::Alaw,
        TAG_ULAW => AudioFormat::Ulaw,
        TAG_EXTENSIBLE => {
            // cbSize (16), valid bits (18), channel mask (20), sub-format GUID (24..40).
            if body.len() < 40 {
                return Err(fmt_err(format!("WAVE_FORMAT_EXTENSIBLE needs 40 bytes, the chunk has {}", body.len())));
            }
            let cb_size = u16_at(body, 16).unwrap_or(0);
            if cb_size < 22 {
                return Err(fmt_err(format!("WAVE_FORMAT_EXTENSIBLE declares {cb_size} extension bytes, 22 are needed")));
            }
            let valid_bits = u16_at(body, 18).unwrap_or(0);
            if valid_bits == 0 || valid_bits > bits {
                return Err(fmt_err(format!("{valid_bits} valid bits in {bits}-bit samples")));
            }
            let guid = &body[24..40];
            let sub = u16_at(guid, 0).unwrap_or(0);
            if guid[2..] != SUBTYPE_TAIL {
                return Err(fmt_err("WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID: not PCM or G.711".into()));
            }
            match sub {
                TAG_PCM => AudioFormat::Pcm,
                TAG_ALAW => AudioFormat::Alaw,
                TAG_ULAW => AudioFormat::Ulaw,
                other => {
                    return Err(fmt_err(format!("WAVE_FORMAT_EXTENSIBLE sub-format {other} ({}) is not PCM or G.711", tag_name(other))));
                }
            }
        }
        other => return Err(invalid(format!("fmt chunk: format tag {other} ({}) is not PCM or G.711", tag_name(other)))),
    };
    match format {
        AudioFormat::Pcm if bits != 8 && bits != 16 => {
            return Err(fmt_err(format!("PCM with {bits} bits per sample; only 8 or 16 bits are accepted")));
        }
        AudioFormat::Alaw | AudioFormat::Ulaw if bits != 8 => {
            return Err(fmt_err(format!("G.711 with {bits} bits per sample; it must be 8")));
        }
        _ => {}
    }
    if channels != 1 && channels != 2 {
        return Err(fmt_err(format!("{channels} channels; only mono (1) or stereo (2) are accepted")));
    }
    if !SAMPLE_RATES.contains(&sample_rate) {
        return Err(fmt_err(format!("sample rate {sample_rate} Hz is outside {} to {} Hz", SAMPLE_RATES.start(), SAMPLE_RATES.end())));
    }
    let frame = u32::from(channels) * u32::from(bits / 8);
    if u32::from(block_align) != frame {
        return Err(fmt_err(format!(
            "block align {block_align} does not match {channels} channel(s) of {bits} bits ({frame} bytes per frame)"
        )));
    }
    let expected_rate = sample_rate * frame;
    if byte_rate != expected_rate {
        return Err(fmt_err(format!("byte rate {byte_rate} does not match {sample_rate} Hz × {frame} bytes per frame ({expected_rate})")));
    }
    Ok(Fmt { format, channels, sample_rate, bits, block_align })
}

/// Checks that `bytes` are a WAV file the IVR can play within `limits`,
/// and says what it holds. Every refusal is an [`Error::Invalid`] on the
/// field `audio` naming what is wrong and where.
pub fn validate_wav(bytes: &[u8], limits: &WavLimits) -> Result<WavInfo> {
    if bytes.is_empty() {
        return Err(invalid("the file is empty"));
    }
    if bytes.len() > limits.max_bytes {
        return Err(invalid(format!("the file is {} bytes; the limit is {} bytes", bytes.len(), limits.max_bytes)));
    }
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" {
        return Err(match looks_like(bytes) {
            Some(what) => invalid(format!("not a WAV file: it looks like {what}")),
            None if bytes.len() < 12 => invalid(format!("not a WAV file: {} bytes are too few for a RIFF header", bytes.len())),
            None => invalid("not a WAV file: no RIFF header at byte 0"),
        });
    }
    if &bytes[8..12] != b"WAVE" {
        return Err(invalid(format!("RIFF form type {:?} at byte 8 is not WAVE", show_id(&bytes[8..12]))));
    }
    // Offsets as u64: no declared size can overflow them.
    let len = bytes.len() as u64;
    let riff_size = u64::from(u32_at(bytes, 4).unwrap_or(0));
    let end = 8 + riff_size;
    if end > len {
        return Err(invalid(format!("truncated file: the RIFF header at byte 4 declares {end} bytes, the file has {len}")));
    }
    if riff_size < 4 {
        return Err(invalid(format!("RIFF header at byte 4 declares {riff_size} bytes, too few for WAVE")));
    }
    let mut fmt: Option<Fmt> = None;
    let mut data: Option<(u64, u64)> = None;
    let mut pos: u64 = 12;
    while pos < end {
        if end - pos < 8 {
            return Err(invalid(format!("truncated chunk header at byte {pos}: {} bytes left, 8 needed", end - pos)));
        }
        // `pos + 8 <= end <= len`, so these casts and slices are in range.
        let at = pos as usize;
        let id = &bytes[at..at + 4];
        let size = u64::from(u32_at(bytes, at + 4).unwrap_or(0));
        let body_start = pos + 8;
        let body_end = body_start + size;
        if body_end > end {
            let name = if id == b"data" { "data".to_owned() } else { show_id(id).trim_end().to_owned() };
            return Err(invalid(format!(
                "truncated {name} chunk at byte {pos}: it declares {size} bytes, {} are present",
                end - body_start
            )));
        }
        match id {
            b"fmt " => {
                if fmt.is_some() {
                    return Err(invalid(format!("a second fmt chunk at byte {pos}")));
                }
                fmt = Some(parse_fmt(&bytes[body_start as usize..body_end as usize], at)?);
            }
            b"data" => {
                if data.is_some() {
                    return Err(invalid(format!("a second data chunk at byte {pos}")));
                }
                data = Some((pos, size));
            }
            // LIST, fact, cue, bext, ...: metadata the IVR ignores.
            _ => {}
        }
        // Chunks are padded to an even length; a missing final pad byte is tolerated.
        pos = body_end + (size & 1);
    }
    let Some(fmt) = fmt else { return Err(invalid("no fmt chunk: the file does not say how its samples are encoded")) };
    let Some((data_at, data_len)) = data else { return Err(invalid("no data chunk: the file holds no audio")) };
    let frame = u64::from(fmt.block_align);
    if data_len % frame != 0 {
        return Err(invalid(format!("data chunk at byte {data_at}: {data_len} bytes are not a whole number of {frame}-byte frames")));
    }
    let bytes_per_second = u64::from(fmt.sample_rate) * frame;
    let duration_ms = data_len * 1000 / bytes_per_second;
    if duration_ms < MIN_DURATION_MS {
        return Err(invalid(format!(
            "data chunk at byte {data_at}: the audio lasts {}, shorter than the minimum {}",
            seconds(duration_ms),
            seconds(MIN_DURATION_MS)
        )));
    }
    if duration_ms > limits.max_duration_ms {
        return Err(invalid(format!(
            "the audio lasts {}, longer than the maximum {}",
            seconds(duration_ms),
            seconds(limits.max_duration_ms)
        )));
    }
    Ok(WavInfo { format: fmt.format, channels: fmt.channels, sample_rate: fmt.sample_rate, bits_per_sample: fmt.bits, duration_ms })
}

/// Milliseconds as seconds for messages: `0.15 s`, `600 s`.
fn seconds(ms: u64) -> String {
    let s = format!("{}.{:03}", ms / 1000, ms % 1000);
    format!("{} s", s.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV file: RIFF header, `fmt ` of `fmt_body`, then `chunks`, with
    /// the RIFF size computed.
    fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut body = b"WAVE".to_vec();
        for (id, data) in chunks {
            body.extend_from_slice(*id);
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(data);
            if data.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    fn fmt_body(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let align = channels * (bits / 8);
        let mut f = Vec::new();
        f.extend_from_slice(&tag.to_le_bytes());
        f.extend_from_slice(&channels.to_le_bytes());
        f.extend_from_slice(&rate.to_le_bytes());
        f.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        f.extend_from_slice(&align.to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f
    }

    fn extensible_body(sub: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let mut f = fmt_body(TAG_EXTENSIBLE, channels, rate, bits);
        f.extend_from_slice(&22u16.to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f.extend_from_slice(&(if channels == 2 { 3u32 } else { 4u32 }).to_le_bytes());
        f.extend_from_slice(&sub.to_le_bytes());
        f.extend_from_slice(&SUBTYPE_TAIL);
        f
    }

    /// A valid WAV of `ms` milliseconds of silence.
    fn wav(tag: u16, channels: u16, rate: u32, bits: u16, ms: u32) -> Vec<u8> {
        let frames = rate as usize * ms as usize / 1000;
        let data = vec![0u8; frames * usize::from(channels) * usize::from(bits / 8)];
        riff(&[(b"fmt ", fmt_body(tag, channels, rate, bits)), (b"data", data)])
    }

    fn ok(bytes: &[u8]) -> WavInfo {
        match validate_wav(bytes, &WavLimits::default()) {
            Ok(i) => i,
            Err(e) => panic!("refused: {e}"),
        }
    }

    fn refused(bytes: &[u8]) -> String {
        match validate_wav(bytes, &WavLimits::default()) {
            Ok(i) => panic!("accepted: {i:?}"),
            Err(e @ Error::Invalid { .. }) => e.to_string(),
            Err(e) => panic!("not an Invalid error: {e}"),
        }
    }

    #[test]
    fn pcm_and_g711_are_accepted_with_their_duration() {
        let i = ok(&wav(TAG_PCM, 1, 8000, 16, 1500));
        assert_eq!(i, WavInfo { format: AudioFormat::Pcm, channels: 1, sample_rate: 8000, bits_per_sample: 16, duration_ms: 1500 });
        assert_eq!(ok(&wav(TAG_PCM, 2, 44100, 16, 250)).duration_ms, 250);
        assert_eq!(ok(&wav(TAG_PCM, 1, 11025, 8, 333)).duration_ms, 332, "3671 frames of 11.025 kHz, floored");
        assert_eq!(ok(&wav(TAG_PCM, 1, 22050, 8, 1000)).bits_per_sample, 8);
        let a = ok(&wav(TAG_ALAW, 1, 8000, 8, 3000));
        assert_eq!((a.format, a.duration_ms), (AudioFormat::Alaw, 3000));
        assert_eq!(ok(&wav(TAG_ULAW, 2, 8000, 8, 200)).format, AudioFormat::Ulaw);
        assert_eq!(ok(&wav(TAG_PCM, 1, 48000, 16, 200)).sample_rate, 48000);
    }

    #[test]
    fn extensible_with_a_known_sub_format_is_accepted() {
        for (sub, want) in [(TAG_PCM, AudioFormat::Pcm), (TAG_ALAW, AudioFormat::Alaw), (TAG_ULAW, AudioFormat::Ulaw)] {
            let bits = if sub == TAG_PCM { 16 } else { 8 };
            let data = vec![0u8; 8000 * usize::from(bits / 8)];
            let f = riff(&[(b"fmt ", extensible_body(sub, 1, 8000, bits)), (b"data", data)]);
            let i = ok(&f);
            assert_eq!((i.format, i.duration_ms), (want, 1000));
        }
        // IEEE float inside EXTENSIBLE.
        let f = riff(&[(b"fmt ", extensible_body(3, 1, 8000, 16)), (b"data", vec![0; 16000])]);
        assert!(refused(&f).contains("sub-format 3 (IEEE float) is not PCM or G.711"));
        // A foreign GUID.
        let mut body = extensible_body(TAG_PCM, 1, 8000, 16);
        body[30] ^= 0xFF;
        let f = riff(&[(b"fmt ", body), (b"data", vec![0; 16000])]);
        assert!(refused(&f).contains("unknown sub-format GUID"));
        // Too short for the extension.
        let body = extensible_body(TAG_PCM, 1, 8000, 16)[..30].to_vec();
        let f = riff(&[(b"fmt ", body), (b"data", vec![0; 16000])]);
        assert!(refused(&f).contains("needs 40 bytes"));
    }

    #[test]
    fn metadata_chunks_odd_sizes_and_fmt_after_data_are_walked() {
        let data = vec![0u8; 1600];
        let f = riff(&[
            (b"LIST", b"INFOINAM\x05\0\0\0Hello\0".to_vec()),
            (b"data", data.clone()),
            (b"junk", vec![1, 2, 3]),
            (b"fmt ", fmt_body(TAG_ALAW, 1, 8000, 8)),
        ]);
        assert_eq!(ok(&f).duration_ms, 200);
        // A trailing odd chunk without its pad byte.
        let mut f = riff(&[(b"fmt ", fmt_body(TAG_ALAW, 1, 8000, 8)), (b"data", data), (b"note", vec![7])]);
        f.pop();
        let size = (f.len() - 8) as u32;
        f[4..8].copy_from_slice(&size.to_le_bytes());
        assert_eq!(ok(&f).duration_ms, 200);
    }

    #[test]
    fn other_formats_are_refused_by_name() {
        let mp3_in_wav = wav(0x55, 1, 8000, 16, 500);
        assert_eq!(refused(&mp3_in_wav), "audio: fmt chunk: format tag 85 (MP3) is not PCM or G.711");
        assert!(refused(&wav(3, 1, 8000, 16, 500)).contains("format tag 3 (IEEE float)"));
        assert!(refused(&wav(2, 1, 8000, 16, 500)).contains("(Microsoft ADPCM)"));
        assert!(refused(&wav(0x31, 1, 8000, 16, 500)).contains("(GSM 6.10)"));
        assert!(refused(&wav(999, 1, 8000, 16, 500)).contains("format tag 999 (unknown)"));
        assert!(refused(b"ID3\x04\0\0\0\0\0\0rest of an mp3").contains("looks like MP3"));
        assert!(refused(b"OggS\0\x02\0\0\0\0\0\0\0\0").contains("looks like Ogg"));
        assert!(refused(b"fLaC\0\0\0\x22\0\0\0\0").contains("FLAC"));
        assert!(refused(b"PK\x03\x04\x14\0\0\0\0\0\0\0").contains("zip"));
        assert!(refused(b"<html><body>not audio</body></html>").contains("no RIFF header at byte 0"));
        let mut rifx = wav(TAG_PCM, 1, 8000, 16, 500);
        rifx[..4].copy_from_slice(b"RIFX");
        assert!(refused(&rifx).contains("RIFX"));
        let mut avi = wav(TAG_PCM, 1, 8000, 16, 500);
        avi[8..12].copy_from_slice(b"AVI ");
        assert!(refused(&avi).contains("RIFF form type \"AVI \" at byte 8 is not WAVE"));
    }

    #[test]
    fn bad_parameters_are_refused_with_the_reason() {
        assert!(refused(&wav(TAG_PCM, 1, 8000, 24, 500)).contains("PCM with 24 bits per sample"));
        assert!(refused(&wav(TAG_PCM, 1, 8000, 32, 500)).contains("32 bits"));
        assert!(refused(&wav(TAG_ALAW, 1, 8000, 16, 500)).contains("G.711 with 16 bits"));
        assert!(refused(&wav(TAG_PCM, 6, 8000, 16, 500)).contains("6 channels"));
        assert!(refused(&wav(TAG_PCM, 0, 8000, 16, 500)).contains("0 channels"));
        assert!(refused(&wav(TAG_PCM, 1, 96000, 16, 500)).contains("sample rate 96000 Hz is outside 8000 to 48000 Hz"));
        assert!(refused(&wav(TAG_PCM, 1, 4000, 16, 500)).contains("sample rate 4000 Hz"));
        // Block align and byte rate that contradict the other fields.
        let mut f = wav(TAG_PCM, 1, 8000, 16, 500);
        f[32..34].copy_from_slice(&3u16.to_le_bytes());
        assert!(refused(&f).contains("block align 3 does not match 1 channel(s) of 16 bits (2 bytes per frame)"));
        let mut f = wav(TAG_PCM, 1, 8000, 16, 500);
        f[28..32].copy_from_slice(&1u32.to_le_bytes());
        assert!(refused(&f).contains("byte rate 1 does not match"));
        // A fmt chunk too short.
        let f = riff(&[(b"fmt ", vec![1, 0, 1, 0]), (b"data", vec![0; 1600])]);
        assert!(refused(&f).contains("fmt chunk at byte 12: 4 bytes, at least 16 are needed"));
    }

    #[test]
    fn duration_and_size_limits_are_enforced() {
        assert!(refused(&wav(TAG_PCM, 1, 8000, 16, 150)).contains("lasts 0.15 s, shorter than the minimum 0.2 s"));
        assert!(refused(&wav(TAG_PCM, 1, 8000, 16, 0)).contains("lasts 0 s"));
        let limits = WavLimits { max_duration_ms: 1000, ..WavLimits::default() };
        let e = validate_wav(&wav(TAG_ALAW, 1, 8000, 8, 2500), &limits).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("lasts 2.5 s, longer than the maximum 1 s"), "{e}");
        let limits = WavLimits { max_bytes: 1000, ..WavLimits::default() };
        let e = validate_wav(&wav(TAG_ALAW, 1, 8000, 8, 500), &limits).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("4044 bytes; the limit is 1000 bytes"), "{e}");
        // Ten minutes are fine by default, a second more is not.
        assert_eq!(ok(&wav(TAG_ALAW, 1, 8000, 8, 600_000)).duration_ms, 600_000);
        assert!(refused(&wav(TAG_ALAW, 1, 8000, 8, 601_000)).contains("longer than the maximum 600 s"));
    }

    #[test]
    fn structural_faults_are_refused_with_their_offset() {
        assert_eq!(refused(b""), "audio: the file is empty");
        assert!(refused(b"RIFF").contains("4 bytes are too few"));
        let good = wav(TAG_PCM, 1, 8000, 16, 500);
        // Cut inside the data chunk, RIFF size fixed: the data chunk is truncated.
        let mut cut = good[..1000].to_vec();
        let size = (cut.len() - 8) as u32;
        cut[4..8].copy_from_slice(&size.to_le_bytes());
        assert_eq!(refused(&cut), "audio: truncated data chunk at byte 36: it declares 8000 bytes, 956 are present");
        // Cut without fixing the RIFF size.
        assert!(refused(&good[..1000]).contains("truncated file: the RIFF header at byte 4 declares 8044 bytes, the file has 1000"));
        // Cut inside a chunk header.
        let mut cut = good[..40].to_vec();
        cut[4..8].copy_from_slice(&32u32.to_le_bytes());
        assert!(refused(&cut).contains("truncated chunk header at byte 36: 4 bytes left, 8 needed"));
        // No data, no fmt, two of either.
        assert!(refused(&riff(&[(b"fmt ", fmt_body(TAG_PCM, 1, 8000, 16))])).contains("no data chunk"));
        assert!(refused(&riff(&[(b"data", vec![0; 1600])])).contains("no fmt chunk"));
        let two = riff(&[(b"fmt ", fmt_body(TAG_PCM, 1, 8000, 16)), (b"fmt ", fmt_body(TAG_PCM, 1, 8000, 16)), (b"data", vec![0; 3200])]);
        assert!(refused(&two).contains("a second fmt chunk at byte 36"));
        let two = riff(&[(b"fmt ", fmt_body(TAG_PCM, 1, 8000, 16)), (b"data", vec![0; 3200]), (b"data", vec![0; 3200])]);
        assert!(refused(&two).contains("a second data chunk"));
        // Half a frame at the end.
        let f = riff(&[(b"fmt ", fmt_body(TAG_PCM, 2, 8000, 16)), (b"data", vec![0; 6402])]);
        assert!(refused(&f).contains("6402 bytes are not a whole number of 4-byte frames"));
        // A RIFF size too small for the form type.
        let mut f = good.clone();
        f[4..8].copy_from_slice(&2u32.to_le_bytes());
        assert!(refused(&f).contains("declares 2 bytes, too few"));
    }

    #[test]
    fn huge_declared_sizes_never_panic() {
        let good = wav(TAG_PCM, 1, 8000, 16, 500);
        let mut f = good.clone();
        f[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(refused(&f).contains("truncated file"));
        let mut f = good.clone();
        f[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
        f[4..8].copy_from_slice(&((good.len() - 8) as u32).to_le_bytes());
        assert!(refused(&f).contains("truncated data chunk at byte 36: it declares 4294967295 bytes"));
        let mut f = good.clone();
        f[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(refused(&f).contains("truncated fmt chunk at byte 12"));
        // A non-ASCII chunk id is shown escaped.
        let f = riff(&[(b"\xff\0ab", vec![0; 4])]);
        let mut g = f.clone();
        g[16..20].copy_from_slice(&100u32.to_le_bytes());
        assert!(refused(&g).contains("truncated \\xff\\x00ab chunk at byte 12"), "{}", refused(&g));
    }

    #[test]
    fn no_prefix_or_mutation_of_a_valid_file_panics() {
        let files = [
            wav(TAG_PCM, 2, 16000, 16, 300),
            riff(&[(b"fmt ", extensible_body(TAG_ULAW, 1, 8000, 8)), (b"LIST", vec![1; 7]), (b"data", vec![0; 2000])]),
        ];
        for good in &files {
            for n in 0..good.len() {
                let _ = validate_wav(&good[..n], &WavLimits::default());
            }
            // Every byte set to a few awkward values, one at a time.
            for i in 0..good.len().min(120) {
                for v in [0u8, 1, 0x7F, 0x80, 0xFF] {
                    let mut f = good.clone();
                    f[i] = v;
                    let _ = validate_wav(&f, &WavLimits::default());
                }
            }
        }
        // Pseudo-random garbage behind a RIFF/WAVE header.
        let mut x: u32 = 0x1234_5678;
        for _ in 0..2000 {
            let mut f = b"RIFF\0\0\0\0WAVE".to_vec();
            for _ in 0..(x % 200) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                f.push((x & 0xFF) as u8);
            }
            let size = (f.len() - 8) as u32;
            f[4..8].copy_from_slice(&size.to_le_bytes());
            let _ = validate_wav(&f, &WavLimits::default());
        }
    }
}
