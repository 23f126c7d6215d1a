//! JSON Lines output: one object per message, with its metadata, tags and
//! flags, and its raw content (`raw_json` for direct messages, `raw_base64`
//! for mail, whose bytes need not be text).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use base64::Engine;
use serde_json::{Value, json};

use super::{Item, Sink, buffered, close};
use crate::store::display_tags;

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
        let summary = item.summary;
        let mut object = json!({
            "id": summary.id.0,
            "thread": summary.thread.0,
            "account": summary.account,
            "source": summary.source.as_str(),
            "folders": summary.folders,
            "message_id": summary.message_id,
            "date": summary.date,
            "received": summary.received,
            "subject": summary.subject,
            "tags": display_tags(summary.flags, &summary.tags),
        });
        let raw = if summary.source.is_mail() {
            None
        } else {
            serde_json::from_slice::<Value>(item.raw).ok()
        };
        match raw {
            Some(value) => object["raw_json"] = value,
            None => {
                object["raw_base64"] = base64::engine::general_purpose::STANDARD
                    .encode(item.raw)
                    .into();
            }
        }
        serde_json::to_writer(&mut self.out, &object)?;
        self.out.write_all(b"\n")?;
        Ok(item.raw.len() as u64)
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        close(self.out)
    }
}
