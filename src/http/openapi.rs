//! The OpenAPI document, served at `/api/v1/openapi.json`. Every JSON endpoint is listed here.

use utoipa::OpenApi;

use super::api_portal::{CodeBody, ForgotBody, LoginBody, NewPasswordBody, ResetBody};
use super::error::ApiErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "taxlab",
        description = "电子税务局实训沙箱: the simulated e-tax bureau's JSON API. Errors are `{code, message, field}` in the user's language (`?lang=en`; Chinese otherwise)."
    ),
    paths(
        super::api::healthz,
        super::api::calc,
        super::api_portal::login,
        super::api_portal::sms,
        super::api_portal::resend,
        super::api_portal::initial_password,
        super::api_portal::forgot,
        super::api_portal::reset,
        super::api_portal::logout,
        super::api_portal::workbench,
        super::api_portal::phone,
    ),
    components(schemas(
        ApiErrorBody,
        LoginBody,
        CodeBody,
        NewPasswordBody,
        ForgotBody,
        ResetBody
    ))
)]
pub struct ApiDoc;
