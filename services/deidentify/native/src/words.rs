//! The narrative's words with what the lexicons say about them: one tokenisation for layers 1, 3
//! and 4.

use crate::lexicon::{Entry, Lexicon};
use crate::pychars;
use crate::spans::Span;

pub(crate) struct Word<'t> {
    pub start: usize,
    pub end: usize,
    pub text: &'t str,
    /// Lower case, without a possessive `'s` (and the curly apostrophe made straight): ASCII.
    pub norm: &'t str,
    /// What the word lists say about `norm`.
    pub entry: Entry,
    /// `len(text)` in code points: the curly apostrophe takes three bytes.
    pub chars: usize,
    pub capitalised: bool,
    pub all_caps: bool,
    pub sentence_start: bool,
    /// Only spaces, or the full stop of an initial or a title ("H. Jensen", "Dr. Price"), since the
    /// previous word: the two may be parts of one name.
    pub joined: bool,
    pub after_comma: bool,
}

const SENTENCE_END: &[u8] = b".!?:;\n\r\"(";
const ABBREVIATED: &[&str] = &[
    "dr", "mr", "mrs", "ms", "mx", "st", "sr", "jr", "rev", "prof", "capt", "lt", "sgt",
];
/// Python took the gap before the first word as `text[-10:start]` (its "previous end" started at
/// -10): a slice from ten code points before the end of the text, empty unless the text is short.
const FIRST_GAP_FROM_END: usize = 10;

/// The words: a letter, then letters, apostrophes and hyphens up to the last letter. Their
/// normal forms are written to `norms` (one buffer rather than an allocation per word).
pub(crate) fn words_of<'t>(
    text: &'t str,
    norms: &'t mut String,
    lexicon: &Lexicon,
) -> Vec<Word<'t>> {
    let bytes = text.as_bytes();
    let mut tokens: Vec<(usize, usize, usize)> = Vec::with_capacity(text.len() / 4);
    norms.clear();
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(u8::is_ascii_alphabetic) {
        let start = at + offset;
        let end = token_end(text, start);
        push_norm(&text[start..end], norms);
        tokens.push((start, end, norms.len()));
        at = end;
    }
    let norms: &'t str = norms;
    let mut words: Vec<Word<'t>> = Vec::with_capacity(tokens.len());
    let mut norm_start = 0;
    for (index, &(start, end, norm_end)) in tokens.iter().enumerate() {
        let token = &text[start..end];
        let norm = &norms[norm_start..norm_end];
        norm_start = norm_end;
        let previous = index.checked_sub(1).map(|i| &words[i]);
        let gap = previous.map_or_else(|| first_gap(text, start), |p| &text[p.end..start]);
        words.push(Word {
            start,
            end,
            text: token,
            norm,
            entry: lexicon.get(norm),
            chars: pychars::char_len(token),
            capitalised: bytes[start].is_ascii_uppercase(),
            all_caps: end - start > 1 && !token.bytes().any(|b| b.is_ascii_lowercase()),
            sentence_start: sentence_start(bytes, start),
            joined: joined(gap, previous.map_or("", |p| p.text)),
            after_comma: pychars::strip(gap) == ",",
        });
    }
    words
}

/// Where the word that starts at `start` ends: after the last letter of its run of letters,
/// apostrophes and hyphens (Python's `[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]`).
fn token_end(text: &str, start: usize) -> usize {
    let mut end = start + 1;
    for (offset, c) in text[start + 1..].char_indices() {
        if c.is_ascii_alphabetic() {
            end = start + 1 + offset + 1;
        } else if !matches!(c, '\'' | '’' | '-') {
            break;
        }
    }
    end
}

/// Append the token's normal form: lower case, the curly apostrophe made straight, without `'s`.
fn push_norm(token: &str, norms: &mut String) {
    let from = norms.len();
    for c in token.chars() {
        norms.push(if c == '’' {
            '\''
        } else {
            c.to_ascii_lowercase()
        });
    }
    if norms[from..].ends_with("'s") {
        norms.truncate(norms.len() - 2);
    }
}

fn first_gap(text: &str, start: usize) -> &str {
    let total = pychars::char_len(text);
    if total <= FIRST_GAP_FROM_END {
        return &text[..start];
    }
    let from = text
        .char_indices()
        .nth(total - FIRST_GAP_FROM_END)
        .map_or(text.len(), |(i, _)| i);
    if from < start { &text[from..start] } else { "" }
}

fn sentence_start(bytes: &[u8], start: usize) -> bool {
    let before = bytes[..start]
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'));
    before.is_none_or(|i| SENTENCE_END.contains(&bytes[i]))
}

fn joined(gap: &str, previous: &str) -> bool {
    let mut chars = gap.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if pychars::is_space(first) && chars.clone().all(pychars::is_space) {
        return pychars::char_len(gap) <= 2;
    }
    let rest = chars.as_str();
    first == '.'
        && !rest.is_empty()
        && rest.chars().all(pychars::is_space)
        && pychars::char_len(gap) <= 3
        && (previous.len() == 1 || ABBREVIATED.contains(&previous.to_ascii_lowercase().as_str()))
}

/// The words that lie inside one of `spans`: one sweep over both, in order of position.
pub(crate) fn words_within<'w, 't>(words: &'w [Word<'t>], spans: &[Span<'_>]) -> Vec<&'w Word<'t>> {
    let mut ordered: Vec<(usize, usize)> = spans.iter().map(|s| (s.start, s.end)).collect();
    ordered.sort_unstable();
    let mut inside = Vec::new();
    let mut reach: Option<usize> = None;
    let mut k = 0;
    for word in words {
        while k < ordered.len() && ordered[k].0 <= word.start {
            reach = Some(reach.map_or(ordered[k].1, |r| r.max(ordered[k].1)));
            k += 1;
        }
        if reach.is_some_and(|r| r >= word.end) {
            inside.push(word);
        }
    }
    inside
}
