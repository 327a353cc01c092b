//! A baseline JPEG decoder that reproduces libjpeg(-turbo) bit for bit, as GDAL reads JPEG
//! chunks through libtiff: Huffman-coded sequential DCT, 8-bit samples, the "islow" integer
//! IDCT (jidctint.c), "fancy" triangular chroma upsampling (jdsample.c) and libjpeg's
//! fixed-point YCbCr-to-RGB conversion (jdcolor.c). JPEG-in-TIFF is always sequential, so
//! progressive and arithmetic-coded streams are refused.

/// A decoded JPEG image: samples interleaved by pixel, row-major.
pub(crate) struct JpegImage {
    pub samples: Vec<u8>,
    pub width: usize,
}

/// The zigzag position of each coefficient in natural (row-major) order.
const NATURAL_ORDER: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// A Huffman table in the canonical form of JPEG annex F.2.2.3.
#[derive(Clone)]
struct Huffman {
    /// The largest code of each length (1..=16), or -1 when there is none.
    max_code: [i32; 17],
    /// For each length, the index in `values` of its first code minus that code.
    offset: [i32; 17],
    values: Vec<u8>,
}

impl Huffman {
    fn new(counts: &[u8; 16], values: Vec<u8>) -> Huffman {
        let mut max_code = [-1; 17];
        let mut offset = [0; 17];
        let (mut code, mut index) = (0i32, 0i32);
        for length in 1..=16 {
            let n = i32::from(counts[length - 1]);
            offset[length] = index - code;
            if n > 0 {
                code += n;
                index += n;
                max_code[length] = code - 1;
            }
            code <<= 1;
        }
        Huffman {
            max_code,
            offset,
            values,
        }
    }
}

#[derive(Clone, Copy)]
struct Component {
    id: u8,
    h: usize,
    v: usize,
    quant: usize,
}

/// Reads entropy-coded bits, removing stuffed zero bytes and stopping at markers.
struct BitReader<'a> {
    data: &'a [u8],
    position: usize,
    buffer: u32,
    bits: u32,
}

impl<'a> BitReader<'a> {
    fn fill(&mut self) {
        while self.bits <= 24 {
            let mut byte = 0;
            if self.position < self.data.len() {
                byte = self.data[self.position];
                if byte == 0xFF {
                    match self.data.get(self.position + 1) {
                        Some(0x00) => self.position += 2,
                        // A marker: feed zeros, as libjpeg does, until the caller handles it.
                        _ => byte = 0,
                    }
                } else {
                    self.position += 1;
                }
            }
            self.buffer |= u32::from(byte) << (24 - self.bits);
            self.bits += 8;
        }
    }

    fn bits(&mut self, n: u32) -> i32 {
        if n == 0 {
            return 0;
        }
        self.fill();
        let value = self.buffer >> (32 - n);
        self.buffer <<= n;
        self.bits -= n;
        value as i32
    }

    fn decode(&mut self, table: &Huffman) -> Result<u8, String> {
        let mut code = 0i32;
        for length in 1..=16 {
            code = (code << 1) | self.bits(1);
            if code <= table.max_code[length] {
                let index = (table.offset[length] + code) as usize;
                return table
                    .values
                    .get(index)
                    .copied()
                    .ok_or_else(|| "bad Huffman code".to_string());
            }
        }
        Err("bad Huffman code".into())
    }

    /// Skips to the restart marker that must follow a restart interval.
    fn restart(&mut self) {
        self.buffer = 0;
        self.bits = 0;
        while self.position + 1 < self.data.len()
            && !(self.data[self.position] == 0xFF
                && (0xD0..=0xD7).contains(&self.data[self.position + 1]))
        {
            self.position += 1;
        }
        self.position = (self.position + 2).min(self.data.len());
    }
}

/// The value of `bits` extra bits of magnitude category `size` (JPEG's EXTEND).
fn extend(bits: i32, size: u32) -> i32 {
    if size == 0 {
        0
    } else if bits < 1 << (size - 1) {
        bits - (1 << size) + 1
    } else {
        bits
    }
}

