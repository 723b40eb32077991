//! Characters and strings as Python's `str` methods and `re` module see them.
//!
//! The scrubber was first written in Python, and its output is the specification: where Rust's
//! standard library or the `regex` crates disagree with Python about a character, this module
//! sides with Python. Python's `\w` is `str.isalnum()` (any letter or number) or `_`, while the
//! `regex` crates' `\w` also takes combining marks and connector punctuation and leaves out numbers
//! such as "²" and "½"; Python's `\s` and `str.isspace()` take the ASCII information separators
//! (`\x1c` to `\x1f`), Unicode's `White_Space` does not. The general categories come from the
//! `regex-syntax` tables, so these tests and the regular expressions agree on every character
//! (Unicode 16 there, 14 in Python 3.11: characters assigned since may still differ).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex_syntax::hir::{Class, HirKind};

/// The ranges of one Unicode property, searched by bisection.
struct Ranges(Vec<(char, char)>);

impl Ranges {
    fn of(property: &str) -> Self {
        let hir = regex_syntax::Parser::new()
            .parse(property)
            .expect("a Unicode class");
        match hir.kind() {
            HirKind::Class(Class::Unicode(class)) => Self(
                class
                    .ranges()
                    .iter()
                    .map(|r| (r.start(), r.end()))
                    .collect(),
            ),
            _ => unreachable!("{property} is not a Unicode class"),
        }
    }

    fn contains(&self, c: char) -> bool {
        self.0
            .binary_search_by(|&(start, end)| {
                if end < c {
                    std::cmp::Ordering::Less
                } else if start > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }
}

static LETTERS: LazyLock<Ranges> = LazyLock::new(|| Ranges::of(r"\p{L}"));
static NUMBERS: LazyLock<Ranges> = LazyLock::new(|| Ranges::of(r"\p{N}"));
static DECIMALS: LazyLock<Ranges> = LazyLock::new(|| Ranges::of(r"\p{Nd}"));

/// Build the lookup tables now rather than inside the first scrub.
pub(crate) fn warm_up() {
    LazyLock::force(&LETTERS);
    LazyLock::force(&NUMBERS);
    LazyLock::force(&DECIMALS);
}

/// `str.isspace()`, and `\s` in Python's `re`.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `str.isalnum()`: a letter or a number of any kind.
pub(crate) fn is_alnum(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        LETTERS.contains(c) || NUMBERS.contains(c)
    }
}

/// `str.isalpha()`.
pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        LETTERS.contains(c)
    }
}

/// `str.isdecimal()`, and `\d` in Python's `re` (and in `regex`).
pub(crate) fn is_decimal(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        DECIMALS.contains(c)
    }
}

/// `str.isnumeric()`.
pub(crate) fn is_number(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        NUMBERS.contains(c)
    }
}

/// `str.strip()`.
pub(crate) fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// `str.split()`: runs of whitespace separate, and no part is empty.
pub(crate) fn split_whitespace(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_space).filter(|part| !part.is_empty())
}

/// `len(s)`: code points, not bytes.
pub(crate) fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// `str.lower()`: the full Unicode mapping ("İ" becomes two code points) with the final sigma
/// rule, as Rust's `to_lowercase` does.
pub(crate) fn lower(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// What `re.IGNORECASE` compares a text character as, for patterns written in lower case: the
/// one-character (simple) lower case, with the two characters Python treats as equal to an ASCII
/// letter although their lower case is not one ("ı" matches `i`, "ſ" matches `s`).
pub(crate) fn ignorecase_fold(c: char) -> char {
    match c {
        '\u{130}' | '\u{131}' => 'i',
        '\u{17f}' => 's',
        _ => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(one), None) => one,
                _ => c,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_classes() {
        assert!(is_alnum('²') && is_alnum('½') && is_alnum('Ⅻ') && !is_alnum('\u{301}'));
        assert!(is_space('\x1c') && is_space('\u{a0}') && !is_space('\u{200b}'));
        assert!(is_decimal('٣') && !is_decimal('²'));
        assert_eq!(lower("İ").chars().count(), 2);
        assert_eq!(lower("ẞ"), "ß");
        assert_eq!(ignorecase_fold('İ'), 'i');
        assert_eq!(ignorecase_fold('\u{212a}'), 'k');
    }
}
