//! `Window<T>`: items by dense global id, any of which can be retired (dropped).
//!
//! The engine and the observers keep one item per instance (or binding) by its id.
//! Under a windowed run (issue 15: memory bounded by what is in flight) the engine
//! retires each unit's instances once the unit has ended, in whatever order units end,
//! and each keeper retires the same ids. Items live in pages of [`PAGE`] ids; a page
//! whose ids were all pushed and retired is released (its allocation kept for the
//! next page to open), so what is held is the pages of the units in flight. Ids stay
//! global; `len()` is one past the last id pushed (or grown: `ensure` grows a run of
//! [`GROW`] ids at a time, so an observer's window may hold fresh items past the last
//! id it was told of).
//! Without retirement it is a plain vector cut in pages.
//!
//! A page is a fixed array of [`PAGE`] items, so a lookup needs no bounds check within
//! the page: every observer and the engine look an instance up several times per
//! event. A page new from the allocator is filled with copies of its first item (or of
//! `ensure`'s fill); the ids of a page past `len()` hold such copies (or, in a reused
//! page, retired items) and are never read: reading one is a bug that a debug build's
//! assertion catches, where a release build reads such a copy.

use std::ops::{Index, IndexMut};

/// Ids per page (a page of 64-byte instances is 64 KiB: a new page is filled when it
/// opens, which a small run, such as one of `explore`'s cases, pays for every page).
pub const PAGE: usize = 1 << PAGE_BITS;
const PAGE_BITS: usize = 10;
const WORDS: usize = PAGE / 64;

/// Ids `Window::ensure` grows at a time (a divisor of [`PAGE`]).
pub const GROW: usize = 64;

/// A page's items.
type Items<T> = Box<[T; PAGE]>;

/// Which ids of a held page were retired.
#[derive(Clone, Debug)]
struct Marks {
    /// Retired ids of the page, as bits.
    dead: [u64; WORDS],
    retired: usize,
}

