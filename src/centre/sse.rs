//! A Server-Sent Events parser for the event stream (incremental, bounded).
//! Follows the WHATWG rules the centre relies on: `id`, `event`, `data`
//! (multi-line), `retry`; comment lines (`:`) are keep-alives; a blank line
//! ends a message; lines end in LF, CRLF or CR.

/// One dispatched message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseMessage {
    /// The `id:` of this message, if it had one.
    pub id: Option<String>,
    /// `event:`; `message` when absent.
    pub event: String,
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("an event stream line or message exceeded {0} bytes")]
    TooLarge(usize),
    #[error("an event stream line is not UTF-8")]
    NotUtf8,
}

#[derive(Debug)]
pub struct SseParser {
    buf: Vec<u8>,
    /// A CR ended the previous chunk: a LF starting the next one belongs to it.
    after_cr: bool,
    data: String,
    has_data: bool,
    event: String,
    id: Option<String>,
    max: usize,
    /// Comment lines seen (keep-alives), for diagnostics and tests.
    pub comments: u64,
    /// The last `retry:` value in milliseconds.
    pub retry_ms: Option<u64>,
}

impl SseParser {
    /// `max`: the largest line and the largest message accepted.
    pub fn new(max: usize) -> Self {
        SseParser {
            buf: Vec::new(),
            after_cr: false,
            data: String::new(),
            has_data: false,
            event: String::new(),
            id: None,
            max,
            comments: 0,
            retry_ms: None,
        }
    }

    /// Feeds bytes; returns the messages completed by them.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseMessage>, SseError> {
        let mut out = Vec::new();
        for &b in chunk {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.buf);
                    let line = String::from_utf8(line).map_err(|_| SseError::NotUtf8)?;
                    if let Some(m) = self.line(&line)? {
                        out.push(m);
                    }
                }
                _ => {
                    if self.buf.len() >= self.max {
                        return Err(SseError::TooLarge(self.max));
                    }
                    self.buf.push(b);
                }
            }
        }
        Ok(out)
    }

    fn line(&mut self, line: &str) -> Result<Option<SseMessage>, SseError> {
        if line.is_empty() {
            if !self.has_data {
                self.event.clear();
                return Ok(None);
            }
            let mut data = std::mem::take(&mut self.data);
            if data.ends_with('\n') {
                data.pop();
            }
            self.has_data = false;
            let event = std::mem::take(&mut self.event);
            return Ok(Some(SseMessage {
                id: self.id.clone(),
                event: if event.is_empty() { "message".into() } else { event },
                data,
            }));
        }
        if line.starts_with(':') {
            self.comments += 1;
            return Ok(None);
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.data.len() + value.len() + 1 > self.max {
                    return Err(SseError::TooLarge(self.max));
                }
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "event" => self.event = value.to_string(),
            "id" if !value.contains('\0') => self.id = Some(value.to_string()),
            "retry" => {
                if let Ok(ms) = value.parse() {
                    self.retry_ms = Some(ms);
                }
            }
            _ => {}
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_split_messages_comments_and_multiline_data() {
        let mut p = SseParser::new(1024);
        let text = "retry: 2000\n\n: keep-alive\n\nid: 7\nevent: ticket_called\ndata: {\"a\":\ndata: 1}\n\nid: 8\r\ndata: x\r\n\r\n";
        let mut got = Vec::new();
        // Feed one byte at a time: chunk boundaries must not matter.
        for b in text.as_bytes() {
            got.extend(p.push(std::slice::from_ref(b)).unwrap());
        }
        assert_eq!(
            got,
            vec![
                SseMessage {
                    id: Some("7".into()),
                    event: "ticket_called".into(),
                    data: "{\"a\":\n1}".into()
                },
                SseMessage { id: Some("8".into()), event: "message".into(), data: "x".into() },
            ]
        );
        assert_eq!(p.comments, 1);
        assert_eq!(p.retry_ms, Some(2000));
    }

    #[test]
    fn multibyte_letters_split_across_chunks_survive() {
        let mut p = SseParser::new(1024);
        let bytes = "data: Quầy 3\n\n".as_bytes();
        let (a, b) = bytes.split_at(9); // inside "ầ"
        assert!(p.push(a).unwrap().is_empty());
        assert_eq!(p.push(b).unwrap()[0].data, "Quầy 3");
    }

    #[test]
    fn oversized_lines_are_refused() {
        let mut p = SseParser::new(16);
        assert_eq!(p.push(&[b'x'; 17]), Err(SseError::TooLarge(16)));
        let mut p = SseParser::new(16);
        assert_eq!(p.push(b"data: 0123456789\ndata: 0123456789\n"), Err(SseError::TooLarge(16)));
    }
}
