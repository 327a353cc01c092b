//! A minimal little-endian TIFF (or BigTIFF) file writer: blocks of data first, then one image
//! file directory whose entries point at them.

use std::io::{self, Seek, SeekFrom, Write};

/// The value of one directory entry.
#[derive(Debug, Clone)]
pub(crate) enum TagValue {
    Short(Vec<u16>),
    Long(Vec<u32>),
    Long8(Vec<u64>),
    Double(Vec<f64>),
    Ascii(String),
}

impl TagValue {
    /// TIFF field type code, value count and little-endian bytes.
    fn encode(&self) -> (u16, u64, Vec<u8>) {
        fn bytes<T: Copy, const N: usize>(values: &[T], le: fn(T) -> [u8; N]) -> Vec<u8> {
            values.iter().flat_map(|&v| le(v)).collect()
        }
        match self {
            TagValue::Short(v) => (3, v.len() as u64, bytes(v, u16::to_le_bytes)),
            TagValue::Long(v) => (4, v.len() as u64, bytes(v, u32::to_le_bytes)),
            TagValue::Long8(v) => (16, v.len() as u64, bytes(v, u64::to_le_bytes)),
            TagValue::Double(v) => (12, v.len() as u64, bytes(v, f64::to_le_bytes)),
            TagValue::Ascii(s) => {
                let mut b = s.as_bytes().to_vec();
                b.push(0);
                (2, b.len() as u64, b)
            }
        }
    }
}

/// Writes a single-image TIFF: [`TiffWriter::write_block`] for each chunk, then
/// [`TiffWriter::finish`] with the directory.
pub(crate) struct TiffWriter<W: Write + Seek> {
    out: W,
    bigtiff: bool,
    position: u64,
}

impl<W: Write + Seek> TiffWriter<W> {
    /// Starts a file with its header; `bigtiff` for files that may pass 4 GiB.
    pub(crate) fn new(mut out: W, bigtiff: bool) -> io::Result<Self> {
        let header: &[u8] = if bigtiff {
            &[b'I', b'I', 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        } else {
            &[b'I', b'I', 42, 0, 0, 0, 0, 0]
        };
        out.write_all(header)?;
        Ok(TiffWriter {
            out,
            bigtiff,
            position: header.len() as u64,
        })
    }

    /// The value type for chunk offsets and byte counts: LONG8 in BigTIFF, LONG otherwise.
    pub(crate) fn offsets(&self, values: Vec<u64>) -> TagValue {
        if self.bigtiff {
            TagValue::Long8(values)
        } else {
            TagValue::Long(values.into_iter().map(|v| v as u32).collect())
        }
    }

    /// Appends a block of bytes and returns its offset in the file.
    pub(crate) fn write_block(&mut self, bytes: &[u8]) -> io::Result<u64> {
        let offset = self.position;
        if !self.bigtiff && offset + bytes.len() as u64 > u64::from(u32::MAX) {
            return Err(io::Error::other("the file passes 4 GiB; it needs BigTIFF"));
        }
        self.out.write_all(bytes)?;
        self.position += bytes.len() as u64;
        Ok(offset)
    }

    /// Writes the image file directory of `entries` (tag, value) and points the header at it.
    pub(crate) fn finish(mut self, mut entries: Vec<(u16, TagValue)>) -> io::Result<W> {
        entries.sort_by_key(|(tag, _)| *tag);
        let inline = if self.bigtiff { 8 } else { 4 };
        // Values too long to sit in their entry go first, each at an even offset.
        let mut encoded = Vec::with_capacity(entries.len());
        for (tag, value) in &entries {
            let (kind, count, bytes) = value.encode();
            let field = if bytes.len() <= inline {
                let mut field = bytes;
                field.resize(inline, 0);
                field
            } else {
                self.align()?;
                let offset = self.write_block(&bytes)?;
                offset.to_le_bytes()[..inline].to_vec()
            };
            encoded.push((*tag, kind, count, field));
        }
        self.align()?;
        let ifd_offset = self.position;
        let mut ifd = Vec::new();
        if self.bigtiff {
            ifd.extend_from_slice(&(encoded.len() as u64).to_le_bytes());
        } else {
            ifd.extend_from_slice(&(encoded.len() as u16).to_le_bytes());
        }
        for (tag, kind, count, field) in encoded {
            ifd.extend_from_slice(&tag.to_le_bytes());
            ifd.extend_from_slice(&kind.to_le_bytes());
            if self.bigtiff {
                ifd.extend_from_slice(&count.to_le_bytes());
            } else {
                ifd.extend_from_slice(&(count as u32).to_le_bytes());
            }
            ifd.extend_from_slice(&field);
        }
        ifd.extend_from_slice(&vec![0; inline]); // no next directory
        self.write_block(&ifd)?;
        if self.bigtiff {
            self.out.seek(SeekFrom::Start(8))?;
            self.out.write_all(&ifd_offset.to_le_bytes())?;
        } else {
            self.out.seek(SeekFrom::Start(4))?;
            self.out.write_all(&(ifd_offset as u32).to_le_bytes())?;
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn align(&mut self) -> io::Result<()> {
        if self.position % 2 == 1 {
            self.write_block(&[0])?;
        }
        Ok(())
    }
}
