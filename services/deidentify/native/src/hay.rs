//! The haystacks the regular expressions run on, and the way back to the narrative's offsets.
//!
//! Two rewritings keep the regular expressions' answers Python's, and fast:
//!
//! - How the patterns see a character depends only on its class: ASCII letters, digits and
//!   punctuation are each a class of their own; any other letter or number is a word character no
//!   pattern names; whitespace other than the ASCII characters the patterns name (space, tab,
//!   newline) is just whitespace; anything else is punctuation no pattern names; and "’", "–", "—"
//!   are named by some patterns. Python's `re` and `regex` disagree about the class of some
//!   characters (see `pychars`), so each character is replaced by a stand-in of its class that both
//!   class alike. Where one can, the stand-in is ASCII ("_", a vertical tab, `\x01`; a backquote and braces, which no
//!   pattern names, for the three punctuation marks), so that the patterns run with ASCII classes
//!   (see `scan`), which is many times faster. Decimal digits of other scripts, and on the narrative
//!   itself the letters `(?i)` relates to ASCII ones ("İ", "ı", "ſ", the Kelvin sign), need Unicode
//!   classes; their haystacks keep every letter and digit, and put "ª" for other numbers, "¤" for
//!   other symbols.
//! - The patterns marked "lower case" run on the narrative's lower case, as in Python, which ran
//!   them on `text.lower()`, or, when the lower case has another number of code points ("İ"
//!   becomes two), with `re.IGNORECASE` on the text itself. Here both become one haystack whose
//!   code points stand one for one with the narrative's.
//!
//! A stand-in may take another number of bytes, so a haystack keeps a table from its byte offsets
//! to the narrative's; narratives in plain ASCII need neither copy nor table.

use std::borrow::Cow;

use crate::pychars;

pub(crate) struct Hay<'t> {
    pub text: Cow<'t, str>,
    /// The narrative's byte offset for each of the haystack's character boundaries; `None` when the
    /// two have the same offsets.
    back: Option<Vec<usize>>,
}

impl<'t> Hay<'t> {
    /// The narrative itself, with stand-ins.
    pub fn plain(text: &'t str) -> Self {
        if !text.bytes().any(needs_stand_in) {
            return Self {
                text: Cow::Borrowed(text),
                back: None,
            };
        }
        Self::stood_in(text, text.chars(), true)
    }

    /// The lower case the "lower case" patterns run on. `lowered` is `str.lower()` of `text`.
    pub fn folded(text: &str, lowered: &'t str) -> Self {
        if lowered.len() == text.len() && !lowered.bytes().any(needs_stand_in) {
            // no character outside ASCII in the narrative either: none lowers to ASCII but the
            // Kelvin sign, which takes three bytes
            return Self {
                text: Cow::Borrowed(lowered),
                back: None,
            };
        }
        if lowered.chars().count() == text.chars().count() {
            Self::stood_in(text, lowered.chars(), false)
        } else {
            Self::stood_in(text, text.chars().map(pychars::ignorecase_fold), false)
        }
    }

    /// The haystack of `chars` (one for each of `text`'s) with ASCII stand-ins, or if one of them has
    /// none, with Unicode ones. `cased`: whether `(?i)` patterns will run on it.
    fn stood_in(text: &str, chars: impl Iterator<Item = char> + Clone, cased: bool) -> Self {
        match chars
            .clone()
            .map(|c| ascii_stand_in(c, cased))
            .collect::<Option<String>>()
        {
            Some(hay) => Self::aligned(text, hay),
            None => Self::aligned(text, chars.map(unicode_stand_in).collect()),
        }
    }

    /// A haystack of one character for each of `text`'s.
    fn aligned(text: &str, hay: String) -> Self {
        let same_offsets = hay.len() == text.len()
            && hay
                .chars()
                .zip(text.chars())
                .all(|(h, t)| h.len_utf8() == t.len_utf8());
        if same_offsets {
            return Self {
                text: Cow::Owned(hay),
                back: None,
            };
        }
        let mut back = vec![usize::MAX; hay.len() + 1];
        let mut hay_offset = 0;
        for ((text_offset, _), h) in text.char_indices().zip(hay.chars()) {
            back[hay_offset] = text_offset;
            hay_offset += h.len_utf8();
        }
        back[hay.len()] = text.len();
        Self {
            text: Cow::Owned(hay),
            back: Some(back),
        }
    }

    /// The narrative's byte offset for the haystack's byte offset `offset` (a character boundary).
    pub fn to_text(&self, offset: usize) -> usize {
        self.back.as_ref().map_or(offset, |back| back[offset])
    }

    /// The part of the narrative `text` that the haystack's `start..end` stands for.
    pub fn in_text<'a>(&self, text: &'a str, (start, end): (usize, usize)) -> &'a str {
        &text[self.to_text(start)..self.to_text(end)]
    }
}

/// The bytes of a narrative that are no stand-ins for themselves.
fn needs_stand_in(b: u8) -> bool {
    !b.is_ascii() || (0x1c..=0x1f).contains(&b) || matches!(b, b'`' | b'{' | b'}')
}

/// An ASCII character of `c`'s class (see above), if there is one. The backquote and braces stand
/// for the three punctuation marks the patterns name, so in the text they become `\x01`.
fn ascii_stand_in(c: char, cased: bool) -> Option<char> {
    match c {
        '\x1c'..='\x1f' => Some('\x0b'),
        '`' | '{' | '}' => Some('\x01'),
        _ if c.is_ascii() => Some(c),
        '’' => Some('`'),
        '–' => Some('{'),
        '—' => Some('}'),
        '\u{130}' | '\u{131}' | '\u{17f}' | '\u{212a}' if cased => None,
        _ if pychars::is_decimal(c) => None,
        _ if pychars::is_alnum(c) => Some('_'),
        _ if c.is_whitespace() => Some('\x0b'),
        _ => Some('\x01'),
    }
}

/// A character of `c`'s class (see above) that both regex dialects class as Python classes `c`.
fn unicode_stand_in(c: char) -> char {
    if c.is_ascii() {
        return if ('\x1c'..='\x1f').contains(&c) {
            '\u{2000}'
        } else {
            c
        };
    }
    if pychars::is_letter(c)
        || pychars::is_decimal(c)
        || c.is_whitespace()
        || matches!(c, '’' | '–' | '—')
    {
        c
    } else if pychars::is_number(c) {
        'ª'
    } else {
        '¤'
    }
}

/// The character before byte offset `offset`.
pub(crate) fn char_before(hay: &str, offset: usize) -> Option<char> {
    hay[..offset].chars().next_back()
}

/// Python's `\w` on a haystack character (where the dialects agree).
pub(crate) fn is_word(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_back_through_stand_ins() {
        let text = "a\u{301}b ²c’{";
        let hay = Hay::plain(text);
        assert_eq!(hay.text, "a\x01b _c`\x01");
        assert_eq!(
            hay.to_text(hay.text.find('c').unwrap()),
            text.find('c').unwrap()
        );
        assert_eq!(Hay::plain("İ ² ٣").text, "İ ª ٣");
        let lowered = pychars::lower("İX ẞ");
        let folded = Hay::folded("İX ẞ", &lowered);
        assert_eq!(folded.text, "ix _");
        assert_eq!((folded.to_text(3), folded.to_text(4)), (4, "İX ẞ".len()));
    }
}
