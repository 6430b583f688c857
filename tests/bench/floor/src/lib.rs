//! `make bench`'s floor: a Rust async method that does the least a client can per call.
//!
//! `Floor.get(url)` sends a GET with the `accessToken` header and answers the parsed JSON body:
//! fetch awaited, the body read as text and awaited, `JSON.parse` — no token logic, no time-out,
//! no checks, no retries. What it costs over plain `fetch` is what the wasm-bindgen bridge alone
//! costs (one promise out, two in), so `KaizalaClient` cannot come in under it. fetch is started as
//! `KaizalaClient` starts it: from a microtask of its own in browsers, directly in Node.

#[cfg(target_arch = "wasm32")]
mod floor {
    use js_sys::{Function, Promise, Reflect, JSON};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Headers, RequestInit, Response};

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = fetch, catch)]
        fn fetch_with_init(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;
        type FetchFn;
        #[wasm_bindgen(method, js_name = bind)]
        fn bind_call(this: &FetchFn, this_arg: &JsValue, url: &str, init: &RequestInit)
            -> Function;
        type Thenable;
        #[wasm_bindgen(method, js_name = then)]
        fn then_call(this: &Thenable, f: &Function) -> Promise;
    }

    fn in_node() -> bool {
        let versions = Reflect::get(&js_sys::global(), &"process".into())
            .and_then(|p| Reflect::get(&p, &"versions".into()))
            .unwrap_or(JsValue::UNDEFINED);
        versions.is_object()
            && !Reflect::get(&versions, &"node".into())
                .unwrap_or(JsValue::UNDEFINED)
                .is_undefined()
    }

    #[wasm_bindgen]
    pub struct Floor {
        token: String,
        node: bool,
    }

    #[wasm_bindgen]
    impl Floor {
        #[wasm_bindgen(constructor)]
        pub fn new(token: String) -> Floor {
            Floor {
                token,
                node: in_node(),
            }
        }

        /// GET `url` with the token; the parsed JSON body.
        pub async fn get(&self, url: String) -> Result<JsValue, JsValue> {
            let init = RequestInit::new();
            init.set_method("GET");
            let headers = Headers::new()?;
            headers.set("accessToken", &self.token)?;
            init.set_headers(&headers);
            let started = if self.node {
                fetch_with_init(&url, &init)?
            } else {
                let fetch = Reflect::get(&js_sys::global(), &"fetch".into())?;
                let call =
                    fetch
                        .unchecked_ref::<FetchFn>()
                        .bind_call(&JsValue::UNDEFINED, &url, &init);
                Promise::resolve(&JsValue::UNDEFINED)
                    .unchecked_ref::<Thenable>()
                    .then_call(&call)
            };
            let response: Response = JsFuture::from(started).await?.dyn_into()?;
            let text = JsFuture::from(response.text()?).await?;
            JSON::parse(&text.as_string().unwrap_or_default())
        }
    }
}
