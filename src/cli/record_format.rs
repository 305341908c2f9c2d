//! How records look on the command line: the NDJSON record (printed by `consume -o json`,
//! accepted by `produce --input json`), byte encodings, and kcat-style format strings.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::client::{ConsumedRecord, Header, ProducerRecord};

use super::{CliError, ExitCode};

/// How bytes are shown as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// UTF-8 text (JSON falls back to base64 for bytes that are not UTF-8)
    Utf8,
    /// Lowercase hex
    Hex,
    /// Standard base64 with padding
    Base64,
}

/// Encodes bytes for JSON: the chosen encoding, except that non-UTF-8 bytes asked for as
/// UTF-8 become base64, so nothing is ever mangled. Returns the text and the encoding used.
pub fn encode_json_bytes(bytes: &[u8], wanted: Encoding) -> (String, Encoding) {
    match wanted {
        Encoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(text) => (text.to_string(), Encoding::Utf8),
            Err(_) => (BASE64.encode(bytes), Encoding::Base64),
        },
        Encoding::Hex => (hex::encode(bytes), Encoding::Hex),
        Encoding::Base64 => (BASE64.encode(bytes), Encoding::Base64),
    }
}

/// Decodes text in the given encoding.
pub fn decode_bytes(text: &str, encoding: Encoding) -> Result<Bytes, String> {
    match encoding {
        Encoding::Utf8 => Ok(Bytes::copy_from_slice(text.as_bytes())),
        Encoding::Hex => hex::decode(text)
            .map(Bytes::from)
            .map_err(|e| format!("invalid hex: {e}")),
        Encoding::Base64 => BASE64
            .decode(text)
            .map(Bytes::from)
            .map_err(|e| format!("invalid base64: {e}")),
    }
}

/// Raw bytes for text output: UTF-8 as is, hex or base64 as asked.
pub fn encode_text_bytes(bytes: &[u8], encoding: Encoding) -> std::borrow::Cow<'_, [u8]> {
    match encoding {
        Encoding::Utf8 => std::borrow::Cow::Borrowed(bytes),
        Encoding::Hex => std::borrow::Cow::Owned(hex::encode(bytes).into_bytes()),
        Encoding::Base64 => std::borrow::Cow::Owned(BASE64.encode(bytes).into_bytes()),
    }
}

/// A header in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonHeader {
    pub key: String,
    pub value: String,
    #[serde(default = "utf8")]
    pub value_encoding: Encoding,
}

fn utf8() -> Encoding {
    Encoding::Utf8
}

/// A stored record's fields, borrowed, for [`JsonRecord::from_parts`].
pub struct RecordParts<'a> {
    pub offset: u64,
    pub timestamp_ms: i64,
    pub key: Option<&'a [u8]>,
    pub value: &'a [u8],
    pub headers: &'a mut dyn Iterator<Item = (&'a str, &'a [u8])>,
}

/// The NDJSON record: one per line, the same shape in and out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// RFC 3339, for people; `timestamp_ms` is what `produce` reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<i64>,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub key_encoding: Option<Encoding>,
    pub value: String,
    #[serde(default = "utf8")]
    pub value_encoding: Encoding,
    #[serde(default)]
    pub headers: Vec<JsonHeader>,
}

/// RFC 3339 in UTC with milliseconds; times RFC 3339 cannot show (before 1970 or after
/// 9999) are printed as their millisecond count instead of failing.
pub fn rfc3339_ms(timestamp_ms: i64) -> String {
    let Ok(ms) = u64::try_from(timestamp_ms) else {
        return timestamp_ms.to_string();
    };
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
    let mut text = String::new();
    if std::fmt::Write::write_fmt(
        &mut text,
        format_args!("{}", humantime::format_rfc3339_millis(time)),
    )
    .is_err()
    {
        return timestamp_ms.to_string();
    }
    text
}

