//! A real server on a free port with a temporary database.

use taxlab::clock::Clock;
use taxlab::http::{App, AppState};
use taxlab::seed;
use taxlab::store::Db;
use taxlab::store::{TenantId, TraineeKind};
use tokio::sync::oneshot;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub demo: TenantId,
    /// A sandbox session of the demo trainee, opened directly in the store.
    pub sandbox: String,
    pub clock: Clock,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(taxlab::labs::Library::embedded().expect("shipped labs")).await
    }

    /// A server offering these labs and packs.
    pub async fn spawn_with(labs: taxlab::labs::Library) -> TestApp {
        TestApp::spawn_full(labs, taxlab::http::net::Net::default()).await
    }

    /// A server behind a reverse proxy, as `serve --public-url --trusted-proxy` sets it.
    pub async fn spawn_behind(net: taxlab::http::net::Net) -> TestApp {
        let labs = taxlab::labs::Library::embedded().expect("shipped labs");
        TestApp::spawn_full(labs, net).await
    }

    /// A server on a database restored from `backup`: the file put in place of the
    /// database, as docs/deploy.md says.
    pub async fn spawn_restored(backup: &std::path::Path) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::copy(backup, dir.path().join("test.db")).expect("restore");
        let labs = taxlab::labs::Library::embedded().expect("shipped labs");
        TestApp::spawn_in(dir, labs, taxlab::http::net::Net::default()).await
    }

    async fn spawn_full(labs: taxlab::labs::Library, net: taxlab::http::net::Net) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        TestApp::spawn_in(dir, labs, net).await
    }

    async fn spawn_in(
        dir: tempfile::TempDir,
        labs: taxlab::labs::Library,
        net: taxlab::http::net::Net,
    ) -> TestApp {
        let db = Db::open(&dir.path().join("test.db")).expect("open db");
        let demo = seed::ensure_demo(&db).expect("demo tenant");
        let sandbox = db
            .write(|s| {
                let t = s
                    .trainee_of(demo, TraineeKind::Demo)?
                    .expect("demo trainee");
                s.open_sandbox_session(&t, chrono::Utc::now())
            })
            .expect("sandbox session");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        let clock = Clock::manual(chrono::Utc::now());
        let app = App::build(AppState {
            db: db.clone(),
            demo,
            clock: clock.clone(),
            labs: std::sync::Arc::new(labs),
            boards: Default::default(),
            net: std::sync::Arc::new(net),
            health: Default::default(),
        });
        tokio::spawn(app.serve(listener, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            base,
            client,
            db,
            demo,
            sandbox,
            clock,
            _dir: dir,
            _stop: stop,
        }
    }

    /// The database file.
    pub fn db_path(&self) -> std::path::PathBuf {
        self._dir.path().join("test.db")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// Another tenant in the same database (class seed 77, one general manufacturer) with a
    /// class trainee and an open sandbox session: its id and that session's token.
    pub fn other_tenant(&self) -> (TenantId, String) {
        self.db
            .write(|s| {
                let t = taxlab::synth::Tables::embedded();
                let data = taxlab::synth::generate(&taxlab::synth::TenantSpec {
                    class_seed: 77,
                    seat: 1,
                    sandbox_date: seed::default_sandbox_date(),
                    presets: vec![t.preset("general-manufacturing").unwrap()],
                })
                .unwrap();
                let id = s.insert_tenant(&data)?;
                let trainee =
                    s.create_trainee(id, "王同学", TraineeKind::Class, chrono::Utc::now())?;
                Ok((id, s.open_sandbox_session(&trainee, chrono::Utc::now())?))
            })
            .expect("another tenant")
    }

    /// A GET from inside the sandbox (the demo trainee's session in the header).
    pub async fn get_in(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("x-sandbox-token", &self.sandbox)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &str) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("request")
    }
}
