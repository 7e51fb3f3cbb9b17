//! API routes registered from their handlers' `#[utoipa::path]`: the method and path the
//! OpenAPI document states are the ones the router matches, and each operation (with
//! the schemas it refers to) is collected as its route is added, so the served document
//! holds exactly the routed operations.

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Resource, Responder, Scope, web};
use utoipa::openapi::RefOr;
use utoipa::openapi::path::{HttpMethod, Paths};
use utoipa::openapi::schema::Schema;
use utoipa_actix_web::OpenApiFactory;

/// A scope's routes and the OpenAPI operations they serve.
pub struct Documented {
    prefix: String,
    scope: Scope,
    /// Method and full path of each route, as given to the router.
    routed: Vec<(Method, String)>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl Documented {
    /// Routes under `prefix`, which the operations' paths leave out.
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            scope: web::scope(prefix),
            routed: Vec::new(),
            paths: Paths::new(),
            schemas: Vec::new(),
        }
    }

    /// Data for every route of the scope, as `Scope::app_data`.
    pub fn app_data<U: 'static>(mut self, data: U) -> Self {
        self.scope = self.scope.app_data(data);
        self
    }

    /// Routes `handler` at the path and method(s) of `operation`, the type its
    /// `#[utoipa::path]` made (`module::__path_handler`), and records the operation.
    pub fn route<O, F, Args>(mut self, operation: O, handler: F) -> Self
    where
        O: utoipa::Path + OpenApiFactory,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let path = O::path();
        for method in O::methods() {
            let method = actix_method(&method);
            self.routed
                .push((method.clone(), format!("{}{path}", self.prefix)));
            self.scope = self
                .scope
                .route(&path, web::method(method).to(handler.clone()));
        }
        self.record(operation)
    }

    /// As `route`, with `data` for this route alone, found before the scope's (a body
    /// limit of its own, say).
    pub fn route_with<O, F, Args, U>(self, operation: O, handler: F, data: U) -> Self
    where
        O: utoipa::Path + OpenApiFactory,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
        U: 'static,
    {
        self.resource(operation, handler, |resource| resource.app_data(data))
    }

    /// Routes `handler` as `route` does, as the only resource at its path: any other
    /// method there is answered as no endpoint (404), rather than by a later route whose
    /// pattern also matches it (`/tokens/bulk` would reach `GET /tokens/{id}`).
    pub fn route_alone<O, F, Args>(self, operation: O, handler: F) -> Self
    where
        O: utoipa::Path + OpenApiFactory,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.resource(operation, handler, |resource| {
            resource.default_service(web::to(super::no_such_endpoint))
        })
    }

    /// Routes `handler` at `operation`'s path and methods as a resource of its own,
    /// shaped by `shape` first, and records the operation.
    fn resource<O, F, Args>(
        mut self,
        operation: O,
        handler: F,
        shape: impl FnOnce(Resource) -> Resource,
    ) -> Self
    where
        O: utoipa::Path + OpenApiFactory,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let path = O::path();
        let mut resource = shape(web::resource(path.as_str()));
        for method in O::methods() {
            let method = actix_method(&method);
            self.routed
                .push((method.clone(), format!("{}{path}", self.prefix)));
            resource = resource.route(web::method(method).to(handler.clone()));
        }
        self.scope = self.scope.service(resource);
        self.record(operation)
    }

    /// Records `operation`, and the schemas it refers to, for the document.
    fn record<O: OpenApiFactory>(mut self, operation: O) -> Self {
        self.paths.merge(operation.paths());
        operation.schemas(&mut self.schemas);
        self
    }

    /// Adds the routes `routes` adds, as `ServiceConfig::configure` does.
    pub fn configure(self, routes: impl FnOnce(Self) -> Self) -> Self {
        routes(self)
    }

    /// The scope, with what the document needs.
    pub fn finish(self) -> Built {
        Built {
            scope: self.scope,
            routed: self.routed,
            paths: self.paths,
            schemas: self.schemas,
        }
    }
}

/// The scope to serve, and what the document needs.
pub struct Built {
    pub scope: Scope,
    /// Method and full path of each route, in the order they were added.
    pub routed: Vec<(Method, String)>,
    /// The operations routed, at their paths under the prefix.
    pub paths: Paths,
    /// The schemas the operations refer to.
    pub schemas: Vec<(String, RefOr<Schema>)>,
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}
