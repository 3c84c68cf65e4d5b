//! The web layer: axum router, middleware, pages and JSON API. Handlers stay thin:
//! parse, call the domain or the store, render.

mod api;
mod api_bureau;
mod api_console;
mod api_credit;
mod api_disputes;
mod api_labs;
mod api_portal;
mod api_proofs;
mod api_queries;
mod api_refunds;
mod api_returns;
mod api_risk;
mod class_ended;
mod class_tx;
mod conn;
mod console;
mod cookies;
mod course;
mod error;
mod forms;
mod guard;
mod home;
pub use home::{DEMO_IDLE, DEMO_MAX_LIVE, DEMO_PER_ADDRESS};
mod lab_answers;
mod lab_clock;
mod lab_panel;
mod labs;
mod lang;
pub mod net;
mod openapi;
mod pages;
mod portal;
mod router;
mod sandbox;
mod survey_pages;
mod taxpayer;
pub mod templates;
mod tests_pages;

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;

pub use error::AppError;
pub use lang::ReqLang;

use crate::clock::Clock;
use crate::store::{Db, TenantId};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// The demo tenant `serve` provides until classrooms exist.
    pub demo: TenantId,
    /// Wall-clock time for code expiry, lockout and session timeout.
    pub clock: Clock,
    /// The labs and packs on offer.
    pub labs: std::sync::Arc<crate::labs::Library>,
    /// The class dashboards' grades of live seats, kept between ticks.
    pub boards: crate::classroom::Boards,
    /// The public address and trusted proxies.
    pub net: std::sync::Arc<net::Net>,
    /// When `/healthz` last wrote to the database (ms since the epoch).
    pub health: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

/// A built application, ready to serve.
pub struct App {
    router: axum::Router,
    state: AppState,
}

/// How often the server ends classes whose end time has passed.
const SCHEDULE_TICK: std::time::Duration = std::time::Duration::from_secs(15);

/// Housekeeping runs every this many schedule ticks (a minute).
const SWEEP_EVERY: u32 = 4;

/// An abandoned attempt's tenant is pruned this long after the attempt started.
pub const ABANDONED_AFTER: chrono::Duration = chrono::Duration::days(1);

/// One round of housekeeping ([`crate::store::gc::sweep`]), logged when it did anything.
pub async fn sweep(state: &AppState) {
    let now = state.clock.now();
    let swept = state
        .db
        .run_write(move |s| crate::store::gc::sweep(s, now, home::DEMO_IDLE, ABANDONED_AFTER))
        .await;
    match swept {
        Ok(s) if s == crate::store::gc::Swept::default() => {}
        Ok(s) => tracing::info!(
            demo_visitors = s.demo_visitors,
            pruned = s.pruned,
            prepared = s.prepared,
            counted = s.counted,
            sessions = s.sessions,
            "housekeeping"
        ),
        Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
    }
}

/// Hand in and grade what is still running in ended classes, a short write at a time.
pub async fn hand_in_ended(state: &AppState) {
    loop {
        let (labs, now) = (state.labs.clone(), state.clock.now());
        let done = state
            .db
            .run_write(move |s| {
                Ok(crate::classroom::hand_in_ended(
                    s,
                    &labs,
                    now,
                    crate::classroom::HAND_IN_BATCH,
                ))
            })
            .await;
        match done {
            Ok(Ok(n)) if n as i64 == crate::classroom::HAND_IN_BATCH => {}
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => {
                tracing::info!(attempts = n, "handed in at the class's end");
                break;
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "handing in at the class's end failed");
                break;
            }
            Err(e) => {
                tracing::warn!(error = %e, "handing in at the class's end failed");
                break;
            }
        }
    }
}

impl App {
    pub fn build(state: AppState) -> App {
        App {
            router: router::router(state.clone()),
            state,
        }
    }

    /// Serve until `shutdown` resolves, then finish in-flight requests.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let addr: Option<SocketAddr> = listener.local_addr().ok();
        tracing::info!(?addr, "listening");
        // Classes end by themselves at their end time (joins and dashboards check too).
        let state = self.state.clone();
        let ticker = tokio::spawn(async move {
            let mut tick = tokio::time::interval(SCHEDULE_TICK);
            let mut round = 0u32;
            loop {
                tick.tick().await;
                round = round.wrapping_add(1);
                if round.is_multiple_of(SWEEP_EVERY) {
                    sweep(&state).await;
                }
                let now = state.clock.now();
                let ended = state
                    .db
                    .run_write(move |s| Ok(crate::classroom::end_due(s, now)))
                    .await;
                match ended {
                    Ok(Ok(0)) => {}
                    Ok(Ok(n)) => tracing::info!(classes = n, "ended at their end time"),
                    Ok(Err(e)) => tracing::warn!(error = %e, "ending classes failed"),
                    Err(e) => tracing::warn!(error = %e, "ending classes failed"),
                }
                hand_in_ended(&state).await;
            }
        });
        let header_timeout = self.state.net.timeouts().header;
        let served = conn::serve(listener, self.router, header_timeout, shutdown).await;
        ticker.abort();
        served
    }
}
