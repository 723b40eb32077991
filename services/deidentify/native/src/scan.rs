//! Python's `re.finditer` on `regex-automata`, and what stands in for lookaround.
//!
//! Both engines give the leftmost match and, among the matches that start there, the one a
//! backtracking engine finds first (alternatives in order, greedy repeats longest first), so one
//! alternation is never split into several expressions. What `regex-automata` lacks is lookaround;
//! the patterns replace it in three ways, each exact:
//!
//! - A lookahead at the very end of an alternative becomes text the match consumes, followed by
//!   nothing: `(?![\w:])` becomes `(?:\z|[^\w:])`. The engine tries the ways to match in the same
//!   order and takes the first whose tail fits, as Python does. An empty group named `end...`
//!   marks where Python's match ends; the next search starts there, as `finditer` does.
//! - A condition on the characters before the match (a lookbehind) or right at its start is
//!   checked by hand where the candidate match starts; when it fails, the search goes on from the
//!   next character, as Python's would.
//! - Where one start can have several candidate matches that a hand check tells apart, the
//!   patterns say why only one of them can pass.

use regex_automata::meta::Regex;
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input, PatternID};

/// A compiled regular expression and the `end...` groups that mark its matches' true ends.
///
/// Each is compiled twice: as written, and with its classes and word boundaries cut down to ASCII
/// for haystacks in plain ASCII (nearly every narrative). On such a haystack the two match alike;
/// the Unicode classes make the lazy DFA's states many times larger and slower to build.
pub(crate) struct Pattern {
    unicode: Compiled,
    ascii: Compiled,
}

struct Compiled {
    re: Regex,
    ends: Vec<usize>,
}

/// One match: its groups, and where Python's match ends.
pub(crate) struct Hit {
    caps: Captures,
    end: usize,
}

impl Compiled {
    fn new(source: &str) -> Self {
        let re = Regex::new(source).unwrap_or_else(|e| panic!("bad pattern {source}: {e}"));
        let ends = re
            .group_info()
            .pattern_names(PatternID::ZERO)
            .enumerate()
            .filter(|(_, name)| name.is_some_and(|n| n.starts_with("end")))
            .map(|(index, _)| index)
            .collect();
        Self { re, ends }
    }

    fn hit(&self, input: &Input<'_>) -> Option<Hit> {
        let mut caps = self.re.create_captures();
        self.re.search_captures(input, &mut caps);
        let whole = caps.get_match()?;
        let end = self
            .ends
            .iter()
            .find_map(|&i| caps.get_group(i))
            .map_or(whole.end(), |marker| marker.start);
        Some(Hit { caps, end })
    }
}

impl Pattern {
    /// Compile `source`; the patterns are constants, so an error is a bug.
    pub fn new(source: &str) -> Self {
        Self {
            unicode: Compiled::new(source),
            ascii: Compiled::new(&ascii_only(source)),
        }
    }

    fn compiled(&self, hay: &str) -> &Compiled {
        if hay.is_ascii() {
            &self.ascii
        } else {
            &self.unicode
        }
    }

    /// The match that starts exactly at `at`, if any.
    pub fn at(&self, hay: &str, at: usize) -> Option<Hit> {
        self.compiled(hay)
            .hit(&Input::new(hay).range(at..).anchored(Anchored::Yes))
    }

    /// Whether any match starts exactly at `at` (whichever way it matches).
    pub fn matches_at(&self, hay: &str, at: usize) -> bool {
        self.compiled(hay)
            .re
            .is_match(Input::new(hay).range(at..).anchored(Anchored::Yes))
    }

    /// Whether the pattern matches anywhere.
    pub fn is_match(&self, hay: &str) -> bool {
        self.compiled(hay).re.is_match(hay)
    }

    /// Every match, as `re.finditer` gives them; `resolve` turns a candidate into Python's match at
    /// the same start, or rejects the start (the search then goes on from the next character).
    pub fn find_iter(&self, hay: &str, mut resolve: impl FnMut(Hit) -> Option<Hit>) -> Vec<Hit> {
        let compiled = self.compiled(hay);
        let mut hits = Vec::new();
        let mut from = 0;
        while from <= hay.len() {
            let Some(candidate) = compiled.hit(&Input::new(hay).range(from..)) else {
                break;
            };
            let start = candidate.start();
            match resolve(candidate) {
                Some(hit) => {
                    debug_assert!(hit.end > start, "no pattern matches the empty string");
                    from = hit.end;
                    hits.push(hit);
                }
                None => from = start + hay[start..].chars().next().map_or(1, char::len_utf8),
            }
        }
        hits
    }

    /// Every match, for patterns whose candidates are all Python's matches.
    pub fn all(&self, hay: &str) -> Vec<Hit> {
        self.find_iter(hay, Some)
    }
}

impl Hit {
    pub fn start(&self) -> usize {
        self.caps.get_match().map_or(0, |m| m.start())
    }

    /// Where Python's match ends (before any text that stands in for a lookahead).
    pub fn end(&self) -> usize {
        self.end
    }

    /// The span of the named group, if it took part in the match.
    pub fn group(&self, name: &str) -> Option<(usize, usize)> {
        self.caps
            .get_group_by_name(name)
            .map(|span| (span.start, span.end))
    }
}

/// `source` with `\w`, `\s`, `\d`, `\D`, `\b` and `\B` restricted to ASCII, and "’", "–", "—"
/// replaced by their stand-ins (see `hay`): the same pattern on a haystack of ASCII stand-ins.
fn ascii_only(source: &str) -> String {
    let mut out = String::with_capacity(source.len() * 2);
    let mut in_class = false;
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(escaped) = chars.next() else { break };
                let (inside, outside) = match escaped {
                    'w' => ("0-9A-Za-z_", "[0-9A-Za-z_]"),
                    's' => (r"\t\n\x0B\x0C\r ", r"[\t\n\x0B\x0C\r ]"),
                    'd' => ("0-9", "[0-9]"),
                    'D' if !in_class => ("", "[^0-9]"),
                    'b' if !in_class => ("", r"(?-u:\b)"),
                    'B' if !in_class => ("", r"(?-u:\B)"),
                    'W' | 'S' | 'D' | 'p' | 'P' => {
                        panic!("no ASCII form for \\{escaped} in {source}")
                    }
                    _ => {
                        out.push('\\');
                        out.push(escaped);
                        continue;
                    }
                };
                out.push_str(if in_class { inside } else { outside });
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` or `^]` right at the start is a literal; none of the patterns has one.
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '’' | '–' | '—' if in_class => out.push(match c {
                '’' => '`',
                '–' => '{',
                _ => '}',
            }),
            '’' | '–' | '—' | '`' => {
                panic!("no ASCII form for {c} outside a class in {source}")
            }
            '{' | '}' if in_class => panic!("braces in a class in {source}: they stand for dashes"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_forms() {
        assert_eq!(
            ascii_only(r"\b[\w.+-]+@\d"),
            r"(?-u:\b)[0-9A-Za-z_.+-]+@[0-9]"
        );
        assert_eq!(ascii_only(r"[^\s<>]\.\D"), r"[^\t\n\x0B\x0C\r <>]\.[^0-9]");
        assert_eq!(ascii_only("[-–—/~][a-z'’-]{2,}"), "[-{}/~][a-z'`-]{2,}");
    }
}