/// Parses an RFC 3339 time into ms since the Unix epoch.
pub fn parse_rfc3339_ms(text: &str) -> Result<i64, String> {
    let time = humantime::parse_rfc3339_weak(text)
        .map_err(|e| format!("timestamp {text:?} is not RFC 3339: {e}"))?;
    let since_epoch = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| format!("timestamp {text:?} is before 1970"))?;
    Ok(since_epoch.as_millis() as i64)
}

impl JsonRecord {
    /// The JSON form of a consumed record.
    pub fn from_consumed(topic: &str, record: &ConsumedRecord, encoding: Encoding) -> JsonRecord {
        JsonRecord::from_parts(
            Some(topic.to_string()),
            Some(record.partition),
            RecordParts {
                offset: record.offset,
                timestamp_ms: record.timestamp_ms,
                key: record.key.as_deref(),
                value: &record.value,
                headers: &mut record
                    .headers
                    .iter()
                    .map(|h| (h.key.as_str(), &h.value[..])),
            },
            encoding,
        )
    }

    /// The JSON form of a record from its parts, for readers that are not consumers
    /// (`inspect-log` reads segment files directly).
    pub fn from_parts(
        topic: Option<String>,
        partition: Option<u32>,
        parts: RecordParts<'_>,
        encoding: Encoding,
    ) -> JsonRecord {
        let key = parts.key.map(|k| encode_json_bytes(k, encoding));
        let (value, value_encoding) = encode_json_bytes(parts.value, encoding);
        JsonRecord {
            topic,
            partition,
            offset: Some(parts.offset),
            timestamp: Some(rfc3339_ms(parts.timestamp_ms)),
            timestamp_ms: Some(parts.timestamp_ms),
            key_encoding: key.as_ref().map(|(_, e)| *e),
            key: key.map(|(k, _)| k),
            value,
            value_encoding,
            headers: parts
                .headers
                .map(|(key, value)| {
                    let (value, value_encoding) = encode_json_bytes(value, encoding);
                    JsonHeader {
                        key: key.to_string(),
                        value,
                        value_encoding,
                    }
                })
                .collect(),
        }
    }

    /// The record to produce; `topic` and `offset` are ignored, `partition` and `timestamp_ms` kept.
    pub fn into_producer_record(self) -> Result<ProducerRecord, String> {
        let key = match self.key {
            Some(key) => Some(
                decode_bytes(&key, self.key_encoding.unwrap_or(Encoding::Utf8))
                    .map_err(|e| format!("key: {e}"))?,
            ),
            None => None,
        };
        let value =
            decode_bytes(&self.value, self.value_encoding).map_err(|e| format!("value: {e}"))?;
        let headers = self
            .headers
            .into_iter()
            .map(|h| {
                let value = decode_bytes(&h.value, h.value_encoding)
                    .map_err(|e| format!("header {:?}: {e}", h.key))?;
                Ok(Header { key: h.key, value })
            })
            .collect::<Result<_, String>>()?;
        let timestamp_ms = match (self.timestamp_ms, &self.timestamp) {
            (Some(ms), _) => Some(ms),
            (None, Some(text)) => Some(parse_rfc3339_ms(text)?),
            (None, None) => None,
        };
        Ok(ProducerRecord {
            key,
            value,
            headers,
            timestamp_ms,
            partition: self.partition,
        })
    }
}

/// One piece of a parsed kcat-style format string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FormatPart {
    Literal(Vec<u8>),
    Topic,
    Partition,
    Offset,
    Key,
    Value,
    Timestamp,
    Headers,
    KeyLength,
    ValueLength,
}

/// A kcat-style output format: `%t` topic, `%p` partition, `%o` offset, `%k` key, `%v` value,
/// `%T` timestamp (ms), `%h` headers (`k=v,...`), `%K` key length, `%S` value length, `%%`;
/// escapes `\n`, `\t`, `\r`, `\\`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFormat {
    parts: Vec<FormatPart>,
}