impl Marks {
    fn none() -> Box<Marks> {
        Box::new(Marks {
            dead: [0; WORDS],
            retired: 0,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Window<T> {
    /// Each page's items; `None`: a page all of whose ids were retired. A table of
    /// one pointer per page, apart from the marks, so that a lookup (several per
    /// event) reads one word at a scaled index.
    pages: Vec<Option<Items<T>>>,
    /// Each held page's marks (`None` with its items).
    marks: Vec<Option<Box<Marks>>>,
    len: usize,
    /// What reading a retired id of a freed page gives, if anything.
    tomb: Option<Box<T>>,
    /// Freed pages' allocations, for the next pages: a windowed run frees and needs
    /// pages at the same pace, and a fresh page is fresh memory from the system (page
    /// faults on every first touch), written twice (filled, then pushed). They are
    /// never more than the most pages held at once.
    spare: Vec<(Items<T>, Box<Marks>)>,
}

/// Two windows are equal when they hold the same items by the same ids.
impl<T: PartialEq> PartialEq for Window<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter_ids().eq(other.iter_ids())
    }
}

impl<T> Default for Window<T> {
    fn default() -> Self {
        Window {
            pages: Vec::new(),
            marks: Vec::new(),
            len: 0,
            tomb: None,
            spare: Vec::new(),
        }
    }
}

impl<T> Window<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// A window where reading a retired id gives `tomb` (or the retired item itself,
    /// while its page is held): for the engine's instances, a final state, so an event
    /// or queue entry left for a retired instance finds nothing to do.
    pub fn with_tomb(tomb: T) -> Self {
        Window {
            tomb: Some(Box::new(tomb)),
            ..Self::default()
        }
    }

    /// One past the last id pushed or grown (retired ids included).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of items page `p` holds (retired ones included).
    fn page_len(&self, p: usize) -> usize {
        self.len.saturating_sub(p << PAGE_BITS).min(PAGE)
    }

    /// The item of id `i` of a freed page: the tomb, if any.
    #[cold]
    #[inline(never)]
    fn missing(&self, i: usize) -> &T {
        match &self.tomb {
            Some(tomb) if i < self.len => tomb,
            _ => panic!("id {i} was retired or never pushed"),
        }
    }

    /// The item of id `i` while its page is held, retired or not: a retired item
    /// of a held page is as it was retired.
    #[inline]
    pub fn in_page_mut(&mut self, i: usize) -> Option<&mut T> {
        debug_assert!(i < self.len, "id {i} was never pushed");
        match self.pages.get_mut(i >> PAGE_BITS) {
            Some(Some(page)) => Some(&mut page[i & (PAGE - 1)]),
            _ => None,
        }
    }

    /// Whether id `i` was pushed and not retired.
    pub fn held(&self, i: usize) -> bool {
        i < self.len
            && self.marks[i >> PAGE_BITS]
                .as_ref()
                .is_some_and(|m| m.dead[(i % PAGE) / 64] & (1 << (i % 64)) == 0)
    }

    /// The item of id `i`, if it is held.
    pub fn get(&self, i: usize) -> Option<&T> {
        self.held(i).then(|| &self[i])
    }

    /// The items held with their ids, in id order.
    pub fn iter_ids(&self) -> impl DoubleEndedIterator<Item = (usize, &T)> + '_ {
        self.pages
            .iter()
            .zip(&self.marks)
            .enumerate()
            .filter_map(|(p, (page, marks))| Some((p, page.as_ref()?, marks.as_ref()?)))
            .flat_map(|(p, page, marks)| {
                page[..self.page_len(p)]
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| marks.dead[k / 64] & (1 << (k % 64)) == 0)
                    .map(move |(k, t)| ((p << PAGE_BITS) + k, t))
            })
    }

    /// The items of ids `from..to`, every one of them held (none retired), in id
    /// order: a page's slice at a time, without a lookup per id.
    pub fn range(&self, from: usize, to: usize) -> impl Iterator<Item = &T> + '_ {
        debug_assert!(from >= to || (self.held(from) && self.held(to - 1)));
        let pages = if from < to {
            from >> PAGE_BITS..((to - 1) >> PAGE_BITS) + 1
        } else {
            0..0
        };
        pages.flat_map(move |p| {
            let page = self.pages[p]
                .as_ref()
                .expect("a range of held ids lies in held pages");
            let lo = (p << PAGE_BITS).max(from) - (p << PAGE_BITS);
            let hi = ((p + 1) << PAGE_BITS).min(to) - (p << PAGE_BITS);
            page[lo..hi].iter()
        })
    }

    /// The items held, in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.iter_ids().map(|(_, t)| t)
    }

    /// Retires ids `from..to` (each pushed, none retired before): they are no longer
    /// held, and a page whose every id is retired is released to the spares.
    pub fn retire(&mut self, from: usize, to: usize) {
        let to = to.min(self.len);
        let mut i = from;
        while i < to {
            let p = i >> PAGE_BITS;
            // The part of the range in page `p`, a word of 64 ids at a time.
            let page_end = ((p + 1) << PAGE_BITS).min(to);
            let Some(marks) = self.marks[p].as_mut() else {
                i = page_end;
                continue;
            };
            while i < page_end {
                let (w, lo) = ((i % PAGE) / 64, i % 64);
                let hi = (page_end - (i - lo)).min(64);
                let bits = if hi - lo == 64 {
                    u64::MAX
                } else {
                    ((1u64 << (hi - lo)) - 1) << lo
                };
                let new = bits & !marks.dead[w];
                marks.dead[w] |= new;
                marks.retired += new.count_ones() as usize;
                i += hi - lo;
            }
            if marks.retired == PAGE
                && let (Some(items), Some(marks)) = (self.pages[p].take(), self.marks[p].take())
            {
                self.spare.push((items, marks));
            }
        }
    }
}

impl<T: Clone> Window<T> {
    #[inline]
    pub fn push(&mut self, item: T) {
        let (page, k) = self.next_slot(&item);
        page[k] = item;
        self.len += 1;
    }