/// Decoder state built up from the markers of the tables stream and the image stream.
struct State {
    quant: Vec<[i32; 64]>,
    dc: [Option<Huffman>; 4],
    ac: [Option<Huffman>; 4],
    restart_interval: usize,
    width: usize,
    height: usize,
    components: Vec<Component>,
    /// Per component: the quantised-then-transformed samples, `blocks_wide * 8` wide.
    planes: Vec<Vec<u8>>,
    blocks_wide: Vec<usize>,
    /// True once a scan has been decoded.
    scanned: bool,
}

/// Decodes a JPEG stream, after the markers of `tables` (a TIFF's JPEGTables) if any.
/// `ycbcr_to_rgb` converts three-component images from YCbCr to RGB. A frame of more than
/// `max_samples` samples is refused before anything is allocated for it.
pub(crate) fn decode(
    tables: Option<&[u8]>,
    data: &[u8],
    ycbcr_to_rgb: bool,
    max_samples: usize,
) -> Result<JpegImage, String> {
    let mut state = State {
        quant: vec![[0; 64]; 4],
        dc: Default::default(),
        ac: Default::default(),
        restart_interval: 0,
        width: 0,
        height: 0,
        components: Vec::new(),
        planes: Vec::new(),
        blocks_wide: Vec::new(),
        scanned: false,
    };
    if let Some(tables) = tables {
        read_markers(&mut state, tables, max_samples)?;
    }
    read_markers(&mut state, data, max_samples)?;
    if !state.scanned {
        return Err("JPEG stream without image data".into());
    }
    Ok(state.finish(ycbcr_to_rgb))
}

fn read_markers(state: &mut State, data: &[u8], max_samples: usize) -> Result<(), String> {
    let mut i = 0;
    let u16_at = |i: usize| -> Result<usize, String> {
        data.get(i..i + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or_else(|| "truncated JPEG marker".to_string())
    };
    while i + 1 < data.len() {
        if data[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = data[i + 1];
        i += 2;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 | 0xFF => {
                if marker == 0xFF {
                    i -= 1;
                }
                continue;
            }
            0xD9 => return Ok(()),
            _ => {}
        }
        let length = u16_at(i)?;
        let segment = data
            .get(i + 2..i + length)
            .ok_or("truncated JPEG segment")?;
        match marker {
            0xDB => read_quant(state, segment)?,
            0xC4 => read_huffman(state, segment)?,
            0xDD => state.restart_interval = u16_at(i + 2)?,
            0xC0 | 0xC1 => read_frame(state, segment, max_samples)?,
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(format!(
                    "JPEG process SOF{} (progressive, lossless or arithmetic) is not used in \
                     TIFF and not supported",
                    marker - 0xC0
                ))
            }
            0xDA => {
                i = read_scan(state, segment, &data[i + length..])? + i + length;
                continue;
            }
            _ => {} // APPn, COM and the like
        }
        i += length;
    }
    Ok(())
}

fn read_quant(state: &mut State, mut segment: &[u8]) -> Result<(), String> {
    while let Some(&pq_tq) = segment.first() {
        let (precision, id) = (pq_tq >> 4, usize::from(pq_tq & 3));
        let size = if precision == 0 { 64 } else { 128 };
        let values = segment
            .get(1..1 + size)
            .ok_or("truncated quantisation table")?;
        for k in 0..64 {
            state.quant[id][k] = if precision == 0 {
                i32::from(values[k])
            } else {
                i32::from(u16::from_be_bytes([values[2 * k], values[2 * k + 1]]))
            };
        }
        segment = &segment[1 + size..];
    }
    Ok(())
}

fn read_huffman(state: &mut State, mut segment: &[u8]) -> Result<(), String> {
    while segment.len() >= 17 {
        let (class, id) = (segment[0] >> 4, usize::from(segment[0] & 3));
        let counts: [u8; 16] = segment[1..17].try_into().expect("16 counts");
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let values = segment
            .get(17..17 + total)
            .ok_or("truncated Huffman table")?
            .to_vec();
        let table = Some(Huffman::new(&counts, values));
        if class == 0 {
            state.dc[id] = table;
        } else {
            state.ac[id] = table;
        }
        segment = &segment[17 + total..];
    }
    Ok(())
}

