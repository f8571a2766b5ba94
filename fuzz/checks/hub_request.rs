//! The `hub_request` fuzz target's check, shared with the corpus replay test
//! (`sync/tests/fuzz_corpus.rs`): the hub's real router, in process, against any request a
//! client could send: the input picks the route, the method, the token, the version header,
//! the peer and the body. The hub never panics and never answers 5xx: its store is healthy,
//! so 500 or 503 is a bug.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::body::Body as HttpBody;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use storage::model::{Body, Facility, FacilityLevel, Role};
use storage::{Actor, Date, Device, NewResident, OpenOptions, Store};
use sync::protocol::{PROTOCOL_VERSION, route};
use sync::server::{Hub, hash_secret, router};
use tower::ServiceExt;

const CENTRE: &str = "H42092100101";
const DEVICE: &str = "fuzz-device";
const TOKEN: &str = "fuzz-device-token";

const ROUTES: &[&str] = &[
    route::ENROL,
    route::PUSH,
    route::PULL,
    route::FETCH,
    route::TRUST_LIST,
    route::ADMIN_ENROL,
    route::ADMIN_REVOKE,
    "/v1/unknown",
];

struct Fixture {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
    admin: String,
    _dir: tempfile::TempDir,
}

/// The one place this target opens a store.
fn open_store(path: &Path) -> Store {
    Store::open(
        path,
        OpenOptions::new("fuzz hub secret").fast_kdf_for_tests(),
    )
    .expect("open the hub store")
}

/// A hub over a real store in a temporary directory: one facility, one resident (so fetch
/// has someone to find), one enrolled device.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(open_store(&dir.path().join("hub.redb")));
        let admin = Actor {
            staff: "fuzz".into(),
            facility: CENTRE.into(),
            role: Role::Admin,
        };
        let facility = Facility {
            code: CENTRE.into(),
            name: "centre".into(),
            level: FacilityLevel::Township,
            county: "420921".into(),
            township: "420921100000".into(),
        };
        store
            .commit_one(&admin, Body::Facility(facility))
            .expect("facility");
        let form = NewResident {
            name: "fuzz resident".into(),
            birth_date: Some(Date::new(1970, 1, 1).expect("date")),
            hospital_cards: vec![(CENTRE.into(), "1".into())],
            ..Default::default()
        };
        let desk = Actor {
            role: Role::FrontDesk,
            ..admin
        };
        store.register(&desk, form).expect("resident");
        let device = Device {
            id: DEVICE.into(),
            facility: CENTRE.into(),
            name: "fuzz".into(),
            active: true,
            enrolled_at: 0,
            relay: false,
        };
        store
            .put_device(&hash_secret(TOKEN), &device)
            .expect("device");
        let mut hub = Hub::new(store, dir.path()).expect("hub");
        // The rate limit is a correct 429; lift it so fetches reach the store.
        hub.fetch_per_minute = u32::MAX;
        let admin = std::fs::read_to_string(sync::server::admin_token_path(dir.path()))
            .expect("admin token")
            .trim()
            .to_string();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Fixture {
            runtime,
            app: router(Arc::new(hub)),
            admin,
            _dir: dir,
        }
    })
}

/// Sends one input as a request. The input: a route byte, a flags byte, then the body.
pub fn run(data: &[u8]) {
    let (Some(&pick), Some(&flags)) = (data.first(), data.get(1)) else {
        return;
    };
    let raw = &data[2.min(data.len())..];
    let f = fixture();
    let route = ROUTES[pick as usize % ROUTES.len()];
    let method = if flags & 0x10 != 0 {
        Method::GET
    } else {
        Method::POST
    };
    // Compress the rest, so the fuzzer reaches the message decoders behind zlib.
    let body = if flags & 0x04 != 0 {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = z.write_all(raw);
        z.finish().unwrap_or_default()
    } else {
        raw.to_vec()
    };
    let mut request = Request::builder().method(method).uri(route);
    if flags & 0x02 != 0 {
        request = request.header("x-clinic-protocol", PROTOCOL_VERSION.to_string());
    }
    request = match flags & 0x01 != 0 {
        true if route.starts_with("/v1/admin") => {
            request.header("authorization", format!("Admin {}", f.admin))
        }
        true => request.header("authorization", format!("Bearer {TOKEN}")),
        false if flags & 0x08 != 0 => request.header("authorization", "Bearer not-a-token"),
        false => request,
    };
    let peer: SocketAddr = if flags & 0x20 != 0 {
        ([10, 0, 0, 5], 40000).into()
    } else {
        ([127, 0, 0, 1], 40000).into()
    };
    let request = request.body(HttpBody::from(body)).expect("a request");
    // As `serve` does: the peer address travels as an extension.
    let app = f.app.clone().layer(axum::Extension(ConnectInfo(peer)));
    let (status, answer) = f.runtime.block_on(async move {
        let response = app
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        (status, bytes)
    });
    assert!(
        !status.is_server_error(),
        "{route} answered {status}: {}",
        String::from_utf8_lossy(&answer)
    );
}
