//! The launch form (the launch page's island): prompt, resolution, aspect
//! ratio, image URLs and local images, one config or several (a batch).

use crate::api::tasks::{LaunchTasks, estimate_price};
use crate::components::budget::OverBudgetChoice;
use crate::components::{ErrorBox, checked_before_hydration, typed_before_hydration};
use crate::domain::*;
use crate::error::AppError;
use crate::i18n::{Localized, Msg, t, use_i18n};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use strum::VariantArray;

/// The price preview: nothing to price yet, being asked, or the answer.
#[derive(Clone)]
enum Estimate {
    Idle,
    Loading,
    Done(Result<BatchEstimate, AppError>),
}

/// An image chosen on this computer, already stored on the server.
#[derive(Clone, Debug, PartialEq)]
struct LocalImage {
    blob: BlobRef,
    preview: String,
}

/// A config the form offers (the active ones, read by the server for the page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigChoice {
    pub id: ConfigId,
    pub name: String,
    pub api_type: ApiType,
}

impl From<ConfigListItem> for ConfigChoice {
    fn from(item: ConfigListItem) -> Self {
        Self {
            id: item.config.id,
            name: item.config.fields.name,
            api_type: item.config.fields.api_type,
        }
    }
}

#[component]
pub fn LaunchForm(
    /// The configs to pick from; `preselect` is picked at first.
    choices: Vec<ConfigChoice>,
    /// Whether the reader is an admin (who may launch past a daily budget).
    admin: bool,
    preselect: Option<ConfigId>,
    /// A task whose test case fills the form ("edit, then run").
    #[prop(optional)]
    again: Option<TaskCase>,
) -> impl IntoView {
    let lang = use_i18n().lang;
    // What was typed or picked before the wasm arrived stays (the first values otherwise).
    let typed =
        |id: &str, first: &str| typed_before_hydration(id).unwrap_or_else(|| first.to_owned());
    let (first_prompt, first_resolution, first_aspect) = again.as_ref().map_or_else(
        || (String::new(), "1k".to_owned(), "auto".to_owned()),
        |t| {
            (
                t.prompt.clone(),
                t.resolution.as_str().to_owned(),
                t.aspect_ratio.as_str().to_owned(),
            )
        },
    );
    let prompt = RwSignal::new(typed("prompt", &first_prompt));
    let resolution = RwSignal::new(typed("resolution", &first_resolution));
    let aspect = RwSignal::new(typed("aspect", &first_aspect));
    let region = RwSignal::new(
        [Region::Domestic, Region::Overseas]
            .into_iter()
            .find(|r| checked_before_hydration(&format!("region-{}", r.as_str())) == Some(true))
            .or(again.as_ref().map(|t| t.region))
            .unwrap_or(Region::Domestic)
            .as_str()
            .to_owned(),
    );
    let given_urls: Vec<String> = again
        .iter()
        .flat_map(|t| {
            t.inputs
                .iter()
                .filter(|i| i.blob.is_none())
                .map(|i| i.url.clone())
        })
        .collect();
    let urls = RwSignal::new(if given_urls.is_empty() {
        vec![typed("image-url-0", "")]
    } else {
        given_urls
    });
    // Until the wasm runs, the form is a plain multipart post to the server (see
    // `server/src/web/launch_form.rs`) that the browser checks by the fields' own rules; then
    // the form checks and sends it itself.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let locals = RwSignal::new(
        again
            .iter()
            .flat_map(|t| t.inputs.iter())
            .filter_map(|i| {
                i.blob.clone().map(|blob| LocalImage {
                    blob,
                    preview: i.url.clone(),
                })
            })
            .collect::<Vec<_>>(),
    );
    // Picked: `preselect`, and what was ticked before the wasm arrived. Known before rendering:
    // a signal changed while the island hydrates makes its parts render anew instead.
    let chosen = RwSignal::new(
        choices
            .iter()
            .map(|c| c.id)
            .filter(|id| {
                preselect == Some(*id)
                    || checked_before_hydration(&format!("cfg-{}", id.0)) == Some(true)
            })
            .collect::<Vec<ConfigId>>(),
    );
    let uploading = RwSignal::new(0usize);
    // Each failed upload with the name of its file (a second failure does not hide the first).
    let upload_errors = RwSignal::new(Vec::<(String, AppError)>::new());
    let local_errors = RwSignal::new(None::<FieldErrors>);
    let launch = ServerAction::<LaunchTasks>::new();
    let errors = Signal::derive(move || {
        local_errors.get().or_else(|| match launch.value().get() {
            Some(Err(AppError::Invalid(f))) => Some(f),
            _ => None,
        })
    });
    let other_error = move || match launch.value().get() {
        Some(Err(e)) if !matches!(e, AppError::Invalid(_)) => Some(e),
        _ => None,
    };
    Effect::new(move |_| {
        if let Some(Ok(r)) = launch.value().get() {
            crate::live::go(&r.page());
        }
    });
    let image_count =
        move || urls.get().iter().filter(|u| !u.trim().is_empty()).count() + locals.get().len();
    let prompt_len = move || prompt.get().chars().count();
    // The price preview of what would be sent, asked again when the configs, the settings or
    // the number of images change (not on every key: the words do not change the price). In
    // the browser only, after hydration (effects do not run before): rendering the page must
    // not call the providers, and the page hydrates against the server's empty preview.
    let estimate = RwSignal::new(Estimate::Idle);
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        let targets: Vec<ConfigId> = chosen.get();
        let spec = TaskSpec {
            prompt: prompt.get_untracked(),
            resolution: resolution.get(),
            aspect_ratio: aspect.get(),
            image_urls: {
                image_count();
                urls.get_untracked()
            },
            local_images: locals.get_untracked().into_iter().map(|l| l.blob).collect(),
            region: region.get(),
        };
        let n = asked.get_value() + 1;
        asked.set_value(n);
        if targets.is_empty() {
            estimate.set(Estimate::Idle);
            return;
        }
        estimate.set(Estimate::Loading);
        leptos::task::spawn_local(async move {
            let answer = estimate_price(targets, spec).await;
            // Only the latest question's answer is shown.
            if asked.get_value() == n {
                estimate.set(Estimate::Done(answer));
            }
        });
    });
    let err_of = move |field: &'static str| {
        move || {
            errors
                .get()
                .and_then(|e| e.get(field))
                .map(|m| m.text(lang.get()))
        }
    };

    // Sends the form; `over_budget`: an admin launches past a daily budget knowingly.
    let send = move |over_budget: bool| {
        let spec = TaskSpec {
            prompt: prompt.get_untracked(),
            resolution: resolution.get_untracked(),
            aspect_ratio: aspect.get_untracked(),
            image_urls: urls.get_untracked(),
            local_images: locals.get_untracked().into_iter().map(|l| l.blob).collect(),
            region: region.get_untracked(),
        };
        let targets: Vec<ConfigId> = chosen.get_untracked();
        let mut errs = spec.validate().err().unwrap_or_default();
        if targets.is_empty() {
            errs.push("configs", Msg::ErrNoConfigsSelected);
        }
        if !errs.is_empty() {
            local_errors.set(Some(errs));
            return;
        }
        local_errors.set(None);
        launch.dispatch(LaunchTasks {
            configs: targets,
            spec,
            over_budget,
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(false);
    };

    let add_files = move |files: Vec<web_sys::File>| {
        upload_errors.set(Vec::new());
        for file in files {
            uploading.update(|n| *n += 1);
            leptos::task::spawn_local(async move {
                let result = send_file(&file).await;
                uploading.update(|n| *n = n.saturating_sub(1));
                match result {
                    Ok((blob, preview)) => {
                        locals.update(|l| {
                            if !l.iter().any(|x| x.blob.name == blob.name) {
                                l.push(LocalImage { blob, preview });
                            }
                        });
                    }
                    Err(e) => upload_errors.update(|l| l.push((file.name(), e))),
                }
            });
        }
    };
    let drag_over = RwSignal::new(false);

    view! {
        <form class="form-stack launch-form" method="post" action="/tasks/launch" enctype="multipart/form-data"
            on:submit=on_submit novalidate=move || hydrated.get()>
            <fieldset class="field" aria-describedby="configs-error">
                <legend class="label">{t(Msg::TaskConfigs)}" *"</legend>
                {if choices.is_empty() {
                    view! { <p class="muted">{t(Msg::ConfigsEmpty)}</p> }.into_any()
                } else {
                    view! {
                        <div class="config-choices">
                            {choices.into_iter().map(|c| {
                                let id = c.id;
                                let box_id = format!("cfg-{}", id.0);
                                let label_for = box_id.clone();
                                view! {
                                    <label class="check" for=label_for>
                                        <input type="checkbox" id=box_id name="config" value=id.0.to_string()
                                            checked=chosen.get_untracked().contains(&id)
                                            prop:checked=move || chosen.get().contains(&id)
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| {
                                                    c.retain(|x| *x != id);
                                                    if on { c.push(id); }
                                                });
                                            }/>
                                        <span>{c.name}" "<span class="tag" title=c.api_type.as_str()>{t(c.api_type.label())}</span></span>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any()
                }}
                {move || err_of("configs")().map(|m| view! { <p class="field-error" id="configs-error" role="alert">{m}</p> })}
            </fieldset>
            <div class="field">
                <label for="prompt">{t(Msg::TaskPrompt)}" *"</label>
                <textarea id="prompt" name="prompt" rows="5" maxlength="20000" required
                    aria-invalid=move || errors.get().and_then(|e| e.get("prompt")).map(|_| "true")
                    aria-describedby="prompt-count prompt-error"
                    prop:value=move || prompt.get()
                    on:input=move |ev| prompt.set(event_target_value(&ev))>
                    // The server's page (and a browser without the wasm) shows it too.
                    {prompt.get_untracked()}
                </textarea>
                <div class="char-count" id="prompt-count" class:over=move || { prompt_len() > PROMPT_MAX } aria-live="polite">
                    {move || format!("{} / {} {}", prompt_len(), PROMPT_MAX, Msg::TaskChars.text(lang.get()))}
                </div>
                {move || err_of("prompt")().map(|m| view! { <p class="field-error" id="prompt-error" role="alert">{m}</p> })}
            </div>
            <div class="form-grid">
                <div class="field">
                    <label for="resolution">{t(Msg::TaskResolution)}</label>
                    <select id="resolution" name="resolution" on:change=move |ev| resolution.set(event_target_value(&ev))>
                        {Resolution::VARIANTS.iter().copied().map(|r| view! {
                            <option value=r.as_str() selected=move || resolution.get() == r.as_str()>{r.as_str().to_ascii_uppercase()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="aspect">{t(Msg::TaskAspect)}</label>
                    <select id="aspect" name="aspect_ratio" on:change=move |ev| aspect.set(event_target_value(&ev))>
                        {AspectRatio::VARIANTS.iter().copied().map(|a| view! {
                            <option value=a.as_str() selected=move || aspect.get() == a.as_str()>
                                {move || a.render(lang.get())}
                            </option>
                        }).collect_view()}
                    </select>
                </div>
                <fieldset class="field">
                    <legend class="label">{t(Msg::TaskRegion)}</legend>
                    <div class="form-actions">
                        {[Region::Domestic, Region::Overseas].into_iter().map(|r| view! {
                            <label class="check">
                                <input type="radio" name="region" value=r.as_str() id=format!("region-{}", r.as_str())
                                    checked=region.get_untracked() == r.as_str()
                                    prop:checked=move || region.get() == r.as_str()
                                    on:change=move |_| region.set(r.as_str().to_owned())/>
                                <span>{t(r.label())}</span>
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
            </div>
            <fieldset class="field">
                <legend class="label">{t(Msg::TaskImageUrls)}</legend>
                {move || (0..urls.get().len()).map(|i| {
                    let input_id = format!("image-url-{i}");
                    let field = format!("image_urls.{i}");
                    let err = move || errors.get().and_then(|e| e.get(&field)).map(|m| m.text(lang.get()));
                    let cut = move || {
                        let before = urls.get().iter().take(i).filter(|u| !u.trim().is_empty()).count();
                        before >= IMAGES_SENT_MAX && !urls.get()[i].trim().is_empty()
                    };
                    view! {
                        <div class="url-row" class:cut=cut>
                            <span class="idx">{i + 1}</span>
                            <label class="sr-only" for=input_id.clone()>{t(Msg::TaskImageUrls)}" "{i + 1}</label>
                            <input id=input_id name="image_url" type="url" inputmode="url" placeholder="https://…/image.png" class="mono"
                                value=urls.get_untracked().get(i).cloned().unwrap_or_default()
                                prop:value=move || urls.get().get(i).cloned().unwrap_or_default()
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    urls.update(|u| if let Some(x) = u.get_mut(i) { *x = v; });
                                }/>
                            <button type="button" class="btn btn-small" aria-label=move || format!("{} {}", Msg::TaskRemove.text(lang.get()), i + 1)
                                on:click=move |_| urls.update(|u| {
                                    if u.len() > 1 { u.remove(i); } else { u[0].clear(); }
                                })>"✕"</button>
                        </div>
                        {move || err().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                    }
                }).collect_view()}
                <Show when=move || { image_count() > IMAGES_SENT_MAX }>
                    <p class="alert alert-warn" role="status" data-testid="only-first-10">
                        {t(Msg::TaskOnlyFirst10)}" ("{image_count}")"
                    </p>
                </Show>
                <div class="form-actions">
                    <button type="button" class="btn btn-small" on:click=move |_| urls.update(|u| u.push(String::new()))>
                        "+ "{t(Msg::TaskAddUrl)}
                    </button>
                </div>
            </fieldset>
            <div class="field">
                <span class="label" id="local-label">{t(Msg::TaskLocalImages)}</span>
                <label class="dropzone" class:over=move || drag_over.get() for="local-files"
                    on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); drag_over.set(true); }
                    on:dragleave=move |_| drag_over.set(false)
                    on:drop=move |ev: leptos::ev::DragEvent| {
                        ev.prevent_default();
                        drag_over.set(false);
                        add_files(files_of(ev.data_transfer().and_then(|d| d.files())));
                    }>
                    {t(Msg::TaskDropHint)}
                    <input id="local-files" name="file" type="file" accept="image/png,image/jpeg,image/webp" multiple class="sr-only"
                        aria-labelledby="local-label"
                        on:change=move |ev| {
                            let input: web_sys::HtmlInputElement = event_target(&ev);
                            add_files(files_of(input.files()));
                            input.set_value("");
                        }/>
                </label>
                <Show when=move || { uploading.get() > 0 }>
                    <p class="muted" role="status">{t(Msg::TaskUploading)}</p>
                </Show>
                <For each=move || upload_errors.get() key=|(name, _)| name.clone() let:failed>
                    <div class="upload-error" data-testid="upload-error">
                        <span class="mono">{failed.0.clone()}</span>
                        <ErrorBox err=failed.1.clone()/>
                    </div>
                </For>
                {move || err_of("local_images")().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                <div class="previews">
                    <For each=move || locals.get() key=|l| l.blob.name.clone() let:img>
                        <div class="preview">
                            <img src=img.preview.clone() alt=img.blob.original_name.clone()/>
                            <div class="name">{img.blob.original_name.clone()}</div>
                            <button type="button" class="btn btn-small" aria-label=move || Msg::TaskRemove.text(lang.get())
                                on:click={
                                    let name = img.blob.name.clone();
                                    move |_| locals.update(|l| l.retain(|x| x.blob.name != name))
                                }>"✕"</button>
                        </div>
                    </For>
                </div>
            </div>
            {move || err_of("images")().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            {move || other_error().map(|err| view! {
                <ErrorBox err=err.clone()/>
                <OverBudgetChoice err admin pending=launch.pending() run_anyway=move |()| send(true)/>
            })}
            {move || match estimate.get() {
                Estimate::Idle => ().into_any(),
                Estimate::Loading => view! { <p class="muted">{t(Msg::EstimateLoading)}</p> }.into_any(),
                Estimate::Done(Ok(b)) => view! { <EstimateBox batch=b/> }.into_any(),
                Estimate::Done(Err(err)) => view! { <ErrorBox err/> }.into_any(),
            }}
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || { launch.pending().get() || uploading.get() > 0 }>
                    {move || if launch.pending().get() { t(Msg::TaskLaunching)() } else { t(Msg::TaskLaunch)() }}
                </button>
            </div>
        </form>
    }
}

/// The price preview's answer: each config's estimate in the provider's words (or why it is
/// unknown), and the total of a batch.
#[component]
fn EstimateBox(batch: BatchEstimate) -> impl IntoView {
    let lang = use_i18n().lang;
    let several = batch.configs.len() > 1;
    let total = batch.total.clone();
    let over = batch.over_budget.clone();
    view! {
        <div class="estimate" data-testid="estimate" aria-live="polite">
            <strong>{t(Msg::EstimateTitle)}</strong>
            <ul>
                {batch.configs.into_iter().map(|c| {
                    let known = c.estimate.is_some();
                    view! {
                        <li data-testid="estimate-config" data-known=known.to_string()>
                            {c.name.clone()}": "
                            {move || c.describe(lang.get())}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(several).then(|| view! {
                <p data-testid="estimate-total">
                    {t(Msg::EstimateTotal)}": "
                    {move || total.clone().map(|t| Cost::Money(t).render(lang.get())).unwrap_or_else(|| Msg::EstimateUnknown.text(lang.get()).to_owned())}
                </p>
            })}
            {(!over.is_empty()).then(|| {
                let err = AppError::OverBudget(over);
                view! {
                    <p class="alert alert-warn" role="status" data-testid="estimate-over-budget">
                        {move || err.message(lang.get())}
                    </p>
                }
            })}
            <p class="hint">{t(Msg::EstimateNote)}</p>
        </div>
    }
}

fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Uploads a file and makes a local preview of it.
async fn send_file(file: &web_sys::File) -> Result<(BlobRef, String), AppError> {
    #[cfg(not(feature = "ssr"))]
    {
        let form =
            web_sys::FormData::new().map_err(|_| AppError::bad_request(Msg::ErrBadRequest))?;
        form.append_with_blob_and_filename("file", file, &file.name())
            .map_err(|_| AppError::bad_request(Msg::ErrBadRequest))?;
        let blob = crate::api::tasks::upload_image(form.into()).await?;
        let preview = web_sys::Url::create_object_url_with_blob(file).unwrap_or_default();
        Ok((blob, preview))
    }
    #[cfg(feature = "ssr")]
    {
        let _ = file;
        Err(AppError::bad_request(Msg::ErrBadRequest))
    }
}