fn read_frame(state: &mut State, segment: &[u8], max_samples: usize) -> Result<(), String> {
    if segment.len() < 6 || segment[0] != 8 {
        return Err("only 8-bit JPEG samples are supported".into());
    }
    state.height = usize::from(u16::from_be_bytes([segment[1], segment[2]]));
    state.width = usize::from(u16::from_be_bytes([segment[3], segment[4]]));
    let count = usize::from(segment[5]);
    if state.width == 0 || state.height == 0 || count == 0 {
        return Err("JPEG frame of zero size".into());
    }
    if state.width * state.height * count > max_samples {
        return Err(format!(
            "JPEG frame of {}x{} pixels is larger than its chunk",
            state.width, state.height
        ));
    }
    state.components = (0..count)
        .map(|c| {
            let s = segment.get(6 + 3 * c..9 + 3 * c).ok_or("truncated frame")?;
            Ok(Component {
                id: s[0],
                h: usize::from(s[1] >> 4).max(1),
                v: usize::from(s[1] & 15).max(1),
                quant: usize::from(s[2] & 3),
            })
        })
        .collect::<Result<_, String>>()?;
    let (max_h, max_v) = max_sampling(&state.components);
    let mcus_wide = state.width.div_ceil(8 * max_h);
    let mcus_high = state.height.div_ceil(8 * max_v);
    state.blocks_wide = state.components.iter().map(|c| mcus_wide * c.h).collect();
    state.planes = state
        .components
        .iter()
        .map(|c| vec![0; mcus_wide * c.h * 8 * mcus_high * c.v * 8])
        .collect();
    Ok(())
}

fn max_sampling(components: &[Component]) -> (usize, usize) {
    (
        components.iter().map(|c| c.h).max().unwrap_or(1),
        components.iter().map(|c| c.v).max().unwrap_or(1),
    )
}

/// Decodes one scan; returns how many bytes of `data` its entropy-coded segment used.
fn read_scan(state: &mut State, header: &[u8], data: &[u8]) -> Result<usize, String> {
    if state.planes.is_empty() {
        return Err("JPEG scan before its frame header".into());
    }
    state.scanned = true;
    let count = usize::from(*header.first().ok_or("empty scan header")?);
    let mut scan = Vec::with_capacity(count);
    for s in 0..count {
        let b = header
            .get(1 + 2 * s..3 + 2 * s)
            .ok_or("truncated scan header")?;
        let index = state
            .components
            .iter()
            .position(|c| c.id == b[0])
            .ok_or("scan of an unknown component")?;
        let (dc, ac) = (usize::from(b[1] >> 4) & 3, usize::from(b[1] & 15) & 3);
        let dc = state.dc[dc].clone().ok_or("missing DC Huffman table")?;
        let ac = state.ac[ac].clone().ok_or("missing AC Huffman table")?;
        scan.push((index, dc, ac));
    }
    let (max_h, max_v) = max_sampling(&state.components);
    // One component alone is coded block by block over its own size; several are coded in
    // MCUs of each one's h x v blocks.
    let units: Vec<(usize, usize)> = if count == 1 {
        let c = state.components[scan[0].0];
        let wide = (state.width * c.h).div_ceil(max_h).div_ceil(8);
        let high = (state.height * c.v).div_ceil(max_v).div_ceil(8);
        (0..high)
            .flat_map(|y| (0..wide).map(move |x| (x, y)))
            .collect()
    } else {
        let wide = state.width.div_ceil(8 * max_h);
        let high = state.height.div_ceil(8 * max_v);
        (0..high)
            .flat_map(|y| (0..wide).map(move |x| (x, y)))
            .collect()
    };
    let mut reader = BitReader {
        data,
        position: 0,
        buffer: 0,
        bits: 0,
    };
    let mut predictors = vec![0i32; count];
    let mut coefficients = [0i32; 64];
    for (n, &(ux, uy)) in units.iter().enumerate() {
        if state.restart_interval > 0 && n > 0 && n % state.restart_interval == 0 {
            reader.restart();
            predictors.iter_mut().for_each(|p| *p = 0);
        }
        for (s, (index, dc, ac)) in scan.iter().enumerate() {
            let c = state.components[*index];
            let (bh, bv) = if count == 1 { (1, 1) } else { (c.h, c.v) };
            for by in 0..bv {
                for bx in 0..bh {
                    let quant = &state.quant[c.quant];
                    coefficients.fill(0);
                    let size = u32::from(reader.decode(dc)?);
                    if size > 16 {
                        return Err(format!("DC magnitude category {size}"));
                    }
                    let diff = extend(reader.bits(size), size);
                    predictors[s] += diff;
                    coefficients[0] = predictors[s] * quant[0];
                    let mut k = 1;
                    while k < 64 {
                        let rs = reader.decode(ac)?;
                        let (run, size) = (usize::from(rs >> 4), u32::from(rs & 15));
                        if size == 0 {
                            if run != 15 {
                                break;
                            }
                            k += 16;
                            continue;
                        }
                        k += run;
                        if k > 63 {
                            break;
                        }
                        coefficients[NATURAL_ORDER[k]] = extend(reader.bits(size), size) * quant[k];
                        k += 1;
                    }
                    let (block_x, block_y) = (ux * bh + bx, uy * bv + by);
                    let stride = state.blocks_wide[*index] * 8;
                    let plane = &mut state.planes[*index];
                    let start = block_y * 8 * stride + block_x * 8;
                    if start + 7 * stride + 8 <= plane.len() {
                        idct_islow(&coefficients, &mut plane[start..], stride);
                    }
                }
            }
        }
    }
    Ok(reader.position.min(data.len()))
}

