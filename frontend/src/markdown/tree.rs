//! Turns a message body into an owned tree of the formatting subset (paragraphs, quotes, lists,
//! fenced code; bold, italic, strikethrough, code, links), with no Leptos in it so it is tested
//! natively. pulldown-cmark parses; the hand-written part folds its events into the subset,
//! keeps raw HTML as text and bounds the nesting so a hostile body cannot exhaust the stack.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

use super::links::{autolink, is_safe_href};

/// Most containers (quotes, lists and their items, emphasis, links) nested in one another;
/// deeper ones are flattened into their parent. Rendering and dropping the tree recurse, so
/// this bounds the stack whatever the body: `>` a thousand times is one body the server takes.
pub const MAX_DEPTH: usize = 12;

/// A block of a formatted message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// Text; also a heading, a rule, an indented code block or an HTML block, shown as written.
    Paragraph(Vec<Inline>),
    /// A fenced code block's text, verbatim.
    Code(String),
    /// A block quote.
    Quote(Vec<Block>),
    /// A list, numbered from `start` when ordered; each item is a list of blocks.
    List { start: Option<u64>, items: Vec<Vec<Block>> },
}

/// A span of text in a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    /// Text, shown as is (raw HTML included).
    Text(String),
    /// An inline code span, verbatim.
    Code(String),
    /// A line break: chat breaks the line wherever the writer did, soft breaks included.
    LineBreak,
    /// Bold.
    Strong(Vec<Inline>),
    /// Italic.
    Emphasis(Vec<Inline>),
    /// Struck through.
    Strikethrough(Vec<Inline>),
    /// A link; `href` has passed [`is_safe_href`].
    Link { href: String, children: Vec<Inline> },
}

/// The formatted tree of `body`. A body with nothing formatted (headings, rules and indented
/// code are shown as typed, so they count as nothing) comes back as one paragraph of exactly its
/// text, blank lines and indentation kept and bare URLs as links: a plain message looks as it
/// did before formatting existed.
pub fn parse(body: &str) -> Vec<Block> {
    let mut builder = Builder::new(body);
    for (event, range) in Parser::new_ext(body, Options::ENABLE_STRIKETHROUGH).into_offset_iter() {
        builder.event(event, range);
    }
    if builder.plain {
        let mut inlines = Vec::new();
        autolink(body, &mut inlines);
        return vec![Block::Paragraph(inlines)];
    }
    builder.finish()
}

/// An open container.
enum Frame {
    /// The document, a quote or a list item: blocks, and the inlines of a paragraph being read
    /// (a tight list item's text comes without a paragraph around it).
    Blocks { quote: bool, blocks: Vec<Block>, inlines: Vec<Inline> },
    /// A list and its finished items.
    List { start: Option<u64>, items: Vec<Vec<Block>> },
    /// An inline container.
    Span { kind: Span, children: Vec<Inline> },
}

/// The kind of an open inline container.
enum Span {
    Strong,
    Emphasis,
    Strikethrough,
    /// A link to `href`, or `None` for a target that is not allowed (its text stays).
    Link(Option<String>),
    /// An image: its alt text, then its address as text.
    Image(String),
}

/// Appends `inline` to `inlines`, joining text to the text before it.
fn append(inlines: &mut Vec<Inline>, inline: Inline) {
    match (inlines.last_mut(), inline) {
        (Some(Inline::Text(before)), Inline::Text(text)) => before.push_str(&text),
        (_, inline) => inlines.push(inline),
    }
}

/// Folds pulldown-cmark's events into [`Block`]s without recursion.
struct Builder<'a> {
    body: &'a str,
    /// Open containers; the document at the bottom, never popped.
    stack: Vec<Frame>,
    /// One entry per open tag: whether it pushed a frame (past [`MAX_DEPTH`] it does not).
    opened: Vec<bool>,
    /// Text read but not yet placed: consecutive text events are one run for autolinking.
    text: String,
    /// The text of the fenced code block being read.
    code: Option<String>,
    /// Inside a tag shown as its source text: events are ignored until this one ends.
    skip_until: Option<TagEnd>,
    /// Open link frames: text inside a link is not autolinked again.
    links: usize,
    /// Whether the body used no formatting so far.
    plain: bool,
}

