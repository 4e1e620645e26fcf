//! Draws a formatted message: the tree of [`super::tree`] as Leptos elements, text always as text
//! nodes, never through `inner_html`. Links open in a new tab without handing it this page
//! (`rel="noopener noreferrer"`).

use leptos::prelude::*;

use super::tree::{self, Block, Inline};

/// The formatted body of a message.
#[component]
pub fn Markdown(
    /// The message's text as its writer typed it.
    #[prop(into)]
    source: String,
) -> impl IntoView {
    blocks(tree::parse(&source))
}

fn blocks(blocks: Vec<Block>) -> AnyView {
    blocks.into_iter().map(block).collect_view().into_any()
}

fn block(block: Block) -> AnyView {
    match block {
        Block::Paragraph(content) => view! { <p>{inlines(content)}</p> }.into_any(),
        Block::Code(text) => view! { <pre><code>{text}</code></pre> }.into_any(),
        Block::Quote(content) => view! { <blockquote>{blocks(content)}</blockquote> }.into_any(),
        Block::List { start: None, items } => view! { <ul>{list_items(items)}</ul> }.into_any(),
        Block::List { start: Some(start), items } => {
            view! { <ol start=start.to_string()>{list_items(items)}</ol> }.into_any()
        }
    }
}

fn list_items(items: Vec<Vec<Block>>) -> AnyView {
    items.into_iter().map(|item| view! { <li>{blocks(item)}</li> }).collect_view().into_any()
}

fn inlines(content: Vec<Inline>) -> AnyView {
    content.into_iter().map(inline).collect_view().into_any()
}

fn inline(inline: Inline) -> AnyView {
    match inline {
        Inline::Text(text) => text.into_any(),
        Inline::Code(text) => view! { <code>{text}</code> }.into_any(),
        Inline::LineBreak => view! { <br/> }.into_any(),
        Inline::Strong(content) => view! { <strong>{inlines(content)}</strong> }.into_any(),
        Inline::Emphasis(content) => view! { <em>{inlines(content)}</em> }.into_any(),
        Inline::Strikethrough(content) => view! { <del>{inlines(content)}</del> }.into_any(),
        Inline::Link { href, children } => view! {
            <a href=href rel="noopener noreferrer" target="_blank">{inlines(children)}</a>
        }
        .into_any(),
    }
}