/// libjpeg's accurate integer inverse DCT (jidctint.c, jpeg_idct_islow): dequantised
/// coefficients in natural order to 8x8 samples written with `stride`.
fn idct_islow(coefficients: &[i32; 64], output: &mut [u8], stride: usize) {
    const CONST_BITS: i32 = 13;
    const PASS1_BITS: i32 = 2;
    const FIX_0_298631336: i64 = 2446;
    const FIX_0_390180644: i64 = 3196;
    const FIX_0_541196100: i64 = 4433;
    const FIX_0_765366865: i64 = 6270;
    const FIX_0_899976223: i64 = 7373;
    const FIX_1_175875602: i64 = 9633;
    const FIX_1_501321110: i64 = 12299;
    const FIX_1_847759065: i64 = 15137;
    const FIX_1_961570560: i64 = 16069;
    const FIX_2_053119869: i64 = 16819;
    const FIX_2_562915447: i64 = 20995;
    const FIX_3_072711026: i64 = 25172;
    fn descale(x: i64, n: i32) -> i64 {
        (x + (1 << (n - 1))) >> n
    }
    /// The butterfly shared by both passes: eight inputs to eight outputs before descaling.
    fn butterfly(x: [i64; 8]) -> [i64; 8] {
        let z1 = (x[2] + x[6]) * FIX_0_541196100;
        let tmp2 = z1 - x[6] * FIX_1_847759065;
        let tmp3 = z1 + x[2] * FIX_0_765366865;
        let tmp0 = (x[0] + x[4]) << CONST_BITS;
        let tmp1 = (x[0] - x[4]) << CONST_BITS;
        let (tmp10, tmp13, tmp11, tmp12) = (tmp0 + tmp3, tmp0 - tmp3, tmp1 + tmp2, tmp1 - tmp2);
        let (t0, t1, t2, t3) = (x[7], x[5], x[3], x[1]);
        let (z1, z2, z3, z4) = (t0 + t3, t1 + t2, t0 + t2, t1 + t3);
        let z5 = (z3 + z4) * FIX_1_175875602;
        let (t0, t1, t2, t3) = (
            t0 * FIX_0_298631336,
            t1 * FIX_2_053119869,
            t2 * FIX_3_072711026,
            t3 * FIX_1_501321110,
        );
        let (z1, z2) = (-z1 * FIX_0_899976223, -z2 * FIX_2_562915447);
        let z3 = -z3 * FIX_1_961570560 + z5;
        let z4 = -z4 * FIX_0_390180644 + z5;
        let (t0, t1, t2, t3) = (t0 + z1 + z3, t1 + z2 + z4, t2 + z2 + z3, t3 + z1 + z4);
        [
            tmp10 + t3,
            tmp11 + t2,
            tmp12 + t1,
            tmp13 + t0,
            tmp13 - t0,
            tmp12 - t1,
            tmp11 - t2,
            tmp10 - t3,
        ]
    }
    let mut work = [0i64; 64];
    for col in 0..8 {
        let x: [i64; 8] = std::array::from_fn(|row| i64::from(coefficients[row * 8 + col]));
        if x[1..].iter().all(|&v| v == 0) {
            for row in 0..8 {
                work[row * 8 + col] = x[0] << PASS1_BITS;
            }
            continue;
        }
        for (row, value) in butterfly(x).into_iter().enumerate() {
            work[row * 8 + col] = descale(value, CONST_BITS - PASS1_BITS);
        }
    }
    let clamp = |v: i64| (v + 128).clamp(0, 255) as u8;
    for row in 0..8 {
        let x: [i64; 8] = work[row * 8..row * 8 + 8].try_into().expect("a row");
        let out = &mut output[row * stride..row * stride + 8];
        if x[1..].iter().all(|&v| v == 0) {
            out.fill(clamp(descale(x[0], PASS1_BITS + 3)));
            continue;
        }
        for (o, value) in out.iter_mut().zip(butterfly(x)) {
            *o = clamp(descale(value, CONST_BITS + PASS1_BITS + 3));
        }
    }
}

