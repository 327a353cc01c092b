//! Which comparisons a site needs: every scene against the one before it (what changed
//! between two looks) and against the first (what changed since the site was first seen).

/// A comparison of two scenes of a site, by catalog id, the earlier first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScenePair {
    pub before: i64,
    pub after: i64,
}

/// The pairs that `scenes` (catalog ids in acquisition order) need, consecutive pairs first,
/// in date order, then each later scene against the first. A scene's second look at the first
/// date is the consecutive pair itself, so it is not repeated.
pub fn pairs_needed(scenes: &[i64]) -> Vec<ScenePair> {
    let consecutive = scenes.windows(2).map(|w| ScenePair {
        before: w[0],
        after: w[1],
    });
    let since_first = scenes.iter().skip(2).map(|&after| ScenePair {
        before: scenes[0],
        after,
    });
    consecutive.chain(since_first).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(before: i64, after: i64) -> ScenePair {
        ScenePair { before, after }
    }

    #[test]
    fn consecutive_pairs_then_each_against_the_first() {
        assert_eq!(
            pairs_needed(&[3, 1, 7, 5]),
            vec![pair(3, 1), pair(1, 7), pair(7, 5), pair(3, 7), pair(3, 5)]
        );
    }

    #[test]
    fn one_scene_needs_nothing_and_two_need_one_pair() {
        assert!(pairs_needed(&[4]).is_empty());
        assert!(pairs_needed(&[]).is_empty());
        assert_eq!(pairs_needed(&[4, 9]), vec![pair(4, 9)]);
    }

    #[test]
    fn a_new_scene_adds_only_its_own_pairs() {
        let before: std::collections::HashSet<ScenePair> =
            pairs_needed(&[1, 2, 3]).into_iter().collect();
        let after = pairs_needed(&[1, 2, 3, 4]);
        let added: Vec<ScenePair> = after.into_iter().filter(|p| !before.contains(p)).collect();
        assert_eq!(added, vec![pair(3, 4), pair(1, 4)]);
    }
}
