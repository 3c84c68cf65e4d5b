//! `taxlab serve`: open the database (making the first admin), start the runtime, listen,
//! send learning records to an LRS if one is configured, and serve until Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use super::{add_user, failed, init_tracing, seed_message, staff_password, store_message};
use crate::http::{App, AppState};
use crate::i18n::{Catalog, Lang};
use crate::labs::Library;
use crate::seed;
use crate::store::{Db, UserRole};

pub(super) fn serve(
    db_path: &std::path::Path,
    addr: SocketAddr,
    lang: Lang,
    labs: Library,
    net: crate::http::net::Net,
    lrs: Option<crate::evaluation::lrs::LrsConfig>,
) -> Result<(), String> {
    init_tracing();
    let db = Db::open(db_path).map_err(|e| store_message(&e, lang))?;
    let demo = seed::ensure_demo(&db).map_err(|e| seed_message(&e, lang))?;
    // The first start makes an admin for the instructor console and says its password once.
    if db
        .read(|s| s.users())
        .map_err(|e| store_message(&e, lang))?
        .is_empty()
    {
        let password = staff_password("TAXLAB_ADMIN_PASSWORD");
        if add_user(&db, "admin", UserRole::Admin, "admin", &password)
            .map_err(|e| store_message(&e, lang))?
            .is_err()
        {
            // the table was empty a moment ago: only a second server starting at once
            return Err(Catalog::embedded().format(
                lang,
                "cli.user_exists",
                &[("username", "admin")],
            ));
        }
        println!(
            "{}",
            Catalog::embedded().format(lang, "cli.admin_created", &[("password", &password)])
        );
    }
    crate::secrets::tune_allocator();
    // Blocking work is bounded before it gets here (readers, the writer's queue, password
    // slots); this only caps what a surprise could spawn.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(64)
        .enable_all()
        .build()
        .map_err(|e| failed(&e, lang))?;
    runtime.block_on(async move {
        // The file was opened by its header; its pages are checked in the background.
        let checked = db.clone();
        tokio::task::spawn_blocking(move || match checked.check(false) {
            Ok(rows) if rows == ["ok"] => tracing::info!("database quick check: ok"),
            Ok(rows) => tracing::error!(problems = %rows.join("; "), "database quick check failed: run `taxlab check`, restore from a backup"),
            Err(e) => tracing::error!(error = %e, "database quick check could not run"),
        });
        let listener = listen(addr).map_err(|e| {
            Catalog::embedded().format(
                lang,
                "cli.bind_failed",
                &[("addr", &addr.to_string()), ("reason", &e.to_string())],
            )
        })?;
        let shown = listener.local_addr().map_or(addr, |a| a);
        println!(
            "{}",
            Catalog::embedded().format(
                lang,
                "cli.serving",
                &[
                    ("url", &format!("http://{shown}/")),
                    ("db", &db_path.display().to_string())
                ]
            )
        );
        let labs = std::sync::Arc::new(labs);
        let _outbox = lrs.map(|cfg| {
            tracing::info!(url = cfg.statements_url(), "sending learning records to the LRS");
            crate::evaluation::lrs::Outbox::new(
                db.clone(),
                crate::clock::Clock::system(),
                labs.clone(),
                cfg,
            )
            .spawn(LRS_EVERY)
        });
        App::build(AppState {
            db,
            demo,
            clock: crate::clock::Clock::system(),
            labs,
            boards: Default::default(),
            net: std::sync::Arc::new(net),
            health: Default::default(),
        })
        .serve(listener, shutdown_signal())
        .await
        .map_err(|e| failed(&e, lang))
    })
}

/// How often the LRS outbox looks for new records and statements due.
const LRS_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Connections a listening socket holds before the server accepts them: a room of
/// hundreds connecting in the same second must not overflow it (the default, 128, makes the
/// rest retry a second later).
const LISTEN_BACKLOG: u32 = 4096;

fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Ctrl-C, or SIGTERM (systemd's stop): finish requests in flight, then close the database.
/// Both handlers are installed before the server accepts its first connection (a signal that
/// came while the future had not been polled yet would otherwise kill the process).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt()).ok();
    let terminate = signal(SignalKind::terminate()).ok();
    async move {
        let wait = |s: Option<tokio::signal::unix::Signal>| async move {
            match s {
                Some(mut s) => {
                    s.recv().await;
                }
                // no handler: run until killed
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = wait(interrupt) => {}
            () = wait(terminate) => {}
        }
        tracing::info!("shutting down");
    }
}
