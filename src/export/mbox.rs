//! mboxrd output: a `From ` line per message, `>` added before body lines
//! matching `^>*From `, an empty line between messages.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::{Item, Sink, buffered, close, wrap};

pub(super) struct Writer {
    out: BufWriter<File>,
}

impl Writer {
    pub fn create(path: &Path) -> io::Result<Writer> {
        Ok(Writer {
            out: buffered(path)?,
        })
    }
}

impl Sink for Writer {
    fn write(&mut self, item: &Item<'_>) -> io::Result<u64> {
        let bytes = wrap::as_rfc5322(item);
        let when = item.summary.received.or(item.summary.date).unwrap_or(0);
        let stamp = chrono::DateTime::from_timestamp(when, 0)
            .unwrap_or_default()
            .format("%a %b %e %H:%M:%S %Y");
        writeln!(self.out, "From MAILER-DAEMON {stamp}")?;
        write_escaped(&mut self.out, &bytes)?;
        if !bytes.ends_with(b"\n") {
            self.out.write_all(b"\n")?;
        }
        self.out.write_all(b"\n")?;
        Ok(bytes.len() as u64)
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        close(self.out)
    }
}

/// Writes `message` line by line, escaping `From ` lines the mboxrd way.
fn write_escaped(out: &mut impl Write, message: &[u8]) -> io::Result<()> {
    for line in message.split_inclusive(|&byte| byte == b'\n') {
        let unquoted = &line[line.iter().take_while(|&&byte| byte == b'>').count()..];
        if unquoted.starts_with(b"From ") {
            out.write_all(b">")?;
        }
        out.write_all(line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::write_escaped;

    #[test]
    fn from_lines_get_one_more_quote() {
        let mut out = Vec::new();
        let message = b"Subject: x\r\n\r\nFrom here\r\n>From there\n> From not\nFromage\nFrom";
        write_escaped(&mut out, message).unwrap();
        assert_eq!(
            out,
            b"Subject: x\r\n\r\n>From here\r\n>>From there\n> From not\nFromage\nFrom"
        );
    }
}