impl State {
    /// Upsamples every component to full size and interleaves (and colour-converts) them.
    fn finish(self, ycbcr_to_rgb: bool) -> JpegImage {
        let (width, height) = (self.width, self.height);
        let (max_h, max_v) = max_sampling(&self.components);
        let full: Vec<Vec<u8>> = self
            .components
            .iter()
            .zip(&self.planes)
            .zip(&self.blocks_wide)
            .map(|((c, plane), &blocks)| {
                let comp_width = (width * c.h).div_ceil(max_h);
                let comp_height = (height * c.v).div_ceil(max_v);
                upsample(
                    plane,
                    blocks * 8,
                    (comp_width, comp_height),
                    (max_h / c.h, max_v / c.v),
                    (width, height),
                )
            })
            .collect();
        let n = full.len();
        let mut samples = vec![0u8; width * height * n];
        for (i, pixel) in samples.chunks_exact_mut(n).enumerate() {
            for (c, plane) in full.iter().enumerate() {
                pixel[c] = plane[i];
            }
            if ycbcr_to_rgb && n == 3 {
                let rgb = ycc_to_rgb(pixel[0], pixel[1], pixel[2]);
                pixel.copy_from_slice(&rgb);
            }
        }
        JpegImage { samples, width }
    }
}

/// libjpeg's fixed-point YCbCr to RGB conversion (jdcolor.c).
fn ycc_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    const ONE_HALF: i32 = 1 << 15;
    let fix = |x: f64| (x * 65536.0 + 0.5) as i32;
    let (y, cb, cr) = (i32::from(y), i32::from(cb) - 128, i32::from(cr) - 128);
    let r = y + ((fix(1.402) * cr + ONE_HALF) >> 16);
    let g = y + ((-fix(0.34414) * cb + ONE_HALF - fix(0.71414) * cr) >> 16);
    let b = y + ((fix(1.772) * cb + ONE_HALF) >> 16);
    [r, g, b].map(|v| v.clamp(0, 255) as u8)
}

