//! Renders every date of the plant scenario as an RGB PNG, for looking at the generator's
//! output: `cargo run --release -p synth --example preview -- OUT_DIR [SEED]`.

use std::fs::File;
use std::io::BufWriter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().ok_or("usage: preview OUT_DIR [SEED]")?);
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1);
    std::fs::create_dir_all(&out)?;
    let site = synth::plant_complex(seed);
    for (i, acq) in site.acquisitions.iter().enumerate() {
        let t = std::time::Instant::now();
        let r = synth::render(&site, i)?;
        let (w, h) = (r.grid.width, r.grid.height);
        let scale = 255.0 / acq.max_dn as f32;
        let mut rgb = Vec::with_capacity(w * h * 3);
        for p in 0..w * h {
            for b in 0..3 {
                rgb.push((r.band(b)[p] * scale).round().clamp(0.0, 255.0) as u8);
            }
        }
        let path = out.join(format!("date{i}.png"));
        let mut enc = png::Encoder::new(BufWriter::new(File::create(&path)?), w as u32, h as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.write_header()?.write_image_data(&rgb)?;
        println!("{} {}x{} in {:.2?}", path.display(), w, h, t.elapsed());
    }
    Ok(())
}
