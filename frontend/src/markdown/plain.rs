//! A formatted body as one line of plain text, for the places that have room for no formatting
//! (the conversation list, reply quotes, the pinned bar): the text the reader would see, with
//! the markers (`**`, `_`, `` ` ``, `>`, list bullets, link syntax) gone and blocks run together.

use super::tree::{Block, Inline, parse};

/// `body` as plain text on one line.
pub fn plain(body: &str) -> String {
    let mut out = String::new();
    blocks(&parse(body), &mut out);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
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
}