    /// The page id `len()` goes to (opened, filled with copies of `fill`, if need be)
    /// and its place there.
    #[inline]
    fn next_slot(&mut self, fill: &T) -> (&mut [T; PAGE], usize) {
        let (p, k) = (self.len >> PAGE_BITS, self.len & (PAGE - 1));
        if k == 0 {
            self.open_page(fill);
        }
        let page = self.pages[p]
            .as_mut()
            .expect("the last page is never freed while ids remain to push");
        (page, k)
    }

    /// Opens the page of id `len()`, a freed one's allocation if there is one, else
    /// a new one filled with copies of `fill`.
    #[cold]
    #[inline(never)]
    fn open_page(&mut self, fill: &T) {
        let (items, marks) = match self.spare.pop() {
            Some((items, mut marks)) => {
                marks.dead.fill(0);
                marks.retired = 0;
                (items, marks)
            }
            None => (
                vec![fill.clone(); PAGE]
                    .into_boxed_slice()
                    .try_into()
                    .unwrap_or_else(|_| unreachable!("a page has PAGE items")),
                Marks::none(),
            ),
        };
        self.pages.push(Some(items));
        self.marks.push(Some(marks));
    }

    /// Grows so that id `i` exists, with the rest of its run of [`GROW`] ids, new
    /// ids taking `fill`: an observer meets ids one by one, and grows once a run. A
    /// run is a few cache lines written just before their ids come, where filling a
    /// reused page ahead would write each line long before its ids come, and push what
    /// is in flight out of the cache. (A page new from the allocator is filled when it
    /// opens, once per page the run ever holds at once.) A retired id is not brought
    /// back: the caller must not ask for it.
    #[inline]
    pub fn ensure(&mut self, i: usize, fill: T) {
        if self.len <= i {
            self.grow(i, fill);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, i: usize, fill: T) {
        while self.len <= i {
            let end = (((self.len >> PAGE_BITS) + 1) << PAGE_BITS).min((i | (GROW - 1)) + 1);
            let n = end - self.len;
            let (page, k) = self.next_slot(&fill);
            page[k..k + n].fill(fill.clone());
            self.len = end;
        }
    }
}

impl<'a, T> IntoIterator for &'a Window<T> {
    type Item = &'a T;
    type IntoIter = Box<dyn DoubleEndedIterator<Item = &'a T> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl<T> Index<usize> for Window<T> {
    type Output = T;
    #[inline]
    fn index(&self, i: usize) -> &T {
        debug_assert!(i < self.len, "id {i} was never pushed");
        match self.pages.get(i >> PAGE_BITS) {
            Some(Some(page)) => &page[i & (PAGE - 1)],
            _ => self.missing(i),
        }
    }
}

impl<T> IndexMut<usize> for Window<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        debug_assert!(i < self.len, "id {i} was never pushed");
        match self.pages.get_mut(i >> PAGE_BITS) {
            Some(Some(page)) => &mut page[i & (PAGE - 1)],
            _ => panic!("id {i} was retired or never pushed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Retiring ranges a word at a time holds exactly the ids an id-by-id
        /// retirement would, and frees exactly the pages all of whose ids are gone.
        #[test]
        fn retiring_ranges_matches_retiring_ids(
            n in 1usize..3 * PAGE,
            ranges in proptest::collection::vec((0usize..3 * PAGE, 0usize..300), 0..40),
        ) {
            let mut w = Window::new();
            for k in 0..n {
                w.push(k);
            }
            let mut dead = vec![false; n];
            for (from, len) in ranges {
                let (from, to) = (from.min(n), (from + len).min(n));
                w.retire(from, to);
                dead[from..to].iter_mut().for_each(|d| *d = true);
            }
            for (k, &d) in dead.iter().enumerate() {
                prop_assert_eq!(w.held(k), !d, "id {}", k);
            }
            for (p, (page, marks)) in w.pages.iter().zip(&w.marks).enumerate() {
                let ids = p * PAGE..((p + 1) * PAGE).min(n);
                let all = ids.len() == PAGE && dead[ids.clone()].iter().all(|&d| d);
                prop_assert_eq!(page.is_none(), all, "page {}", p);
                prop_assert_eq!(marks.is_none(), all, "page {}", p);
                if let Some(marks) = marks {
                    prop_assert_eq!(marks.retired, dead[ids].iter().filter(|&&d| d).count());
                }
            }
        }
    }

    /// A range read page by page gives what reading id by id gives, across pages
    /// and for empty ranges.
    #[test]
    fn a_range_reads_what_ids_read() {
        let mut w = Window::new();
        for k in 0..3 * PAGE + 7 {
            w.push(k);
        }
        w.retire(0, PAGE);
        for (from, to) in [
            (PAGE, 3 * PAGE + 7),
            (PAGE + 5, PAGE + 6),
            (2 * PAGE - 1, 2 * PAGE + 1),
            (3 * PAGE, 3 * PAGE + 7),
            (9, 9),
        ] {
            let ids: Vec<usize> = (from..to).map(|i| w[i]).collect();
            assert_eq!(w.range(from, to).copied().collect::<Vec<_>>(), ids);
        }
    }

    /// Growing fills the rest of the run of [`GROW`] ids of the id asked for,
    /// and every id before it across pages: what pushing one id at a time gives.
    #[test]
    fn growing_across_pages_fills_every_id_to_the_end_of_its_run() {
        let mut grown = Window::new();
        grown.push(7);
        grown.ensure(5, 1);
        assert_eq!(grown.len(), GROW);
        grown.ensure(GROW, 1);
        assert_eq!(grown.len(), 2 * GROW);
        grown.ensure(PAGE - 2, 1);
        assert_eq!(grown.len(), PAGE);
        grown.ensure(2 * PAGE + 5, 2);
        grown.ensure(3, 9);
        let mut pushed = Window::new();
        pushed.push(7);
        (1..PAGE).for_each(|_| pushed.push(1));
        (PAGE..2 * PAGE + GROW).for_each(|_| pushed.push(2));
        assert_eq!(grown.len(), 2 * PAGE + GROW);
        assert_eq!(grown, pushed);
        let lens: Vec<usize> = (0..grown.pages.len()).map(|p| grown.page_len(p)).collect();
        assert_eq!(lens, [PAGE, PAGE, GROW]);
    }

    #[test]
    fn ids_stay_global_and_retired_pages_are_freed() {
        let mut w = Window::new();
        let n = 3 * PAGE + 10;
        for k in 0..n {
            w.push(k);
        }
        // The second page, then part of the first, out of order.
        w.retire(PAGE, 2 * PAGE);
        w.retire(5, 8);
        assert_eq!(w.len(), n);
        assert!(w.pages[1].is_none());
        assert_eq!(
            (w.get(4), w.get(5), w.get(PAGE + 1)),
            (Some(&4), None, None)
        );
        assert_eq!(w[2 * PAGE], 2 * PAGE);
        let ids: Vec<usize> = w.iter_ids().map(|(i, _)| i).collect();
        assert_eq!(ids.len(), n - PAGE - 3);
        assert!(ids.windows(2).all(|p| p[0] < p[1]));
        assert!(!ids.contains(&6) && ids.contains(&8));
        // A partial last page stays until every id of it was pushed and retired.
        w.retire(3 * PAGE, n);
        assert!(w.pages[3].is_some());
        w.ensure(n + 2, 0);
        assert_eq!((w.len(), w[n + 2]), (3 * PAGE + GROW, 0));
        w.retire(0, PAGE);
        assert!(w.pages[0].is_none());
        assert_eq!(w.iter().next(), Some(&(2 * PAGE)));
        let mut t = Window::with_tomb(usize::MAX);
        for k in 0..PAGE {
            t.push(k);
        }
        t.retire(0, PAGE);
        assert_eq!((t[3], t.get(3)), (usize::MAX, None));
    }
}
