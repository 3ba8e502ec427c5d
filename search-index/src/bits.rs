//! Document sets of one segment: a plain bitset and the cached set of a filter term (a bitset
//! when dense, a sorted list when sparse).

/// A fixed-size bitset over the documents of a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bits {
    words: Vec<u64>,
}

impl Bits {
    pub(crate) fn new(max_doc: u32) -> Self {
        Self {
            words: vec![0; (max_doc as usize).div_ceil(64)],
        }
    }

    /// An empty set over `max_doc` documents in a reused buffer.
    pub(crate) fn from_buffer(mut words: Vec<u64>, max_doc: u32) -> Self {
        words.clear();
        words.resize((max_doc as usize).div_ceil(64), 0);
        Self { words }
    }

    /// Gives the buffer back for reuse.
    pub(crate) fn into_buffer(self) -> Vec<u64> {
        self.words
    }

    #[inline]
    pub(crate) fn insert(&mut self, doc: u32) {
        self.words[(doc >> 6) as usize] |= 1 << (doc & 63);
    }

    #[inline]
    pub(crate) fn contains(&self, doc: u32) -> bool {
        self.words
            .get((doc >> 6) as usize)
            .is_some_and(|w| w & (1 << (doc & 63)) != 0)
    }

    /// Number of documents in the set.
    pub(crate) fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Adds every document of `set`.
    pub(crate) fn union_with(&mut self, set: &DocList) {
        match set {
            DocList::Bits(bits) => {
                for (w, o) in self.words.iter_mut().zip(&bits.words) {
                    *w |= o;
                }
            }
            DocList::List(docs) => docs.iter().for_each(|&d| self.insert(d)),
        }
    }

    /// Keeps only the documents also in `set`.
    pub(crate) fn intersect_with(&mut self, set: &DocList) {
        match set {
            DocList::Bits(bits) => {
                for (w, o) in self.words.iter_mut().zip(&bits.words) {
                    *w &= o;
                }
            }
            DocList::List(docs) => {
                let mut kept = Bits {
                    words: vec![0; self.words.len()],
                };
                for &d in docs.iter() {
                    if self.contains(d) {
                        kept.insert(d);
                    }
                }
                *self = kept;
            }
        }
    }

    /// Documents in ascending order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &word)| {
            let mut w = word;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros();
                w &= w - 1;
                Some((i as u32) << 6 | bit)
            })
        })
    }
}

/// The documents of one filter term in one segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DocList {
    /// Dense: more than one document in 32.
    Bits(Bits),
    /// Sparse: sorted document ids.
    List(Vec<u32>),
}

impl DocList {
    pub(crate) fn from_sorted(docs: Vec<u32>, max_doc: u32) -> Self {
        if docs.len() * 32 > max_doc as usize {
            let mut bits = Bits::new(max_doc);
            docs.iter().for_each(|&d| bits.insert(d));
            DocList::Bits(bits)
        } else {
            DocList::List(docs)
        }
    }

    /// Heap bytes held.
    pub(crate) fn bytes(&self) -> usize {
        match self {
            DocList::Bits(bits) => bits.words.len() * 8,
            DocList::List(docs) => docs.len() * 4,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            DocList::Bits(bits) => bits.words.iter().all(|&w| w == 0),
            DocList::List(docs) => docs.is_empty(),
        }
    }

    #[inline]
    pub(crate) fn contains(&self, doc: u32) -> bool {
        match self {
            DocList::Bits(bits) => bits.contains(doc),
            DocList::List(docs) => docs.binary_search(&doc).is_ok(),
        }
    }

    /// Calls `f` for every document of `self` that is also in `other`, in ascending order.
    pub(crate) fn for_each_in(&self, other: &Bits, mut f: impl FnMut(u32)) {
        match self {
            DocList::Bits(bits) => {
                for (i, (&a, &b)) in bits.words.iter().zip(&other.words).enumerate() {
                    let mut w = a & b;
                    while w != 0 {
                        let bit = w.trailing_zeros();
                        w &= w - 1;
                        f((i as u32) << 6 | bit);
                    }
                }
            }
            DocList::List(docs) => docs
                .iter()
                .filter(|&&d| other.contains(d))
                .for_each(|&d| f(d)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_sets_agree() {
        let max_doc = 1000;
        let docs: Vec<u32> = (0..max_doc).filter(|d| d % 3 == 0).collect();
        let dense = DocList::from_sorted(docs.clone(), max_doc);
        assert!(matches!(dense, DocList::Bits(_)));
        let sparse = DocList::from_sorted(vec![3, 4, 999], max_doc);
        assert!(matches!(sparse, DocList::List(_)));

        let mut mask = Bits::new(max_doc);
        mask.union_with(&sparse);
        assert_eq!(mask.iter().collect::<Vec<_>>(), vec![3, 4, 999]);
        assert_eq!(mask.count(), 3);
        let mut hits = Vec::new();
        dense.for_each_in(&mask, |d| hits.push(d));
        assert_eq!(hits, vec![3, 999]);
        mask.intersect_with(&dense);
        assert_eq!(mask.iter().collect::<Vec<_>>(), vec![3, 999]);
        assert!(dense.contains(999) && !dense.contains(998));
        assert!(sparse.contains(4) && !sparse.contains(5));
        assert!(DocList::from_sorted(vec![], max_doc).is_empty());
        assert!(!sparse.is_empty());
    }
}