impl<'a> Builder<'a> {
    fn new(body: &'a str) -> Self {
        Self {
            body,
            stack: vec![Frame::Blocks { quote: false, blocks: Vec::new(), inlines: Vec::new() }],
            opened: Vec::new(),
            text: String::new(),
            code: None,
            skip_until: None,
            links: 0,
            plain: true,
        }
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        if let Some(end) = &self.skip_until {
            if matches!(&event, Event::End(e) if e == end) {
                self.skip_until = None;
            }
            return;
        }
        if let Some(code) = &mut self.code {
            match event {
                Event::Text(t) => code.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let mut code = self.code.take().unwrap_or_default();
                    if code.ends_with('\n') {
                        code.pop();
                    }
                    self.push_block(Block::Code(code));
                }
                _ => {}
            }
            return;
        }
        self.plain &= self.is_plain(&event, &range);
        match event {
            Event::Text(t) => self.text.push_str(&t),
            // Raw HTML is text: it is shown, never interpreted.
            Event::Html(t) | Event::InlineHtml(t) => self.text.push_str(&t),
            Event::Code(t) => self.push_inline(Inline::Code(t.into_string())),
            Event::SoftBreak | Event::HardBreak => self.push_inline(Inline::LineBreak),
            Event::Rule => self.push_source(range),
            Event::Start(tag) => self.start(tag, range),
            Event::End(end) => self.end(end),
            Event::InlineMath(t) | Event::DisplayMath(t) | Event::FootnoteReference(t) => self.text.push_str(&t),
            Event::TaskListMarker(done) => self.text.push_str(if done { "[x] " } else { "[ ] " }),
        }
    }

    /// Whether `event` is one a body without formatting produces: paragraphs, line breaks, and
    /// text that is its own source (no escapes, no entities).
    fn is_plain(&self, event: &Event<'_>, range: &Range<usize>) -> bool {
        let source = self.body.get(range.clone()).unwrap_or_default();
        match event {
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) | Event::SoftBreak => true,
            // Shown as typed anyway (their content is skipped, not checked).
            Event::Start(Tag::Heading { .. } | Tag::CodeBlock(CodeBlockKind::Indented)) | Event::Rule => true,
            Event::HardBreak => !source.starts_with('\\'),
            Event::Text(t) => t.as_ref() == source,
            _ => false,
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>) {
        let room = self.stack.len() < MAX_DEPTH;
        let frame = match tag {
            Tag::Paragraph => {
                self.end_paragraph();
                None
            }
            Tag::CodeBlock(CodeBlockKind::Fenced(_)) => {
                self.end_paragraph();
                self.code = Some(String::new());
                return;
            }
            // Not in the subset: shown as the writer typed them.
            Tag::Heading { .. } | Tag::CodeBlock(CodeBlockKind::Indented) | Tag::Table(_) | Tag::MetadataBlock(_) => {
                self.skip_until = Some(tag.to_end());
                self.push_source(range);
                return;
            }
            Tag::HtmlBlock => {
                self.end_paragraph();
                None
            }
            Tag::BlockQuote(_) => room.then(|| Frame::Blocks { quote: true, blocks: Vec::new(), inlines: Vec::new() }),
            // A list keeps room for its items, so an item always lands in a list frame.
            Tag::List(start) => (self.stack.len() + 1 < MAX_DEPTH).then_some(Frame::List { start, items: Vec::new() }),
            Tag::Item => matches!(self.stack.last(), Some(Frame::List { .. })).then(|| Frame::Blocks {
                quote: false,
                blocks: Vec::new(),
                inlines: Vec::new(),
            }),
            Tag::Emphasis => room.then_some(Frame::Span { kind: Span::Emphasis, children: Vec::new() }),
            Tag::Strong => room.then_some(Frame::Span { kind: Span::Strong, children: Vec::new() }),
            Tag::Strikethrough => room.then_some(Frame::Span { kind: Span::Strikethrough, children: Vec::new() }),
            Tag::Link { link_type, dest_url, .. } => room.then(|| {
                let href = match link_type {
                    LinkType::Email => format!("mailto:{dest_url}"),
                    _ => dest_url.into_string(),
                };
                Frame::Span { kind: Span::Link(is_safe_href(&href).then_some(href)), children: Vec::new() }
            }),
            Tag::Image { dest_url, .. } => {
                room.then(|| Frame::Span { kind: Span::Image(dest_url.into_string()), children: Vec::new() })
            }
            // Extensions left off: their content flows into the parent.
            _ => None,
        };
        self.flush_text();
        if let Some(frame) = frame {
            if matches!(frame, Frame::Span { kind: Span::Link(Some(_)), .. }) {
                self.links += 1;
            }
            if matches!(frame, Frame::Blocks { .. } | Frame::List { .. }) {
                self.end_paragraph();
            }
            self.stack.push(frame);
            self.opened.push(true);
        } else {
            self.opened.push(false);
        }
    }

    fn end(&mut self, end: TagEnd) {
        let pushed = self.opened.pop().unwrap_or(false);
        if end == TagEnd::HtmlBlock {
            self.text.truncate(self.text.trim_end_matches(['\r', '\n']).len());
        }
        self.flush_text();
        if matches!(end, TagEnd::Paragraph | TagEnd::HtmlBlock) {
            self.end_paragraph();
            return;
        }
        if !pushed || self.stack.len() < 2 {
            return;
        }
        let Some(frame) = self.stack.pop() else { return };
        match frame {
            Frame::Blocks { quote, mut blocks, inlines } => {
                if !inlines.is_empty() {
                    blocks.push(Block::Paragraph(inlines));
                }
                if quote {
                    self.push_block(Block::Quote(blocks));
                } else if let Some(Frame::List { items, .. }) = self.stack.last_mut() {
                    items.push(blocks);
                } else {
                    blocks.into_iter().for_each(|b| self.push_block(b));
                }
            }
            Frame::List { start, items } => self.push_block(Block::List { start, items }),
            Frame::Span { kind, children } => match kind {
                Span::Strong => self.push_inline(Inline::Strong(children)),
                Span::Emphasis => self.push_inline(Inline::Emphasis(children)),
                Span::Strikethrough => self.push_inline(Inline::Strikethrough(children)),
                Span::Link(Some(href)) => {
                    self.links -= 1;
                    self.push_inline(Inline::Link { href, children });
                }
                Span::Link(None) => children.into_iter().for_each(|i| self.push_inline(i)),
                Span::Image(url) => {
                    let alt = !children.is_empty();
                    children.into_iter().for_each(|i| self.push_inline(i));
                    if alt {
                        self.text.push(' ');
                    }
                    self.text.push_str(&url);
                    self.flush_text();
                }
            },
        }
    }

    /// Places the pending text in the innermost container, with bare URLs as links unless it
    /// is inside a link already.
    fn flush_text(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.text);
        let mut inlines = Vec::new();
        if self.links > 0 {
            inlines.push(Inline::Text(text));
        } else {
            autolink(&text, &mut inlines);
        }
        if let Some(target) = self.inline_target() {
            inlines.into_iter().for_each(|inline| append(target, inline));
        }
    }

    fn push_inline(&mut self, inline: Inline) {
        self.flush_text();
        if let Some(target) = self.inline_target() {
            append(target, inline);
        }
    }

    /// Where an inline goes: the innermost span, or the paragraph of the innermost block.
    fn inline_target(&mut self) -> Option<&mut Vec<Inline>> {
        match self.stack.last_mut()? {
            Frame::Blocks { inlines, .. } => Some(inlines),
            Frame::Span { children, .. } => Some(children),
            // A list holds items only; its items always have frames of their own.
            Frame::List { .. } => None,
        }
    }

    /// Closes the paragraph being read in the innermost block, if any.
    fn end_paragraph(&mut self) {
        self.flush_text();
        if let Some(Frame::Blocks { blocks, inlines, .. }) = self.stack.last_mut()
            && !inlines.is_empty()
        {
            blocks.push(Block::Paragraph(std::mem::take(inlines)));
        }
    }

    fn push_block(&mut self, block: Block) {
        self.end_paragraph();
        if let Some(Frame::Blocks { blocks, .. }) = self.stack.last_mut() {
            blocks.push(block);
        }
    }

    /// Adds the source text of `range` as a paragraph: what a tag outside the subset shows.
    fn push_source(&mut self, range: Range<usize>) {
        let source = self.body.get(range).unwrap_or_default().trim_end_matches(['\r', '\n']);
        let mut inlines = Vec::new();
        autolink(source, &mut inlines);
        self.push_block(Block::Paragraph(inlines));
    }

    /// The document's blocks; containers left open (none, for a well-formed event stream) are
    /// closed as their ends would have.
    fn finish(mut self) -> Vec<Block> {
        while self.stack.len() > 1 {
            self.opened.push(true);
            self.end(TagEnd::BlockQuote(None));
        }
        self.end_paragraph();
        match self.stack.pop() {
            Some(Frame::Blocks { blocks, .. }) => blocks,
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.to_owned())
    }

    fn link(href: &str, label: &str) -> Inline {
        Inline::Link { href: href.to_owned(), children: vec![text(label)] }
    }

    /// Every link target in `blocks`.
    fn hrefs(blocks: &[Block]) -> Vec<String> {
        fn inline_hrefs(inlines: &[Inline], out: &mut Vec<String>) {
            for inline in inlines {
                match inline {
                    Inline::Link { href, children } => {
                        out.push(href.clone());
                        inline_hrefs(children, out);
                    }
                    Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strikethrough(c) => inline_hrefs(c, out),
                    Inline::Text(_) | Inline::Code(_) | Inline::LineBreak => {}
                }
            }
        }
        let mut out = Vec::new();
        for block in blocks {
            match block {
                Block::Paragraph(inlines) => inline_hrefs(inlines, &mut out),
                Block::Quote(blocks) => out.extend(hrefs(blocks)),
                Block::List { items, .. } => items.iter().for_each(|item| out.extend(hrefs(item))),
                Block::Code(_) => {}
            }
        }
        out
    }

    /// The text a reader sees, without the formatting.
    fn shown(blocks: &[Block]) -> String {
        fn inline_text(inlines: &[Inline], out: &mut String) {
            for inline in inlines {
                match inline {
                    Inline::Text(t) | Inline::Code(t) => out.push_str(t),
                    Inline::LineBreak => out.push('\n'),
                    Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strikethrough(c) => inline_text(c, out),
                    Inline::Link { children, .. } => inline_text(children, out),
                }
            }
        }
        let mut out = String::new();
        for block in blocks {
            match block {
                Block::Paragraph(inlines) => inline_text(inlines, &mut out),
                Block::Code(t) => out.push_str(t),
                Block::Quote(blocks) => out.push_str(&shown(blocks)),
                Block::List { items, .. } => items.iter().for_each(|item| out.push_str(&shown(item))),
            }
            out.push('\n');
        }
        out
    }

    /// How deeply containers nest in `blocks`.
    fn depth(blocks: &[Block]) -> usize {
        fn inline_depth(inlines: &[Inline]) -> usize {
            inlines
                .iter()
                .map(|i| match i {
                    Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strikethrough(c) => 1 + inline_depth(c),
                    Inline::Link { children, .. } => 1 + inline_depth(children),
                    _ => 0,
                })
                .max()
                .unwrap_or(0)
        }
        blocks
            .iter()
            .map(|b| match b {
                Block::Paragraph(inlines) => inline_depth(inlines),
                Block::Code(_) => 0,
                Block::Quote(blocks) => 1 + depth(blocks),
                Block::List { items, .. } => 2 + items.iter().map(|i| depth(i)).max().unwrap_or(0),
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_plain_message_is_one_paragraph_of_exactly_its_text() {
        let body = "  Hello there,\n\n\n    how are you?  \nfine  spaces and 3 < 4 & 5 > 2 \n# not a title\n\n---\n";
        assert_eq!(parse(body), [Block::Paragraph(vec![text(body)])]);
    }

    #[test]
    fn bold_italic_strikethrough_and_code_are_formatted() {
        assert_eq!(
            parse("**bold** _it_ ~~gone~~ `code`"),
            [Block::Paragraph(vec![
                Inline::Strong(vec![text("bold")]),
                text(" "),
                Inline::Emphasis(vec![text("it")]),
                text(" "),
                Inline::Strikethrough(vec![text("gone")]),
                text(" "),
                Inline::Code("code".into()),
            ])]
        );
    }

    #[test]
    fn emphasis_nests() {
        assert_eq!(
            parse("***both** then _em **strong ~~struck~~**_*"),
            [Block::Paragraph(vec![Inline::Emphasis(vec![
                Inline::Strong(vec![text("both")]),
                text(" then "),
                Inline::Emphasis(vec![
                    text("em "),
                    Inline::Strong(vec![text("strong "), Inline::Strikethrough(vec![text("struck")])]),
                ]),
            ])])]
        );
    }

    #[test]
    fn single_newlines_break_lines_once_formatting_is_used() {
        assert_eq!(
            parse("**a**\nb"),
            [Block::Paragraph(vec![Inline::Strong(vec![text("a")]), Inline::LineBreak, text("b")])]
        );
    }

    #[test]
    fn code_keeps_its_content_literally() {
        assert_eq!(
            parse("`**not bold** <b>x</b> https://example.com`"),
            [Block::Paragraph(vec![Inline::Code("**not bold** <b>x</b> https://example.com".into())])]
        );
        assert_eq!(
            parse("```rust\nfn main() {\n    *x = <y>;\n}\n```"),
            [Block::Code("fn main() {\n    *x = <y>;\n}".into())]
        );
    }

    #[test]
    fn raw_html_comes_out_as_text() {
        for body in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "hi <img src=x onerror=alert(1)> there",
            "<iframe src=\"javascript:alert(1)\"></iframe>",
            "<a href=\"javascript:alert(1)\">x</a>",
        ] {
            let blocks = parse(body);
            assert_eq!(shown(&blocks).trim_end(), body, "{body}");
            assert!(hrefs(&blocks).is_empty(), "{body}");
        }
        // Followed by more text, as an HTML block: still the text, line breaks kept.
        let blocks = parse("<div onclick=alert(1)>\n**x**\n</div>");
        assert_eq!(shown(&blocks), "<div onclick=alert(1)>\n**x**\n</div>\n");
    }

    #[test]
    fn links_to_other_schemes_stay_text() {
        for body in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](  javascript:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "<javascript:alert(1)>",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "<data:text/html,<script>alert(1)</script>>",
            "[x](vbscript:msgbox(1))",
            "[x](/relative)",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "![x](javascript:alert(1))",
            "javascript:alert(1) data:text/html,x",
        ] {
            let blocks = parse(body);
            assert!(hrefs(&blocks).is_empty(), "{body}: {blocks:?}");
        }
        assert_eq!(parse("[click me](javascript:alert(1))"), [Block::Paragraph(vec![text("click me")])]);
        assert_eq!(parse("<javascript:alert(1)>"), [Block::Paragraph(vec![text("javascript:alert(1)")])]);
    }

    #[test]
    fn http_https_and_mailto_links_and_autolinks_are_links() {
        assert_eq!(
            parse("[site](https://example.com/a) <http://example.org> <me@example.com> [m](mailto:a@b.c)"),
            [Block::Paragraph(vec![
                link("https://example.com/a", "site"),
                text(" "),
                link("http://example.org", "http://example.org"),
                text(" "),
                link("mailto:me@example.com", "me@example.com"),
                text(" "),
                link("mailto:a@b.c", "m"),
            ])]
        );
        assert_eq!(
            parse("see https://example.com."),
            [Block::Paragraph(vec![text("see "), link("https://example.com", "https://example.com"), text(".")])]
        );
        // A link's text is not linked again inside it.
        assert_eq!(
            parse("[https://a.example](https://b.example)"),
            [Block::Paragraph(vec![link("https://b.example", "https://a.example")])]
        );
    }

    #[test]
    fn quotes_lists_and_blocks_outside_the_subset() {
        assert_eq!(
            parse("> quoted **x**\n\n- one\n- two\n\n3. three\n4. four"),
            [
                Block::Quote(vec![Block::Paragraph(vec![text("quoted "), Inline::Strong(vec![text("x")])])]),
                Block::List {
                    start: None,
                    items: vec![vec![Block::Paragraph(vec![text("one")])], vec![Block::Paragraph(vec![text("two")])]]
                },
                Block::List {
                    start: Some(3),
                    items: vec![
                        vec![Block::Paragraph(vec![text("three")])],
                        vec![Block::Paragraph(vec![text("four")])]
                    ]
                },
            ]
        );
        // Headings, rules, tables and images are shown as typed (an image as text, never loaded).
        assert_eq!(parse("# Title **x**"), [Block::Paragraph(vec![text("# Title **x**")])]);
        assert_eq!(
            parse("**a**\n\n---"),
            [Block::Paragraph(vec![Inline::Strong(vec![text("a")])]), Block::Paragraph(vec![text("---")])]
        );
        assert_eq!(shown(&parse("| a | b |\n|---|---|\n| 1 | 2 |")), "| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert_eq!(
            parse("![a cat](https://example.com/cat.png)"),
            [Block::Paragraph(vec![
                text("a cat "),
                link("https://example.com/cat.png", "https://example.com/cat.png")
            ])]
        );
    }

    #[test]
    fn hostile_nesting_is_flattened_and_fast() {
        let deep_quote = format!("{}x", ">".repeat(1000));
        let stars = format!("{}x{}", "*".repeat(2000), "*".repeat(2000));
        let mixed = "> - *".repeat(800);
        let brackets = format!("{}x{}", "[".repeat(2000), "](https://a.example)".repeat(100));
        let emphasis = format!("{}x{}", "*a _b ~~c ".repeat(400), "~~ d_ e*".repeat(400));
        let lists = (0..1000).map(|i| format!("{}- x\n", "  ".repeat(i))).collect::<String>();
        for body in [deep_quote, stars, mixed, brackets, emphasis, lists] {
            let started = Instant::now();
            let blocks = parse(&body);
            let took = started.elapsed();
            assert!(depth(&blocks) <= MAX_DEPTH, "depth {} for {}...", depth(&blocks), &body[..20]);
            // Generous, for a loaded machine and an unoptimised build: a few ms in practice.
            assert!(took < Duration::from_secs(1), "{took:?} for {}...", &body[..20]);
        }
        assert!(shown(&parse(&format!("{}deep", ">".repeat(1000)))).contains("deep"));
    }
}
