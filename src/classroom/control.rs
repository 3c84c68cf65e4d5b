//! A control as the instructor asks for it: its name in URLs, what a form or body carries,
//! who may use it, and the notice it leaves.

use super::ClassError;

/// A control, by the name it has in URLs (`reset`, `faults`, `faults-clear`, `broadcast`,
/// `end`, `pause`, `resume`, `clock`, `hand`, `regrade`), with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    Reset,
    Fault(crate::labs::setup::Fault),
    ClearFaults,
    Broadcast(String),
    End,
    Pause,
    Resume,
    Clock(i64),
    HandDone,
    Regrade,
    /// Exam mode on: every trainee who has joined starts the pack as a timed exam now, and
    /// later joins do too. Off: later joins practise again (running exams go on).
    Exam(bool),
    /// Add (true) or remove an assistant, by username.
    Assistant(String, bool),
    /// Let a seat be rejoined without its PIN (forgotten, or locked by wrong tries): the
    /// next join under its name gets a new PIN; the trainee's work stays.
    Unlock,
    /// Free a seat: nobody sits there any more; the next to join starts afresh.
    Free,
    /// 课后测试: open the class's pre- or post-test with its settings (read against the
    /// library when applied), or close it.
    Test {
        phase: String,
        open: bool,
        form: String,
        minutes: Option<i64>,
        attempts: Option<i64>,
    },
    /// 满意度调查: open the class's survey (anonymous unless `kind` says `named`), or close it.
    Survey {
        open: bool,
        anonymous: bool,
    },
    /// 跟踪回访: schedule it `days` after the class ends with the retention lab `lab`, or
    /// close it.
    FollowUp {
        open: bool,
        days: Option<i64>,
        lab: String,
    },
}

/// What a control form or body may carry besides the action.
#[derive(Debug, Clone, Default)]
pub struct ControlInput {
    pub kind: String,
    pub module: String,
    pub minutes: Option<i64>,
    pub text: String,
    /// A test's form (`a`, `b`, `all`) and the attempts it allows.
    pub form: String,
    pub attempts: Option<i64>,
}

impl Control {
    /// The control an action name asks for; `None` for no such action.
    pub fn parse(action: &str, input: &ControlInput) -> Option<Result<Control, ClassError>> {
        Some(Ok(match action {
            "reset" => Control::Reset,
            "faults" => {
                let minutes = input.minutes.unwrap_or(30);
                if !(1..=crate::labs::setup::FAULT_MINUTES_MAX).contains(&minutes) {
                    return Some(Err(ClassError::BadMinutes {
                        max: crate::labs::setup::FAULT_MINUTES_MAX,
                    }));
                }
                match input.kind.as_str() {
                    "maintenance"
                        if crate::labs::setup::MODULES.contains(&input.module.as_str()) =>
                    {
                        Control::Fault(crate::labs::setup::Fault::Maintenance {
                            module: input.module.clone(),
                            minutes,
                        })
                    }
                    "sms_delay" => {
                        Control::Fault(crate::labs::setup::Fault::SmsDelay { minutes, count: 1 })
                    }
                    "network_drop" => {
                        Control::Fault(crate::labs::setup::Fault::NetworkDrop { count: 1 })
                    }
                    "print_failure" => Control::Fault(crate::labs::setup::Fault::PrintFailure {}),
                    _ => return Some(Err(ClassError::BadFault)),
                }
            }
            "faults-clear" => Control::ClearFaults,
            "broadcast" => Control::Broadcast(input.text.clone()),
            "end" => Control::End,
            "pause" => Control::Pause,
            "resume" => Control::Resume,
            "clock" => match input.minutes {
                Some(d) => Control::Clock(d),
                None => return Some(Err(ClassError::BadDays)),
            },
            "hand" => Control::HandDone,
            "regrade" => Control::Regrade,
            "exam-on" => Control::Exam(true),
            "exam-off" => Control::Exam(false),
            "assistant-add" => Control::Assistant(input.text.trim().to_owned(), true),
            "assistant-remove" => Control::Assistant(input.text.trim().to_owned(), false),
            "unlock" => Control::Unlock,
            "test-open" | "test-close" => Control::Test {
                phase: input.kind.clone(),
                open: action == "test-open",
                form: input.form.clone(),
                minutes: input.minutes,
                attempts: input.attempts,
            },
            "free" => Control::Free,
            "follow-up" | "follow-up-close" => Control::FollowUp {
                open: action == "follow-up",
                days: input.minutes,
                lab: input.kind.clone(),
            },
            "survey-open" | "survey-close" => Control::Survey {
                open: action == "survey-open",
                anonymous: input.kind != "named",
            },
            _ => return None,
        }))
    }

    /// What an assistant may do: rescue one trainee (reset their lab, clear their faults,
    /// answer their hand). Everything that touches the whole class is the instructor's.
    pub fn for_assistants(&self, seat: Option<u32>) -> bool {
        match self {
            Control::Reset | Control::HandDone | Control::Unlock => true,
            Control::ClearFaults => seat.is_some(),
            _ => false,
        }
    }

    /// Controls that act on one seat need its number.
    pub fn needs_seat(&self) -> bool {
        matches!(
            self,
            Control::Reset | Control::HandDone | Control::Unlock | Control::Free
        )
    }

    /// The key of the notice the dashboard shows afterwards (`console.done.<key>`).
    pub fn done(&self) -> &'static str {
        match self {
            Control::Reset => "reset",
            Control::Fault(_) => "fault",
            Control::ClearFaults => "cleared",
            Control::Broadcast(_) => "broadcast",
            Control::End => "ended",
            Control::Pause => "paused",
            Control::Resume => "resumed",
            Control::Clock(_) => "clock",
            Control::HandDone => "hand",
            Control::Regrade => "regraded",
            Control::Exam(true) => "exam_on",
            Control::Exam(false) => "exam_off",
            Control::Assistant(_, true) => "assistant_added",
            Control::Assistant(_, false) => "assistant_removed",
            Control::Unlock => "unlocked",
            Control::Free => "freed",
            Control::Test { open: true, .. } => "test_open",
            Control::Test { open: false, .. } => "test_closed",
            Control::Survey { open: true, .. } => "survey_open",
            Control::Survey { open: false, .. } => "survey_closed",
            Control::FollowUp { open: true, .. } => "follow_up_open",
            Control::FollowUp { open: false, .. } => "follow_up_closed",
        }
    }
}
