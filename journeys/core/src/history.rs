//! Undo and redo for editors: a bounded stack of whole states. Journeys are small enough that
//! snapshots are simpler and safer than inverse operations, and a save does not clear it.

/// At least this many steps can be undone.
pub const DEFAULT_DEPTH: usize = 200;

#[derive(Debug, Clone)]
pub struct History<T> {
    undo: Vec<T>,
    redo: Vec<T>,
    depth: usize,
}

impl<T: Clone + PartialEq> History<T> {
    pub fn new(depth: usize) -> Self {
        History { undo: Vec::new(), redo: Vec::new(), depth: depth.max(1) }
    }

    /// Remember `before`, the state an edit is about to change. A new edit clears redo.
    pub fn record(&mut self, before: T) {
        if self.undo.last() == Some(&before) {
            return;
        }
        if self.undo.len() == self.depth {
            self.undo.remove(0);
        }
        self.undo.push(before);
        self.redo.clear();
    }

    /// Step back from `current`; returns the state to show, if there is one.
    pub fn undo(&mut self, current: T) -> Option<T> {
        let previous = self.undo.pop()?;
        self.redo.push(current);
        Some(previous)
    }

    pub fn redo(&mut self, current: T) -> Option<T> {
        let next = self.redo.pop()?;
        self.undo.push(current);
        Some(next)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

impl<T: Clone + PartialEq> Default for History<T> {
    fn default() -> Self {
        History::new(DEFAULT_DEPTH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_redo_walks_back_and_forth() {
        let mut h = History::new(10);
        h.record(1);
        h.record(2);
        assert_eq!(h.undo(3), Some(2));
        assert_eq!(h.undo(2), Some(1));
        assert_eq!(h.undo(1), None);
        assert_eq!(h.redo(1), Some(2));
        assert_eq!(h.redo(2), Some(3));
        assert_eq!(h.redo(3), None);
    }

    #[test]
    fn a_new_edit_clears_redo_and_depth_is_bounded() {
        let mut h = History::new(100);
        for i in 0..150 {
            h.record(i);
        }
        let mut current = 150;
        let mut steps = 0;
        while let Some(previous) = h.undo(current) {
            current = previous;
            steps += 1;
        }
        assert_eq!((steps, current), (100, 50));
        h.record(7);
        assert!(!h.can_redo());
    }

    #[test]
    fn recording_the_same_state_twice_is_one_step() {
        let mut h = History::new(5);
        h.record("a");
        h.record("a");
        assert_eq!(h.undo("b"), Some("a"));
        assert!(!h.can_undo());
    }
}