/// Upsamples a component plane (`stride` wide, `size` of real samples) by `factor` to
/// `out_size`, with libjpeg's "fancy" triangular filters for 2x1, 1x2 and 2x2 and sample
/// replication otherwise. Rows past the last are the last row, as libjpeg's context rows.
fn upsample(
    plane: &[u8],
    stride: usize,
    size: (usize, usize),
    factor: (usize, usize),
    out_size: (usize, usize),
) -> Vec<u8> {
    let (w, h) = size;
    let (out_w, out_h) = out_size;
    let at = |x: usize, y: usize| i32::from(plane[y.min(h - 1) * stride + x.min(w - 1)]);
    let mut out = vec![0u8; out_w * out_h];
    match factor {
        (1, 1) => {
            for y in 0..out_h {
                for x in 0..out_w {
                    out[y * out_w + x] = at(x, y) as u8;
                }
            }
        }
        (2, 1) if w > 2 => {
            for y in 0..out_h {
                for x in 0..out_w {
                    out[y * out_w + x] = h2_fancy(|i| at(i, y), x, w, 2, (1, 2)) as u8;
                }
            }
        }
        (1, 2) => {
            for y in 0..out_h {
                let (row, neighbour, bias) = vertical_neighbour(y, h);
                for x in 0..out_w {
                    out[y * out_w + x] = ((at(x, row) * 3 + at(x, neighbour) + bias) >> 2) as u8;
                }
            }
        }
        (2, 2) if w > 2 => {
            for y in 0..out_h {
                let (row, neighbour, _) = vertical_neighbour(y, h);
                let column_sum = |i: usize| at(i, row) * 3 + at(i, neighbour);
                for x in 0..out_w {
                    out[y * out_w + x] = h2_fancy(column_sum, x, w, 4, (8, 7)) as u8;
                }
            }
        }
        (fx, fy) => {
            for y in 0..out_h {
                for x in 0..out_w {
                    out[y * out_w + x] = at(x / fx, y / fy) as u8;
                }
            }
        }
    }
    out
}

/// For output row `y` of a vertically doubled component: its source row, the next nearest
/// row (above for even rows, below for odd ones, the row itself past the edges) and the
/// rounding bias libjpeg uses for it.
fn vertical_neighbour(y: usize, h: usize) -> (usize, usize, i32) {
    let row = (y / 2).min(h - 1);
    if y % 2 == 0 {
        (row, row.saturating_sub(1), 1)
    } else {
        (row, (row + 1).min(h - 1), 2)
    }
}

/// Output column `x` of libjpeg's horizontal "fancy" upsampling of `w` input columns given by
/// `column`: three parts of the nearest column and one of the next nearest (the column itself
/// at the edges), plus a bias, shifted right. h2v1 uses biases 1 (even) and 2 (odd) with a
/// shift of 2; h2v2, on vertical column sums, 8 and 7 with a shift of 4.
fn h2_fancy(
    column: impl Fn(usize) -> i32,
    x: usize,
    w: usize,
    shift: u32,
    biases: (i32, i32),
) -> i32 {
    let i = (x / 2).min(w - 1);
    let this = column(i);
    if x % 2 == 0 {
        let other = if i == 0 { this } else { column(i - 1) };
        (this * 3 + other + biases.0) >> shift
    } else {
        let other = if i == w - 1 { this } else { column(i + 1) };
        (this * 3 + other + biases.1) >> shift
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_block_decodes_to_its_dc_level() {
        let mut coefficients = [0i32; 64];
        coefficients[0] = 8 * 50; // DC of a block whose samples are all 128 + 50
        let mut out = [0u8; 64];
        idct_islow(&coefficients, &mut out, 8);
        assert!(out.iter().all(|&v| v == 178));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for length in [0, 3, 40, 500, 5000] {
            let mut bytes: Vec<u8> = (0..length)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 32) as u8
                })
                .collect();
            // Also a stream that starts like a JPEG.
            assert!(decode(None, &bytes, true, 1 << 20).is_err());
            bytes.splice(
                0..0,
                [
                    0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0,
                ],
            );
            assert!(decode(None, &bytes, true, 1 << 20).is_err());
        }
    }

    #[test]
    fn neutral_chroma_is_grey() {
        assert_eq!(ycc_to_rgb(77, 128, 128), [77, 77, 77]);
    }
}
