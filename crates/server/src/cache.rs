//! A small least-recently-used cache of rendered images, so that a map panning back and forth
//! does not warp the same window twice.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::imagery::ImageRequest;

/// Rendered PNGs by request, at most `capacity` of them; the least recently used goes first.
pub(crate) struct ImageCache {
    capacity: usize,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    images: HashMap<ImageRequest, Arc<Vec<u8>>>,
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
    pub(crate) fn get(&self, request: &ImageRequest) -> Option<Arc<Vec<u8>>> {
        let mut entries = self.entries.lock().ok()?;
        let image = entries.images.get(request)?.clone();
        entries.order.retain(|r| r != request);
        entries.order.push_back(*request);
        Some(image)
    }

    /// Keeps `image` for `request`, dropping the least recently used beyond capacity.
    pub(crate) fn put(&self, request: ImageRequest, image: Arc<Vec<u8>>) {
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
        cache.put(request(1), Arc::new(vec![1]));
        cache.put(request(2), Arc::new(vec![2]));
        assert_eq!(*cache.get(&request(1)).unwrap(), vec![1]);
        cache.put(request(3), Arc::new(vec![3]));
        assert!(cache.get(&request(2)).is_none());
        assert_eq!(*cache.get(&request(1)).unwrap(), vec![1]);
        assert_eq!(*cache.get(&request(3)).unwrap(), vec![3]);
    }
}
