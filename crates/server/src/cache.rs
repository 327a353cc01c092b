//! A small least-recently-used cache of rendered images, so that a map panning back and forth
//! does not warp the same window twice.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::body::Bytes;

use crate::imagery::ImageRequest;

/// Rendered PNGs by request, at most `capacity` of them; the least recently used goes first.
pub(crate) struct ImageCache {
    capacity: usize,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    images: HashMap<ImageRequest, Bytes>,
    /// Requests from least to most recently used.
    order: VecDeque<ImageRequest>,
}

impl ImageCache {
    /// An empty cache holding up to `capacity` images.
    pub(crate) fn new(capacity: usize) -> ImageCache {
        ImageCache {
            capacity,
            entries: Mutex::new(Entries::default()),
        }
    }

    /// The image rendered for `request`, if kept; it becomes the most recently used.
    pub(crate) fn get(&self, request: &ImageRequest) -> Option<Bytes> {
        let mut entries = self.entries.lock().ok()?;
        let image = entries.images.get(request)?.clone();
        entries.order.retain(|r| r != request);
        entries.order.push_back(*request);
        Some(image)
    }

    /// Keeps `image` for `request`, dropping the least recently used beyond capacity.
    pub(crate) fn put(&self, request: ImageRequest, image: Bytes) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.images.insert(request, image).is_some() {
            entries.order.retain(|r| *r != request);
        }
        entries.order.push_back(request);
        while entries.order.len() > self.capacity {
            if let Some(oldest) = entries.order.pop_front() {
                entries.images.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(scene: i64) -> ImageRequest {
        ImageRequest {
            scene,
            col: 0,
            row: 0,
            width: 10,
            height: 10,
            size: 10,
        }
    }

    #[test]
    fn the_least_recently_used_image_goes_first() {
        let cache = ImageCache::new(2);
        cache.put(request(1), Bytes::from_static(&[1]));
        cache.put(request(2), Bytes::from_static(&[2]));
        assert_eq!(cache.get(&request(1)).unwrap(), &[1][..]);
        cache.put(request(3), Bytes::from_static(&[3]));
        assert!(cache.get(&request(2)).is_none());
        assert_eq!(cache.get(&request(1)).unwrap(), &[1][..]);
        assert_eq!(cache.get(&request(3)).unwrap(), &[3][..]);
    }
}
