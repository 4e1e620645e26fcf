//! A labelled form input bound to a signal, with the server's message for that field below it.

use leptos::html::Input;
use leptos::prelude::*;

/// One labelled input.
#[component]
pub fn Field(
    /// Visible label.
    #[prop(into)]
    label: String,
    /// Input name, also the field name the server uses in its messages.
    #[prop(into)]
    name: String,
    /// The value.
    value: RwSignal<String>,
    /// Input type (`text`, `password`, …).
    #[prop(into, default = "text".into())]
    kind: String,
    /// The error to show under the input, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// Browser autocomplete hint.
    #[prop(into, default = "off".into())]
    autocomplete: String,
    /// Optional hint shown while there is no error.
    #[prop(into, optional)]
    hint: Option<String>,
    /// Which on-screen keyboard phones show (`numeric` for a code), if not the type's own.
    #[prop(into, optional)]
    inputmode: Option<String>,
    /// Whether the value is a code, not words: no spell check, no capitalisation.
    #[prop(optional)]
    code: bool,
    /// The input element, for a form that moves the focus to it.
    #[prop(optional)]
    node_ref: NodeRef<Input>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                spellcheck=code.then_some("false")
                autocapitalize=code.then_some("off")
                node_ref=node_ref
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=error_id.clone()
            />
            <p class="field-message" id=error_id role="alert">
                {move || error.get().or_else(|| hint.clone())}
            </p>
        </div>
    }
}
