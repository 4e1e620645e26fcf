//! A labelled form input bound to a signal, with the server's message for that field below it.

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
