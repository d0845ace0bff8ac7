//! The registry: what each integration registered, and the config read
//! through it. [`configure`] runs every integration's `register` over the
//! config's sections, then resolves `[targets]` and `[channels]` by their
//! `kind`, then runs the integrations' cross-checks. The result,
//! [`Integrations`], answers the core's questions at run time: which
//! callback kind is this, who sends mail, which routes to serve.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use axum::Router;

use super::kit::{CallbackKind, Channel, Mail, OnCallServices, Poster, Raw, Target, TargetParts};
use crate::config::Env;
use crate::domain::{Callback, CallbackKinds, CallbackPolicy, CallbackRequest, ValidationError};
use crate::http::AppState;

/// An integration's registration: what it brings, read from its sections.
pub(crate) type Register = fn(&mut Registry, &mut Sections, &Setup) -> Result<(), String>;

/// What an integration's registration may read besides its sections.
pub struct Setup<'a> {
    /// Where `*_env` keys are looked up.
    pub env: &'a Env,
    /// Longest one request to a receiver may take (`[delivery] timeout`).
    pub timeout: std::time::Duration,
}

impl Setup<'_> {
    /// An HTTP client for an integration's own API calls, giving up after
    /// the delivery timeout.
    pub fn client(&self) -> Result<reqwest::Client, String> {
        reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(concat!("pausegate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))
    }
}

/// One integration, as the registry lists it.
pub(crate) struct Integration {
    /// Registers what it brings.
    pub register: Register,
    /// Its endpoints' part of the OpenAPI document, if it has endpoints.
    pub openapi: Option<fn() -> utoipa::openapi::OpenApi>,
}

/// Every integration's part of the OpenAPI document.
pub fn openapi_parts() -> Vec<utoipa::openapi::OpenApi> {
    super::ALL
        .iter()
        .filter_map(|i| i.openapi.map(|f| f()))
        .collect()
}

type TargetResolver = Box<dyn Fn(&str, &Raw, &Env) -> Result<TargetParts, String> + Send + Sync>;
type ChannelResolver =
    Box<dyn Fn(&str, &Raw, &Env) -> Result<Arc<dyn Poster>, String> + Send + Sync>;
type Routes = Arc<dyn Fn(&AppState) -> Router<AppState> + Send + Sync>;
type Check = Box<dyn Fn(&BTreeMap<String, Target>) -> Result<(), String>>;

/// The config's top-level sections that belong to integrations, by name.
#[derive(Debug, Default)]
pub struct Sections(BTreeMap<&'static str, Raw>);

impl Sections {
    /// Adds section `name` if the file has it.
    pub fn with(mut self, name: &'static str, raw: Option<Raw>) -> Self {
        if let Some(raw) = raw {
            self.0.insert(name, raw);
        }
        self
    }

    /// Takes section `name` (each is read by one integration).
    pub fn take(&mut self, name: &str) -> Option<Raw> {
        self.0.remove(name)
    }
}

/// What the integrations registered, while the config is being read.
#[derive(Default)]
pub struct Registry {
    targets: BTreeMap<&'static str, TargetResolver>,
    channels: BTreeMap<&'static str, ChannelResolver>,
    callbacks: Vec<Arc<dyn CallbackKind>>,
    uri_kind: Option<&'static str>,
    routes: Vec<Routes>,
    mail: Option<Arc<dyn Mail>>,
    checks: Vec<Check>,
    /// The on-call services schedules are read from.
    pub on_call: OnCallServices,
}

impl Registry {
    /// `[targets.NAME] kind = "<kind>"` is read by `resolve`.
    pub fn target_kind(
        &mut self,
        kind: &'static str,
        resolve: impl Fn(&str, &Raw, &Env) -> Result<TargetParts, String> + Send + Sync + 'static,
    ) {
        self.targets.insert(kind, Box::new(resolve));
    }

    /// `[channels.NAME] kind = "<kind>"` is read by `resolve`.
    pub fn channel_kind(
        &mut self,
        kind: &'static str,
        resolve: impl Fn(&str, &Raw, &Env) -> Result<Arc<dyn Poster>, String> + Send + Sync + 'static,
    ) {
        self.channels.insert(kind, Box::new(resolve));
    }

    /// Answers callbacks of `kind`.
    pub fn callback_kind(&mut self, kind: Arc<dyn CallbackKind>) {
        self.callbacks.push(kind);
    }

    /// A bare `callBackUri` in a request is a callback of `kind`.
    pub fn uri_callback(&mut self, kind: &'static str) {
        self.uri_kind = Some(kind);
    }

    /// Serves the routes `make` builds.
    pub fn routes(&mut self, make: impl Fn(&AppState) -> Router<AppState> + Send + Sync + 'static) {
        self.routes.push(Arc::new(make));
    }

    /// Sends personal emails.
    pub fn mail(&mut self, mail: Arc<dyn Mail>) {
        self.mail = Some(mail);
    }

    /// Checks the resolved targets once they are all read.
    pub fn check(
        &mut self,
        check: impl Fn(&BTreeMap<String, Target>) -> Result<(), String> + 'static,
    ) {
        self.checks.push(Box::new(check));
    }
}

/// The config's integration parts, read.
pub struct Configured {
    /// `[targets]`, by name.
    pub targets: BTreeMap<String, Target>,
    /// `[channels]`, by name.
    pub channels: BTreeMap<String, Channel>,
    /// What runs beside them.
    pub integrations: Arc<Integrations>,
}

/// Runs every integration's registration over `sections`, then reads
/// `targets` and `channels` by kind; errors name the key.
pub fn configure(
    mut sections: Sections,
    targets: BTreeMap<String, Raw>,
    channels: BTreeMap<String, Raw>,
    setup: &Setup,
) -> Result<Configured, String> {
    let env = setup.env;
    let mut registry = Registry::default();
    for integration in super::ALL {
        (integration.register)(&mut registry, &mut sections, setup)?;
    }
    let targets = targets
        .into_iter()
        .map(|(name, raw)| {
            let resolve = resolver(&registry.targets, "targets", &name, &raw)?;
            Ok((name.clone(), resolve(&name, &raw, env)?.into_target(&name)?))
        })
        .collect::<Result<BTreeMap<_, _>, String>>()?;
    let channels = channels
        .into_iter()
        .map(|(name, raw)| {
            let resolve = resolver(&registry.channels, "channels", &name, &raw)?;
            let poster = resolve(&name, &raw, env)?;
            Ok((name.clone(), Channel { name, poster }))
        })
        .collect::<Result<BTreeMap<_, _>, String>>()?;
    for check in &registry.checks {
        check(&targets)?;
    }
    let integrations = Arc::new(Integrations {
        callbacks: registry.callbacks,
        uri_kind: registry.uri_kind,
        routes: registry.routes,
        mail: registry.mail,
        on_call: Arc::new(registry.on_call),
    });
    Ok(Configured {
        targets,
        channels,
        integrations,
    })
}

/// The resolver of `raw`'s kind, or an error naming the kinds there are.
fn resolver<'r, R>(
    kinds: &'r BTreeMap<&'static str, R>,
    section: &str,
    name: &str,
    raw: &Raw,
) -> Result<&'r R, String> {
    let known = || kinds.keys().copied().collect::<Vec<_>>().join(", ");
    let Some(kind) = raw.kind() else {
        return Err(format!(
            "{section}.{name}.kind: required (one of {})",
            known()
        ));
    };
    kinds.get(kind).ok_or_else(|| {
        format!(
            "{section}.{name}.kind: unknown kind {kind:?} (known: {})",
            known()
        )
    })
}

