//! The config list's switch: on/off for one config, saved at once.

use crate::api::configs::SetConfigActive;
use crate::components::{ErrorBox, Switch};
use crate::domain::ConfigId;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The switch's words, in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchWords {
    /// For assistive technology: "Switch on/off <name>".
    pub label: String,
    pub on: String,
    pub off: String,
    pub saving: String,
}

/// Config `id`'s on/off switch. It moves at once (put back if the server refuses); the words
/// say "saving" until the server has it, so what they say is what a reload shows. `disabled`
/// for those who may not change it.
#[island(lazy)]
pub fn ActiveSwitch(id: ConfigId, on: bool, disabled: bool, words: SwitchWords) -> impl IntoView {
    let toggle = ServerAction::<SetConfigActive>::new();
    let active = RwSignal::new(on);
    let last_saved = RwSignal::new(on);
    Effect::new(move |_| match toggle.value().get() {
        Some(Ok(v)) => {
            last_saved.set(v.fields.is_active);
            active.set(v.fields.is_active);
        }
        Some(Err(_)) => active.set(last_saved.get_untracked()),
        None => {}
    });
    let words = StoredValue::new(words);
    view! {
        <Switch checked=active label=words.with_value(|w| w.label.clone()) compact=true
            disabled=Signal::stored(disabled)
            on_toggle=move |on| {
                active.set(on);
                toggle.dispatch(SetConfigActive { id, active: on });
            }/>
        <span class="switch-state" data-testid="active-state">{move || words.with_value(|w| {
            if toggle.pending().get() {
                w.saving.clone()
            } else if active.get() {
                w.on.clone()
            } else {
                w.off.clone()
            }
        })}</span>
        {move || toggle.value().get().and_then(Result::err).map(|err| view! { <ErrorBox err/> })}
    }
}