impl RecordFormat {
    pub fn parse(format: &str) -> Result<RecordFormat, String> {
        let mut parts = Vec::new();
        let mut literal = Vec::new();
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            let part = match c {
                '%' => match chars.next() {
                    Some('t') => FormatPart::Topic,
                    Some('p') => FormatPart::Partition,
                    Some('o') => FormatPart::Offset,
                    Some('k') => FormatPart::Key,
                    Some('v') => FormatPart::Value,
                    Some('T') => FormatPart::Timestamp,
                    Some('h') => FormatPart::Headers,
                    Some('K') => FormatPart::KeyLength,
                    Some('S') => FormatPart::ValueLength,
                    Some('%') => {
                        literal.push(b'%');
                        continue;
                    }
                    Some(other) => return Err(format!("unknown format directive %{other}")),
                    None => return Err("format ends with a lone %".to_string()),
                },
                '\\' => {
                    let escaped = match chars.next() {
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('r') => '\r',
                        Some('\\') => '\\',
                        Some(other) => return Err(format!("unknown escape \\{other}")),
                        None => return Err("format ends with a lone \\".to_string()),
                    };
                    literal.extend_from_slice(escaped.encode_utf8(&mut [0; 4]).as_bytes());
                    continue;
                }
                c => {
                    literal.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    continue;
                }
            };
            if !literal.is_empty() {
                parts.push(FormatPart::Literal(std::mem::take(&mut literal)));
            }
            parts.push(part);
        }
        if !literal.is_empty() {
            parts.push(FormatPart::Literal(literal));
        }
        Ok(RecordFormat { parts })
    }

    /// Appends one formatted record to `out`.
    pub fn write(
        &self,
        out: &mut Vec<u8>,
        topic: &str,
        record: &ConsumedRecord,
        encoding: Encoding,
    ) {
        use std::io::Write;
        for part in &self.parts {
            match part {
                FormatPart::Literal(bytes) => out.extend_from_slice(bytes),
                FormatPart::Topic => out.extend_from_slice(topic.as_bytes()),
                FormatPart::Partition => {
                    let _ = write!(out, "{}", record.partition);
                }
                FormatPart::Offset => {
                    let _ = write!(out, "{}", record.offset);
                }
                FormatPart::Timestamp => {
                    let _ = write!(out, "{}", record.timestamp_ms);
                }
                FormatPart::Key => {
                    if let Some(key) = &record.key {
                        out.extend_from_slice(&encode_text_bytes(key, encoding));
                    }
                }
                FormatPart::Value => {
                    out.extend_from_slice(&encode_text_bytes(&record.value, encoding))
                }
                FormatPart::KeyLength => {
                    let length = record.key.as_ref().map_or(-1, |k| k.len() as i64);
                    let _ = write!(out, "{length}");
                }
                FormatPart::ValueLength => {
                    let _ = write!(out, "{}", record.value.len());
                }
                FormatPart::Headers => {
                    for (i, h) in record.headers.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        out.extend_from_slice(h.key.as_bytes());
                        out.push(b'=');
                        out.extend_from_slice(&encode_text_bytes(&h.value, encoding));
                    }
                }
            }
        }
    }
}

/// How `consume` and `subscribe` show records: one set of flags for both.
#[derive(Debug, Clone, clap::Args)]
pub struct PrintArgs {
    /// kcat-style format: %t %p %o %k %v %T %h %K %S, escapes \n \t
    #[arg(long)]
    pub format: Option<String>,
    /// How keys and values are shown (JSON falls back to base64 for non-UTF-8 bytes)
    #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
    pub value_encoding: Encoding,
}

impl PrintArgs {
    /// The printer these flags choose; `json` is `-o json`.
    pub fn printer(&self, json: bool) -> Result<RecordPrinter, CliError> {
        RecordPrinter::new(self.format.as_deref(), json, self.value_encoding)
    }
}