/// The integrations' run-time parts.
pub struct Integrations {
    callbacks: Vec<Arc<dyn CallbackKind>>,
    uri_kind: Option<&'static str>,
    routes: Vec<Routes>,
    mail: Option<Arc<dyn Mail>>,
    on_call: Arc<OnCallServices>,
}

impl fmt::Debug for Integrations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds: Vec<&str> = self.callbacks.iter().map(|k| k.kind()).collect();
        f.debug_struct("Integrations")
            .field("callback_kinds", &kinds)
            .field("routes", &self.routes.len())
            .finish_non_exhaustive()
    }
}

impl Integrations {
    /// The callback kind named `kind`.
    pub fn callback_kind(&self, kind: &str) -> Option<&Arc<dyn CallbackKind>> {
        self.callbacks.iter().find(|k| k.kind() == kind)
    }

    /// The on-call services, for `oncall:` approvers.
    pub fn on_call(&self) -> Arc<OnCallServices> {
        self.on_call.clone()
    }

    /// Who sends personal emails.
    pub fn mail(&self) -> Option<&Arc<dyn Mail>> {
        self.mail.as_ref()
    }

    /// Every integration's inbound routes, merged.
    pub fn router(&self, state: &AppState) -> Router<AppState> {
        self.routes
            .iter()
            .fold(Router::new(), |router, make| router.merge(make(state)))
    }

    /// Who waits, in words, by callback kind.
    pub fn callback_words(&self) -> BTreeMap<String, &'static str> {
        let words = self
            .callbacks
            .iter()
            .map(|k| (k.kind().to_owned(), k.what()));
        words.collect()
    }

    /// The hosts callback URLs may point at unless `[callbacks]` says.
    pub fn default_callback_hosts(&self) -> Vec<String> {
        let hosts = self.callbacks.iter().flat_map(|k| k.default_hosts());
        hosts.map(|h| (*h).to_owned()).collect()
    }
}

impl CallbackKinds for Integrations {
    fn parse(
        &self,
        request: CallbackRequest,
        hosts: &CallbackPolicy,
    ) -> Result<Callback, ValidationError> {
        let asked = self.callbacks.iter().filter(|k| k.requestable());
        match asked.clone().find(|k| k.kind() == request.kind) {
            Some(kind) => kind.parse(request, hosts),
            None => {
                let known: Vec<&str> = asked.map(|k| k.kind()).collect();
                let (last, rest) = known.split_last().unwrap_or((&"", &[]));
                Err(ValidationError::new(
                    "callback.kind",
                    format!(
                        "callback.kind must be {} or {last}, got {:?}",
                        rest.join(", "),
                        request.kind
                    ),
                ))
            }
        }
    }

    fn uri_kind(&self) -> &str {
        self.uri_kind.unwrap_or_default()
    }

    fn identity(&self, callback: &Callback) -> String {
        match self.callback_kind(&callback.kind) {
            Some(kind) => kind.identity(callback),
            None => callback.url.clone(),
        }
    }
}
