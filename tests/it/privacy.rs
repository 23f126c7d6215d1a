//! No telemetry: the product's source (src/ and connectors/, test code
//! aside) names no network address but the X API base, X's sign-in page
//! (opened in the user's browser), this machine, and the names reserved for
//! examples (RFC 2606). Comments are skipped, so documentation links are
//! fine. The scan is simple: URLs (`scheme://host`), IPv4 literals, and
//! host-like words inside string literals.

use std::path::{Path, PathBuf};

/// Hosts the product may name.
const ALLOWED: &[&str] = &["api.x.com", "x.com", "localhost", "127.0.0.1", "0.0.0.0"];
/// Domains reserved for examples and tests, with their subdomains.
const RESERVED: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "example",
    "test",
    "invalid",
    "localhost",
];
/// Endings that make a word in a string a host name.
const TLDS: &[&str] = &[
    "com", "org", "net", "io", "dev", "app", "co", "me", "info", "cloud", "ai", "xyz", "edu",
    "gov", "de", "uk", "fr", "eu", "us",
];

fn allowed(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    ALLOWED.contains(&host.as_str())
        || host.starts_with("127.")
        || RESERVED
            .iter()
            .any(|domain| host == *domain || host.ends_with(&format!(".{domain}")))
}

/// The code of `line`, without a trailing `//` comment (a `://` stays).
fn code(line: &str) -> &str {
    let bytes = line.as_bytes();
    for index in 0..bytes.len().saturating_sub(1) {
        if &bytes[index..index + 2] == b"//" && (index == 0 || bytes[index - 1] != b':') {
            return &line[..index];
        }
    }
    line
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

/// Every network address named in `line` that is not allowed.
fn addresses(line: &str) -> Vec<String> {
    let line = code(line);
    let mut found = Vec::new();
    // scheme://host
    let mut rest = line;
    while let Some(at) = rest.find("://") {
        rest = &rest[at + 3..];
        let host: String = rest.chars().take_while(|&c| is_host_char(c)).collect();
        if !host.is_empty() && !allowed(&host) {
            found.push(host);
        }
    }
    // IPv4 literals and host names inside string literals.
    for (index, literal) in line.split('"').enumerate() {
        let in_string = index % 2 == 1;
        for word in literal.split(|c: char| !is_host_char(c)) {
            let word = word.trim_matches('.');
            let labels: Vec<&str> = word.split('.').collect();
            let ipv4 = labels.len() == 4 && labels.iter().all(|l| l.parse::<u8>().is_ok());
            let hostname = in_string
                && labels.len() >= 2
                && labels.iter().all(|l| !l.is_empty())
                && TLDS.contains(&labels[labels.len() - 1].to_ascii_lowercase().as_str());
            if (ipv4 || hostname) && !allowed(word) && !found.contains(&word.to_owned()) {
                found.push(word.to_owned());
            }
        }
    }
    found
}

/// Rust files of the product under `dir`: not test files or test folders.
fn product_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the source tree") {
        let path = entry.expect("dir entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !matches!(name, "tests" | "target") {
                product_files(&path, out);
            }
        } else if name.ends_with(".rs") && !matches!(name, "tests.rs" | "testing.rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_scan_finds_addresses_and_lets_the_allowed_ones_pass() {
    assert_eq!(
        addresses(r#"let url = "https://telemetry.inbox.io/ping";"#),
        ["telemetry.inbox.io"]
    );
    assert_eq!(
        addresses(r#"connect(("stats.vendor.com", 443))"#),
        ["stats.vendor.com"]
    );
    assert_eq!(
        addresses("let ip = [8, 8, 8, 8]; let s = \"8.8.8.8\";"),
        ["8.8.8.8"]
    );
    assert!(
        addresses(r#"const BASE: &str = "https://api.x.com"; // see https://docs.x.com"#)
            .is_empty()
    );
    assert!(addresses(r#"format!("http://127.0.0.1:{port}/callback")"#).is_empty());
    assert!(addresses(r#"let to = "you@example.org"; let f = "config.toml";"#).is_empty());
    assert!(addresses(r#"bail!("must start with https://")"#).is_empty());
}

#[test]
fn the_source_names_no_server_but_the_configured_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    product_files(&root.join("src"), &mut files);
    product_files(&root.join("connectors"), &mut files);
    assert!(files.len() > 50, "the scan must see the source tree");
    let mut named = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read a source file");
        for (number, line) in text.lines().enumerate() {
            // Unit tests sit at the end of their module.
            if line.trim() == "#[cfg(test)]" {
                break;
            }
            for address in addresses(line) {
                let shown = file
                    .strip_prefix(root)
                    .unwrap_or(file)
                    .display()
                    .to_string();
                named.push(format!("{shown}:{}: {address}", number + 1));
            }
        }
    }
    assert!(
        named.is_empty(),
        "network addresses other than the X API, this machine and example names:\n{}",
        named.join("\n")
    );
}
