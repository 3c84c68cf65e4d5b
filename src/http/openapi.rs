//! The OpenAPI document, served at `/api/v1/openapi.json`. Every JSON endpoint is listed here.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api_bureau::{
    AskBody, CertificateBody, ChangePasswordBody, ContactBody, GrantBody, RevokeBody, SecurityBody,
    SwitchBody,
};
use super::api_portal::{
    CertificateLoginBody, CodeBody, ForgotBody, LoginBody, NewPasswordBody, ResetBody,
};
use super::error::ApiErrorBody;
use super::portal::{AccountData, Inbox, Opened, StaffData};

/// The two tokens: the sandbox session (who the trainee is) and the bureau login.
struct Tokens;

impl Modify for Tokens {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "sandbox",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Sandbox-Token",
                "The trainee's sandbox session, from `POST /api/v1/sandbox/demo`. Every endpoint but health, the calculator and the sandbox entry needs it.",
            ))),
        );
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some(
            "The simulated bureau's login, from `POST /api/v1/login` (or `/login/certificate`): needed by everything inside the bureau."
                .to_owned(),
        );
        components.add_security_scheme("bureau", SecurityScheme::Http(bearer));
        components.add_security_scheme(
            "staff",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Staff-Token",
                "An instructor's token, from `POST /api/v1/console/token`: the console's classes and controls.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    modifiers(&Tokens),
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
        super::api_portal::login_certificate,
        super::api_bureau::account_get,
        super::api_bureau::account_password,
        super::api_bureau::account_security,
        super::api_bureau::account_contact,
        super::api_bureau::account_contact_confirm,
        super::api_bureau::account_certificate,
        super::api_bureau::staff_get,
        super::api_bureau::staff_grant,
        super::api_bureau::staff_revoke,
        super::api_bureau::switch,
        super::api_bureau::messages_get,
        super::api_bureau::message_get,
        super::api_bureau::announcement_get,
        super::api_bureau::help_get,
        super::api_bureau::help_ask,
        super::api_bureau::sandbox_demo,
        super::api_bureau::sandbox_get,
        super::api_bureau::sandbox_leave,
        super::api_labs::list,
        super::api_labs::start,
        super::api_labs::exam,
        super::api_labs::attempt,
        super::survey_pages::follow_up_api_show,
        super::survey_pages::follow_up_api_submit,
        super::survey_pages::api_show,
        super::survey_pages::api_submit,
        super::tests_pages::api_list,
        super::tests_pages::api_start,
        super::tests_pages::api_submit,
        super::lab_answers::answer_api,
        super::api_labs::hint,
        super::api_labs::check,
        super::api_labs::finish,
        super::api_labs::attempt_get,
        super::api_labs::file,
        super::api_console::token,
        super::api_console::revoke_token,
        super::api_console::revoke_tokens,
        super::api_console::password,
        super::api_console::list,
        super::api_console::create,
        super::api_console::class_report,
        super::api_console::course_report,
        super::api_console::pack_report,
        super::api_console::dashboard,
        super::api_console::join,
        super::api_console::class_action,
        super::api_console::seat_action,
        super::api_console::hand,
        super::api_console::courses,
        super::api_console::create_course,
        super::api_console::course,
        super::api_console::course_action,
        super::course::api_register,
        super::course::api_sign_in,
        super::course::api_progress,
        super::api_returns::list,
        super::api_returns::form,
        super::api_returns::calculate,
        super::api_returns::draft,
        super::api_returns::submit,
        super::api_returns::amend,
        super::api_returns::pay,
        super::api_returns::receipt_get,
        super::api_returns::payment_get,
        super::api_returns::agreement,
        super::api_returns::template,
        super::api_returns::import,
        super::api_queries::query,
        super::api_queries::export,
        super::api_queries::invoice,
        super::api_queries::credit,
        super::api_queries::check_invoice,
        super::api_proofs::list,
        super::api_proofs::issue,
        super::api_proofs::pdf,
        super::api_proofs::verify,
        super::api_proofs::verify_file,
        super::api_queries::policies,
        super::api_proofs::install_tool,
    ),
    components(schemas(
        ApiErrorBody,
        super::api_proofs::IssueBody,
        super::api_proofs::VerifyBody,
        super::portal::PolicyView,
        super::api_proofs::InstallBody,
        super::api_queries::CheckBody,
        LoginBody,
        CodeBody,
        NewPasswordBody,
        ForgotBody,
        ResetBody,
        CertificateLoginBody,
        ChangePasswordBody,
        SecurityBody,
        ContactBody,
        CertificateBody,
        GrantBody,
        RevokeBody,
        SwitchBody,
        AskBody,
        AccountData,
        StaffData,
        Inbox,
        Opened,
        super::api_labs::HintBody,
        super::survey_pages::FollowUpBody,
        crate::evaluation::follow_up::Standing,
        super::survey_pages::SurveyBody,
        crate::evaluation::survey::Standing,
        super::tests_pages::TestView,
        super::tests_pages::PaperQuestion,
        super::tests_pages::MarkView,
        super::tests_pages::AttemptView,
        super::tests_pages::HandInBody,
        super::lab_answers::AnswerBody,
        super::labs::LabPanel,
        super::lab_panel::StepView,
        super::lab_panel::QuestionView,
        super::lab_panel::HintView,
        super::labs::Feedback,
        super::lab_panel::CheckView,
        super::lab_panel::DeductionView,
        super::labs::LabsView,
        super::labs::PackView,
        super::labs::LabRow,
        super::labs::AttemptRow,
        super::api_console::TokenBody,
        super::api_console::CreateBody,
        super::api_console::ControlBody,
        super::api_console::JoinBody,
        super::api_console::PasswordBody,
        super::api_console::CourseBody,
        super::course::SignInBody,
        crate::classroom::course::Registration,
        crate::classroom::course::Progress,
        crate::classroom::course::LabProgress,
        crate::classroom::course::Completion,
        super::api_returns::FormBody,
        super::portal::Sheet,
        super::portal::FieldView,
        super::portal::LineView,
        super::portal::Receipt,
        super::portal::PaymentView,
        super::portal::PaidItem
    ))
)]
pub struct ApiDoc;
