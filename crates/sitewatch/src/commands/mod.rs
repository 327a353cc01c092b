pub mod align;
pub mod coreg;
pub mod detect;
pub mod eval;
pub mod scene;
pub mod site;
pub mod synth;
pub mod warp;
