//! Maildir output: every message in `cur/`, its flags in the file name
//! (`:2,DFRST`), so mail programs and `inbox import` read them back.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{Item, Sink, private_file, wrap};

pub(super) struct Writer {
    cur: PathBuf,
}

impl Writer {
    pub fn create(path: &Path) -> io::Result<Writer> {
        use std::os::unix::fs::DirBuilderExt;
        let mut builder = std::fs::DirBuilder::new();
        builder.mode(0o700);
        builder.create(path)?;
        for sub in ["cur", "new", "tmp"] {
            builder.create(path.join(sub))?;
        }
        Ok(Writer {
            cur: path.join("cur"),
        })
    }
}

impl Sink for Writer {
    fn write(&mut self, item: &Item<'_>) -> io::Result<u64> {
        let bytes = wrap::as_rfc5322(item);
        let letters = item.summary.flags.maildir_letters();
        let name = format!("{}.inbox-export:2,{letters}", item.summary.id.0);
        let mut file = private_file(&self.cur.join(name))?;
        file.write_all(&bytes)?;
        Ok(bytes.len() as u64)
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        std::fs::File::open(&self.cur)?.sync_all()
    }
}