/// How `consume` and `subscribe` print each record: the value per line, a format string, or
/// NDJSON.
pub enum RecordPrinter {
    Value(Encoding),
    Format(RecordFormat, Encoding),
    Json(Encoding),
}

impl RecordPrinter {
    /// The printer for `-o` and `--format`; both together is a usage error.
    pub fn new(
        format: Option<&str>,
        json: bool,
        encoding: Encoding,
    ) -> Result<RecordPrinter, CliError> {
        match (format, json) {
            (Some(_), true) => Err(CliError::new(
                ExitCode::Usage,
                "--format cannot be combined with -o json",
            )),
            (Some(format), false) => RecordFormat::parse(format)
                .map(|f| RecordPrinter::Format(f, encoding))
                .map_err(|e| CliError::new(ExitCode::Usage, format!("--format: {e}"))),
            (None, true) => Ok(RecordPrinter::Json(encoding)),
            (None, false) => Ok(RecordPrinter::Value(encoding)),
        }
    }

    /// Appends one printed record to `out`.
    pub fn write(&self, out: &mut Vec<u8>, topic: &str, record: &ConsumedRecord) {
        match self {
            RecordPrinter::Value(encoding) => {
                out.extend_from_slice(&encode_text_bytes(&record.value, *encoding));
                out.push(b'\n');
            }
            RecordPrinter::Format(format, encoding) => format.write(out, topic, record, *encoding),
            RecordPrinter::Json(encoding) => {
                // Serialising plain strings and numbers into a Vec cannot fail.
                let _ = serde_json::to_writer(
                    &mut *out,
                    &JsonRecord::from_consumed(topic, record, *encoding),
                );
                out.push(b'\n');
            }
        }
    }
}

/// Writes to stdout, treating a closed pipe (`| head`) as the reader having had enough:
/// returns false then, so the command can end quietly.
pub fn write_or_closed(out: &mut impl std::io::Write, bytes: &[u8]) -> std::io::Result<bool> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ConsumedRecord {
        ConsumedRecord {
            partition: 2,
            offset: 7,
            timestamp_ms: 1_700_000_000_123,
            key: Some(Bytes::from_static(b"k1")),
            value: Bytes::from_static(b"hello"),
            headers: vec![Header {
                key: "h".into(),
                value: Bytes::from_static(b"x"),
            }],
        }
    }

    #[test]
    fn format_string_expands_every_directive() {
        let format = RecordFormat::parse("%t %p %o %k %v %T %h %K %S 100%%\\n").unwrap();
        let mut out = Vec::new();
        format.write(&mut out, "orders", &record(), Encoding::Utf8);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "orders 2 7 k1 hello 1700000000123 h=x 2 5 100%\n"
        );
    }

    #[test]
    fn timestamps_rfc3339_cannot_show_do_not_panic() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(-5), "-5");
        assert_eq!(rfc3339_ms(i64::MAX), i64::MAX.to_string());
        assert_eq!(rfc3339_ms(253_402_300_800_000), "253402300800000");
    }

    #[test]
    fn bad_format_strings_are_errors() {
        assert!(RecordFormat::parse("%q").is_err());
        assert!(RecordFormat::parse("abc%").is_err());
        assert!(RecordFormat::parse("\\x").is_err());
    }

    #[test]
    fn binary_values_round_trip_through_json() {
        let mut r = record();
        r.value = Bytes::from_static(&[0, 159, 146, 150, 255]);
        let json = JsonRecord::from_consumed("t", &r, Encoding::Utf8);
        assert_eq!(json.value_encoding, Encoding::Base64);
        let text = serde_json::to_string(&json).unwrap();
        let back: JsonRecord = serde_json::from_str(&text).unwrap();
        let produced = back.into_producer_record().unwrap();
        assert_eq!(produced.value, r.value);
        assert_eq!(produced.key, r.key);
        assert_eq!(produced.partition, Some(2));
        assert_eq!(produced.timestamp_ms, Some(r.timestamp_ms));
    }
}
