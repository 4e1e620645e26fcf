//! A formatted body as one line of plain text, for the places that have room for no formatting
//! (the conversation list, reply quotes, the pinned bar): the text the reader would see, with
//! the markers (`**`, `_`, `` ` ``, `>`, list bullets, link syntax) gone and blocks run together.

use super::tree::{Block, Inline, parse};

/// `body` as plain text on one line.
pub fn plain(body: &str) -> String {
    if has_no_markup(body) {
        // What the parser would give back (a body without formatting is one paragraph of its
        // own text), without running it: most messages are plain sentences, and the parser is
        // the largest code the conversation list would otherwise compile when the app starts
        // (20 ms of its first row at 4x CPU slowdown).
        return one_line(body);
    }
    let mut out = String::new();
    blocks(&parse(body), &mut out);
    one_line(&out)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether Markdown certainly reads nothing in `body` as formatting: no character that opens a
/// span, a link, HTML, an escape or an entity (nor a control character, which the parser
/// replaces), and no line that could open a block (each starts with a letter or any other
/// character outside ASCII). Conservative: a body it refuses may still be plain.
fn has_no_markup(body: &str) -> bool {
    const OPENERS: [char; 10] = ['*', '_', '~', '`', '[', ']', '<', '>', '&', '\\'];
    let characters_inert =
        body.chars().all(|c| !OPENERS.contains(&c) && (!c.is_control() || matches!(c, '\n' | '\r' | '\t')));
    characters_inert
        && body.split(['\n', '\r']).all(|line| {
            line.trim_start()
                .chars()
                .next()
                .is_none_or(|first| !first.is_ascii_punctuation() && !first.is_ascii_digit())
        })
}

fn blocks(blocks: &[Block], out: &mut String) {
    for block in blocks {
        match block {
            Block::Paragraph(spans) => inlines(spans, out),
            Block::Code(code) => out.push_str(code),
            Block::Quote(inner) => self::blocks(inner, out),
            Block::List { items, .. } => {
                for item in items {
                    self::blocks(item, out);
                    out.push(' ');
                }
            }
        }
        out.push(' ');
    }
}

fn inlines(spans: &[Inline], out: &mut String) {
    for span in spans {
        match span {
            Inline::Text(text) | Inline::Code(text) => out.push_str(text),
            Inline::LineBreak => out.push(' '),
            Inline::Strong(inner) | Inline::Emphasis(inner) | Inline::Strikethrough(inner) => inlines(inner, out),
            Inline::Link { children, .. } => inlines(children, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_markers_go_and_the_text_stays() {
        assert_eq!(plain("**shipping**: we ship _worldwide_"), "shipping: we ship worldwide");
        assert_eq!(plain("> quoted\n\n- one\n- two `code`"), "quoted one two code");
        assert_eq!(plain("see [the docs](https://example.com) now"), "see the docs now");
        assert_eq!(plain("plain text, *not closed"), "plain text, *not closed");
        assert_eq!(plain("~~old~~ new\nline"), "old new line");
    }

    /// `plain` without the shortcut.
    fn parsed(body: &str) -> String {
        let mut out = String::new();
        blocks(&parse(body), &mut out);
        one_line(&out)
    }

    #[test]
    fn the_shortcut_takes_plain_sentences_and_leaves_markup_to_the_parser() {
        for plain_body in
            ["message 0 from noa", "Grüße aus Köln 👋", "see https://example.com/a?b=c, ok?", " two\n lines "]
        {
            assert!(has_no_markup(plain_body), "{plain_body:?}");
        }
        for marked in
            ["**bold**", "1. first", "- item", "> quote", "a &amp; b", "a\\*b", "x\r- item", "<b>hi</b>", "nul\0"]
        {
            assert!(!has_no_markup(marked), "{marked:?}");
        }
    }

    #[test]
    fn the_shortcut_gives_what_the_parser_gives() {
        // Pseudo-random bodies from an alphabet of letters, digits, spaces, line breaks,
        // punctuation and non-ASCII: every one the shortcut takes must read as the parser has it.
        let alphabet: Vec<char> = "ab Z09 \n\r\t.,;:!?'\"()/%@$#=+-|{}^*_~`[]<>&\\é😀\u{a0}\u{0}".chars().collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut taken = 0;
        for _ in 0..20_000 {
            let mut body = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for i in 0..(seed % 24) {
                let pick = seed.rotate_left(i as u32 * 5) ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d);
                body.push(alphabet[(pick % alphabet.len() as u64) as usize]);
            }
            if has_no_markup(&body) {
                taken += 1;
                assert_eq!(one_line(&body), parsed(&body), "{body:?}");
            }
        }
        assert!(taken > 1_000, "only {taken} bodies took the shortcut");
    }
}
