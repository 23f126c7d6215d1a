//! Newline-delimited framing with a length cap: a line longer than the cap
//! is reported as soon as the cap is passed and the rest of it is skipped,
//! so a hostile peer cannot make the reader buffer unbounded memory.

use std::io;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// What [`LineReader::next_line`] found.
#[derive(Debug, PartialEq)]
pub enum Line<'a> {
    /// A line without its `\n` (or `\r\n`); the last line may lack the newline.
    Text(&'a [u8]),
    /// A line longer than the cap; the reader skips to the next line.
    TooLong,
}

/// Reads lines of at most `max` bytes from `inner`.
pub struct LineReader<R> {
    inner: BufReader<R>,
    max: usize,
    line: Vec<u8>,
    /// The previous line was returned: clear it before reading on.
    returned: bool,
    /// Inside an over-long line: drop bytes up to the next newline.
    skipping: bool,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// Reads `inner`, reporting lines longer than `max` bytes as too long.
    pub fn new(inner: R, max: usize) -> LineReader<R> {
        LineReader {
            inner: BufReader::new(inner),
            max,
            line: Vec::new(),
            returned: false,
            skipping: false,
        }
    }

    /// The reader lines are read from.
    pub fn get_ref(&self) -> &R {
        self.inner.get_ref()
    }

    /// The next line, or `None` at the end of input. Cancel-safe: dropping
    /// the future loses no bytes.
    pub async fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        if std::mem::take(&mut self.returned) {
            self.line.clear();
        }
        loop {
            let available = self.inner.fill_buf().await?;
            if available.is_empty() {
                if self.skipping || self.line.is_empty() {
                    self.skipping = false;
                    return Ok(None);
                }
                self.returned = true;
                return Ok(Some(Line::Text(&self.line)));
            }
            let newline = available.iter().position(|&byte| byte == b'\n');
            let length = newline.unwrap_or(available.len());
            let used = length + usize::from(newline.is_some());
            if self.skipping {
                self.inner.consume(used);
                self.skipping = newline.is_none();
                continue;
            }
            if self.line.len() + length > self.max {
                self.inner.consume(used);
                self.line.clear();
                self.skipping = newline.is_none();
                return Ok(Some(Line::TooLong));
            }
            self.line.extend_from_slice(&available[..length]);
            self.inner.consume(used);
            if newline.is_some() {
                if self.line.last() == Some(&b'\r') {
                    self.line.pop();
                }
                self.returned = true;
                return Ok(Some(Line::Text(&self.line)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// Every line of `input` read with cap `max`, as text or "<too long>".
    async fn lines(input: &[u8], max: usize) -> Vec<String> {
        let mut reader = LineReader::new(input, max);
        let mut found = Vec::new();
        while let Some(line) = reader.next_line().await.unwrap() {
            found.push(match line {
                Line::Text(text) => String::from_utf8_lossy(text).into_owned(),
                Line::TooLong => "<too long>".into(),
            });
        }
        found
    }

    #[tokio::test]
    async fn splits_on_newlines_and_keeps_a_last_unterminated_line() {
        assert_eq!(lines(b"a\r\n\nbc\nd", 8).await, ["a", "", "bc", "d"]);
        assert!(lines(b"", 8).await.is_empty());
    }

    #[tokio::test]
    async fn reports_long_lines_and_resynchronises() {
        assert_eq!(
            lines(b"12345\n123456\nok", 5).await,
            ["12345", "<too long>", "ok"]
        );
        assert_eq!(lines(b"123456789", 5).await, ["<too long>"]);
    }

    #[tokio::test]
    async fn caps_lines_that_span_many_buffer_fills() {
        let mut input = vec![b'x'; 100_000];
        input.extend_from_slice(b"\n{}\n");
        let (mut writer, reader) = tokio::io::duplex(16);
        tokio::spawn(async move { writer.write_all(&input).await });
        let mut reader = LineReader::new(reader, 1000);
        assert_eq!(reader.next_line().await.unwrap(), Some(Line::TooLong));
        // Growth by doubling: never more than twice the cap.
        assert!(reader.line.capacity() <= 2 * 1000);
        assert_eq!(reader.next_line().await.unwrap(), Some(Line::Text(b"{}")));
        assert_eq!(reader.next_line().await.unwrap(), None);
    }
}
