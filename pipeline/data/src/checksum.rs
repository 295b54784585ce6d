//! sha256 of data files, with the gzip-content fallback for recompressed `.gz` copies.

use std::io::Read;

use sha2::{Digest, Sha256};

use super::config::FileSpec;

/// Lower-case hex sha256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// True when `bytes` start with the gzip magic number.
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// The gunzipped content of `bytes`.
pub(crate) fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

/// The outcome of comparing a file with its declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The stored bytes (or, for gzip, the content) match.
    Match,
    /// Neither hash matches; `actual` is the sha256 of the stored bytes.
    Mismatch { actual: String },
}

/// Compares `bytes` with `spec.sha256`, then (for gzip with a declared `content_sha256`) the
/// sha256 of the gunzipped content: different gzip encoders give different bytes for the same
/// original file, and only the content matters.
pub(crate) fn verify(bytes: &[u8], spec: &FileSpec) -> Verdict {
    let actual = sha256_hex(bytes);
    if actual == spec.sha256 {
        return Verdict::Match;
    }
    if let Some(content) = &spec.content_sha256 {
        if is_gzip(bytes) && gunzip(bytes).is_ok_and(|raw| sha256_hex(&raw) == *content) {
            return Verdict::Match;
        }
    }
    Verdict::Mismatch { actual }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(sha256: &str, content: Option<&str>) -> FileSpec {
        FileSpec {
            path: "f".into(),
            sha256: sha256.into(),
            content_sha256: content.map(str::to_string),
            urls: vec![],
            source: None,
            debian_package: None,
            system_path: None,
        }
    }

    #[test]
    fn sha256_of_abc_is_the_fips_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn gzip_passes_by_content_when_the_compressed_bytes_differ() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"abc").unwrap();
        let gz = enc.finish().unwrap();
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let other = "0".repeat(64);
        assert_eq!(verify(&gz, &spec(&other, Some(abc))), Verdict::Match);
        assert_eq!(verify(&gz, &spec(&sha256_hex(&gz), None)), Verdict::Match);
        assert_eq!(
            verify(&gz, &spec(&other, Some(&other))),
            Verdict::Mismatch {
                actual: sha256_hex(&gz)
            }
        );
    }
}
