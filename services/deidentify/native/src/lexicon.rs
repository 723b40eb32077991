//! The word lists, merged into one table: one lookup tells everything the lists say about a word.
//!
//! The lists are loaded in Python (`pso_deidentify.lexicons`, which says where each comes from)
//! and handed over once, when the scrubber is built.

use rustc_hash::FxHashMap;

/// What the lists say about one lower-case word or phrase.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Entry(u8);

impl Entry {
    pub const GIVEN_NAME: Self = Self(1);
    pub const SURNAME: Self = Self(1 << 1);
    pub const PLACE: Self = Self(1 << 2);
    pub const COMMON_WORD: Self = Self(1 << 3);
    /// Drugs (generic and brand), eponyms, scales, devices, procedures: never a name by list alone.
    pub const CLINICAL: Self = Self(1 << 4);
    /// Among the most frequent given names or surnames: "Will", "Price", "Hope" (not "Fall", "Code").
    pub const FREQUENT_NAME: Self = Self(1 << 5);
    pub const STATE_NAME: Self = Self(1 << 6);
    pub const STATE_CODE: Self = Self(1 << 7);

    fn has(self, flag: Self) -> bool {
        self.0 & flag.0 != 0
    }

    pub fn is_name(self) -> bool {
        self.has(Self::GIVEN_NAME) || self.has(Self::SURNAME)
    }
    pub fn is_given_name(self) -> bool {
        self.has(Self::GIVEN_NAME)
    }
    pub fn is_surname(self) -> bool {
        self.has(Self::SURNAME)
    }
    pub fn is_place(self) -> bool {
        self.has(Self::PLACE)
    }
    pub fn is_common(self) -> bool {
        self.has(Self::COMMON_WORD)
    }
    pub fn is_clinical(self) -> bool {
        self.has(Self::CLINICAL)
    }
    pub fn is_frequent_name(self) -> bool {
        self.has(Self::FREQUENT_NAME)
    }
    pub fn is_state(self) -> bool {
        self.has(Self::STATE_NAME) || self.has(Self::STATE_CODE)
    }
}

#[derive(Default)]
pub(crate) struct Lexicon {
    entries: FxHashMap<Box<str>, Entry>,
}

impl Lexicon {
    /// Record that every word of `words` is on the list `flag`.
    pub fn add<'w>(&mut self, flag: Entry, words: impl IntoIterator<Item = &'w str>) {
        for word in words {
            let entry = self.entries.entry(word.into()).or_default();
            entry.0 |= flag.0;
        }
    }

    /// What the lists say about `word` (lower case); nothing for a word on none of them.
    pub fn get(&self, word: &str) -> Entry {
        self.entries.get(word).copied().unwrap_or_default()
    }
}
