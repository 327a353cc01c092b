//! Sample words and the TIFF predictors: turning the decompressed bytes of a chunk into sample
//! words (undoing the horizontal or floating-point predictor) and back (for the writer).
//!
//! A "word" is the raw bit pattern of one sample (`u8`, `u16`, `u32` or `u64`). The horizontal
//! predictor works on words with wrapping arithmetic, which is the same for signed samples.
//! The floating-point predictor (Adobe technical note 3) works on bytes: each row's samples
//! are split into byte planes, most significant first, and those bytes are differenced.

/// The bit pattern of one sample.
pub(crate) trait Word: Copy + Default + Send {
    /// Bytes in one word.
    const BYTES: usize;
    /// The word stored in `bytes` in the given byte order.
    fn from_bytes(bytes: &[u8], little_endian: bool) -> Self;
    /// The word's bytes, most significant first.
    fn to_be_bytes_vec(self) -> [u8; 8];
    /// The word's bytes in little-endian order, appended to `out`.
    fn push_le(self, out: &mut Vec<u8>);
    fn wrapping_add(self, other: Self) -> Self;
    fn wrapping_sub(self, other: Self) -> Self;
}

macro_rules! impl_word {
    ($t:ty) => {
        impl Word for $t {
            const BYTES: usize = std::mem::size_of::<$t>();
            fn from_bytes(bytes: &[u8], little_endian: bool) -> Self {
                let array = bytes.try_into().expect("a word's worth of bytes");
                if little_endian {
                    <$t>::from_le_bytes(array)
                } else {
                    <$t>::from_be_bytes(array)
                }
            }
            fn to_be_bytes_vec(self) -> [u8; 8] {
                let mut out = [0; 8];
                out[..Self::BYTES].copy_from_slice(&self.to_be_bytes());
                out
            }
            fn push_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn wrapping_add(self, other: Self) -> Self {
                <$t>::wrapping_add(self, other)
            }
            fn wrapping_sub(self, other: Self) -> Self {
                <$t>::wrapping_sub(self, other)
            }
        }
    };
}

impl_word!(u8);
impl_word!(u16);
impl_word!(u32);
impl_word!(u64);

/// How the words of a chunk are laid out and predicted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowShape {
    /// Samples in one stored row of the chunk (pixels times samples per pixel).
    pub row_samples: usize,
    /// Samples per pixel in the chunk: the distance between a sample and its predecessor.
    pub stride: usize,
}

use super::layout::Predictor;

/// Decodes the words of `rows` rows of a chunk from its decompressed `bytes`, undoing the
/// predictor, and passes each word, in storage order, to `emit`.
pub(crate) fn decode_words<W: Word>(
    bytes: &[u8],
    rows: usize,
    shape: RowShape,
    little_endian: bool,
    predictor: Predictor,
    mut emit: impl FnMut(W),
) {
    let row_bytes = shape.row_samples * W::BYTES;
    let mut row_words = vec![W::default(); shape.row_samples];
    let mut scratch = Vec::new();
    for row in bytes.chunks_exact(row_bytes).take(rows) {
        match predictor {
            Predictor::FloatingPoint => {
                scratch.clear();
                scratch.extend_from_slice(row);
                for i in shape.stride..scratch.len() {
                    scratch[i] = scratch[i].wrapping_add(scratch[i - shape.stride]);
                }
                let mut word_bytes = [0u8; 8];
                for (i, word) in row_words.iter_mut().enumerate() {
                    for (b, byte) in word_bytes[..W::BYTES].iter_mut().enumerate() {
                        *byte = scratch[b * shape.row_samples + i];
                    }
                    *word = W::from_bytes(&word_bytes[..W::BYTES], false);
                }
            }
            Predictor::None | Predictor::Horizontal => {
                for (word, chunk) in row_words.iter_mut().zip(row.chunks_exact(W::BYTES)) {
                    *word = W::from_bytes(chunk, little_endian);
                }
                if predictor == Predictor::Horizontal {
                    for i in shape.stride..row_words.len() {
                        row_words[i] = row_words[i].wrapping_add(row_words[i - shape.stride]);
                    }
                }
            }
        }
        row_words.iter().for_each(|&w| emit(w));
    }
}

/// Encodes rows of words as little-endian bytes with the predictor applied: the inverse of
/// [`decode_words`].
pub(crate) fn encode_words<W: Word>(
    words: &[W],
    shape: RowShape,
    predictor: Predictor,
    out: &mut Vec<u8>,
) {
    for row in words.chunks_exact(shape.row_samples) {
        match predictor {
            Predictor::FloatingPoint => {
                let start = out.len();
                out.resize(start + row.len() * W::BYTES, 0);
                let shuffled = &mut out[start..];
                for (i, word) in row.iter().enumerate() {
                    let bytes = word.to_be_bytes_vec();
                    for b in 0..W::BYTES {
                        shuffled[b * shape.row_samples + i] = bytes[b];
                    }
                }
                for i in (shape.stride..shuffled.len()).rev() {
                    shuffled[i] = shuffled[i].wrapping_sub(shuffled[i - shape.stride]);
                }
            }
            Predictor::Horizontal => {
                for (i, &word) in row.iter().enumerate() {
                    let previous = if i >= shape.stride {
                        row[i - shape.stride]
                    } else {
                        W::default()
                    };
                    word.wrapping_sub(previous).push_le(out);
                }
            }
            Predictor::None => row.iter().for_each(|w| w.push_le(out)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<W: Word + PartialEq + std::fmt::Debug>(words: Vec<W>, predictor: Predictor) {
        let shape = RowShape {
            row_samples: 6,
            stride: 2,
        };
        let mut bytes = Vec::new();
        encode_words(&words, shape, predictor, &mut bytes);
        let mut back = Vec::new();
        decode_words::<W>(&bytes, words.len() / 6, shape, true, predictor, |w| {
            back.push(w)
        });
        assert_eq!(back, words);
    }

    #[test]
    fn predictors_round_trip() {
        let bytes: Vec<u8> = (0..12).map(|i| (i * 37 % 251) as u8).collect();
        round_trip(bytes, Predictor::Horizontal);
        let shorts: Vec<u16> = (0..12).map(|i| (i * 9_001 % 65_521) as u16).collect();
        round_trip(shorts.clone(), Predictor::Horizontal);
        round_trip(shorts, Predictor::None);
        let floats: Vec<u32> = (0..12).map(|i| (i as f32 * -1.7).to_bits()).collect();
        round_trip(floats, Predictor::FloatingPoint);
        let doubles: Vec<u64> = (0..12).map(|i| (i as f64 * 3.3e10).to_bits()).collect();
        round_trip(doubles, Predictor::FloatingPoint);
    }

    #[test]
    fn horizontal_predictor_matches_the_tiff_definition() {
        // Two pixels of two samples: 10, 20 then 13, 18 are stored as 10, 20, 3, -2.
        let stored = [10u8, 20, 3, 254];
        let shape = RowShape {
            row_samples: 4,
            stride: 2,
        };
        let mut out = Vec::new();
        decode_words::<u8>(&stored, 1, shape, true, Predictor::Horizontal, |w| {
            out.push(w)
        });
        assert_eq!(out, vec![10, 20, 13, 18]);
    }
}
