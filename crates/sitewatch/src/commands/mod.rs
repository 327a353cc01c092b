pub mod scene;
pub mod site;
