//! The hub against careless and hostile requests: a real hub (TLS on loopback, in this
//! process), raw HTTP requests, and the answers checked byte for byte where it matters.
//!
//! Every refusal is followed by a normal request, so "refused" also means "still serving".

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use storage::model::{Body, Facility, FacilityLevel, Identifier, Role};
use storage::{Actor, Date, NewResident, OpenOptions, Store};
use sync::protocol::*;
use sync::server::LocalHub;

const CENTRE: &str = fixtures::catalogue::TOWNSHIP_CENTRE;
/// A facility of another county: its residents are outside the region of CENTRE's devices.
const FAR: &str = "H11010100001";

/// The one place this file opens a store.
fn open_store(path: &Path) -> Store {
    Store::open(
        path,
        OpenOptions::new("hub edges test secret").fast_kdf_for_tests(),
    )
    .expect("open store")
}

fn actor(facility: &str, role: Role) -> Actor {
    Actor {
        staff: "edge".into(),
        facility: facility.into(),
        role,
    }
}

/// A fetch request for `identifier`, as a workstation sends it.
fn fetch_request(identifier: Identifier) -> FetchRequest {
    FetchRequest {
        identifier,
        break_glass: None,
    }
}

fn card(facility: &str, number: &str) -> Identifier {
    Identifier::HospitalCard {
        facility: facility.into(),
        number: number.into(),
    }
}

/// A hub with two facilities in two counties and one resident in each, and an HTTP client
/// that pins its certificate.
struct Edge {
    dir: tempfile::TempDir,
    hub: LocalHub,
    http: reqwest::blocking::Client,
    admin: String,
}

/// An answer: status and body, nothing else.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    body: Vec<u8>,
}

/// Who signs a request.
#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Device(&'a str),
    Admin(&'a str),
}

impl Edge {
    fn start() -> Edge {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(open_store(&dir.path().join("hub/hub.redb")));
        let admin = actor("hub", Role::Admin);
        for (code, county, township, level) in [
            (CENTRE, "420921", "420921100000", FacilityLevel::Township),
            (FAR, "110101", "110101001000", FacilityLevel::County),
        ] {
            let facility = Facility {
                code: code.into(),
                name: code.into(),
                level,
                county: county.into(),
                township: township.into(),
            };
            store.commit_one(&admin, Body::Facility(facility)).unwrap();
        }
        for (facility, number) in [(CENTRE, "NEAR-1"), (FAR, "FAR-1")] {
            let form = NewResident {
                name: format!("resident {number}"),
                birth_date: Some(Date::new(1960, 5, 1).unwrap()),
                hospital_cards: vec![(facility.into(), number.into())],
                ..Default::default()
            };
            store
                .register(&actor(facility, Role::FrontDesk), form)
                .unwrap();
        }
        let hub = LocalHub::start(&dir.path().join("hub"), store).unwrap();
        let tls = sync::tls::client_config(&hub.fingerprint).unwrap();
        let http = reqwest::blocking::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let admin =
            std::fs::read_to_string(sync::server::admin_token_path(&dir.path().join("hub")))
                .unwrap()
                .trim()
                .to_string();
        Edge {
            dir,
            hub,
            http,
            admin,
        }
    }

    /// A workstation store enrolled at CENTRE, and its token.
    fn workstation(&self, name: &str) -> (Store, String) {
        let store = open_store(&self.dir.path().join(name).join("clinic.redb"));
        let config = self.hub.enrol(&store, CENTRE).unwrap();
        (store, config.token)
    }

    /// Sends `body` to `route` with the given version header (None: no header).
    fn send(&self, route: &str, auth: Auth, version: Option<&str>, body: Vec<u8>) -> Answer {
        let mut request = self
            .http
            .post(format!("{}{route}", self.hub.url))
            .header("content-type", CONTENT_TYPE)
            .body(body);
        if let Some(v) = version {
            request = request.header("x-clinic-protocol", v);
        }
        request = match auth {
            Auth::None => request,
            Auth::Device(t) => request.header("authorization", format!("Bearer {t}")),
            Auth::Admin(t) => request.header("authorization", format!("Admin {t}")),
        };
        let response = request.send().expect("the hub answers");
        Answer {
            status: response.status().as_u16(),
            body: response.bytes().expect("a whole body").to_vec(),
        }
    }

    fn post(&self, route: &str, auth: Auth, body: Vec<u8>) -> Answer {
        self.send(route, auth, Some(&PROTOCOL_VERSION.to_string()), body)
    }

    fn fetch(&self, token: &str, identifier: Identifier) -> Answer {
        self.post(
            route::FETCH,
            Auth::Device(token),
            encode(&fetch_request(identifier)),
        )
    }

    /// A normal pull with a valid token succeeds: the hub is still serving.
    fn assert_serving(&self, token: &str) {
        let answer = self.post(
            route::PULL,
            Auth::Device(token),
            encode(&PullRequest {
                cursor: 0,
                limit: 10,
                epoch: 0,
            }),
        );
        assert_eq!(
            answer.status,
            200,
            "{:?}",
            String::from_utf8_lossy(&answer.body)
        );
        decode::<PullResponse>(&answer.body).expect("a pull response");
    }
}

fn zlib(raw: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(raw).unwrap();
    z.finish().unwrap()
}

/// Bodies no decoder may accept as `T`: garbage, nothing, cut short (compressed or not),
/// well-compressed postcard garbage, and a bomb that inflates past the limit.
fn malformed<T: serde::Serialize>(valid: &T) -> Vec<(&'static str, Vec<u8>)> {
    let encoded = encode(valid);
    let raw = postcard::to_stdvec(valid).unwrap();
    vec![
        ("garbage", b"this is not a sync message".to_vec()),
        ("empty", Vec::new()),
        ("truncated zlib", encoded[..encoded.len() / 2].to_vec()),
        ("zlib of truncated postcard", zlib(&raw[..raw.len() / 2])),
        ("zlib of postcard garbage", zlib(&[0xff; 24])),
        ("postcard without zlib", raw),
        (
            "inflation bomb",
            zlib(&vec![0u8; MAX_INFLATED as usize + 1024]),
        ),
    ]
}

#[test]
fn an_oversize_body_gets_413_and_the_hub_keeps_serving() {
    let edge = Edge::start();
    let (_ws, token) = edge.workstation("ws");
    for route in [route::PUSH, route::ENROL] {
        let answer = edge.post(route, Auth::Device(&token), vec![0u8; MAX_BODY + 1]);
        assert_eq!(answer.status, 413, "{route}");
    }
    edge.assert_serving(&token);
}

#[test]
fn malformed_bodies_get_400_on_every_route_and_the_hub_keeps_serving() {
    let edge = Edge::start();
    let (_ws, token) = edge.workstation("ws");
    let cases: Vec<(&str, Auth, Vec<(&str, Vec<u8>)>)> = vec![
        (
            route::ENROL,
            Auth::None,
            malformed(&EnrolRequest {
                code: "ABCD-EFGH-JKMN".into(),
                device: "some-device-id".into(),
            }),
        ),
        (
            route::PUSH,
            Auth::Device(&token),
            malformed(&PushRequest {
                entries: vec![PushEntry {
                    id: storage::Id(7),
                    version: 1,
                    change: vec![1, 2, 3, 4, 5, 6, 7, 8],
                }],
            }),
        ),
        (
            route::PULL,
            Auth::Device(&token),
            malformed(&PullRequest {
                cursor: 1 << 40,
                limit: 1000,
                epoch: 1 << 50,
            }),
        ),
        (
            route::FETCH,
            Auth::Device(&token),
            malformed(&fetch_request(card(CENTRE, "NEAR-1"))),
        ),
        (
            route::ADMIN_ENROL,
            Auth::Admin(&edge.admin),
            malformed(&AdminEnrolRequest {
                facility: CENTRE.into(),
                name: "a workstation with a long name".into(),
                relay: false,
            }),
        ),
        (
            route::ADMIN_REVOKE,
            Auth::Admin(&edge.admin),
            malformed(&AdminRevokeRequest {
                device: "some-device-id-that-is-long".into(),
            }),
        ),
    ];
    for (route, auth, bodies) in cases {
        for (what, body) in bodies {
            let answer = edge.post(route, auth, body);
            assert_eq!(
                answer.status,
                400,
                "{route}, {what}: {}",
                String::from_utf8_lossy(&answer.body)
            );
            edge.assert_serving(&token);
        }
    }
}

#[test]
fn a_missing_or_wrong_protocol_version_is_refused() {
    let edge = Edge::start();
    let (_ws, token) = edge.workstation("ws");
    let pull = encode(&PullRequest {
        cursor: 0,
        limit: 10,
        epoch: 0,
    });
    let enrol = encode(&EnrolRequest {
        code: "ABCD-EFGH-JKMN".into(),
        device: "x".into(),
    });
    let newer = (PROTOCOL_VERSION + 1).to_string();
    let versions = [
        None,
        Some("0"),
        Some(&newer),
        Some("1.0"),
        Some("one"),
        Some(""),
    ];
    for version in versions {
        for (route, auth, body) in [
            (route::PULL, Auth::Device(&token), &pull),
            (route::PUSH, Auth::Device(&token), &pull),
            (route::FETCH, Auth::Device(&token), &pull),
            (route::ENROL, Auth::None, &enrol),
            (route::ADMIN_ENROL, Auth::Admin(&edge.admin), &pull),
        ] {
            let answer = edge.send(route, auth, version, body.clone());
            // 409 is what the protocol documents; any other 4xx would do as a refusal.
            assert_eq!(answer.status, 409, "{route} with version {version:?}");
        }
    }
    edge.assert_serving(&token);
}

#[test]
fn an_unknown_route_gets_404() {
    let edge = Edge::start();
    let (_ws, token) = edge.workstation("ws");
    for route in [
        "/",
        "/v1",
        "/v1/unknown",
        "/v2/push",
        "/v1/admin",
        "/v1/push/extra",
    ] {
        let answer = edge.post(route, Auth::Device(&token), encode(&0u8));
        assert_eq!(answer.status, 404, "{route}");
    }
    edge.assert_serving(&token);
}

#[test]
fn no_token_an_unknown_token_and_a_revoked_token_are_refused_alike() {
    let edge = Edge::start();
    let (_ws, token) = edge.workstation("ws");
    let (revoked_ws, revoked) = edge.workstation("revoked");
    edge.assert_serving(&revoked);
    let answer = edge.post(
        route::ADMIN_REVOKE,
        Auth::Admin(&edge.admin),
        encode(&AdminRevokeRequest {
            device: revoked_ws.device().into(),
        }),
    );
    assert_eq!(answer.status, 204);

    let unknown = sync::server::random_secret(32);
    let bodies = [
        (
            route::PUSH,
            encode(&PushRequest {
                entries: Vec::new(),
            }),
        ),
        (
            route::PULL,
            encode(&PullRequest {
                cursor: 0,
                limit: 10,
                epoch: 0,
            }),
        ),
        (route::FETCH, encode(&fetch_request(card(CENTRE, "NEAR-1")))),
    ];
    for (route, body) in &bodies {
        let answers: Vec<Answer> = [
            Auth::None,
            Auth::Device(""),
            Auth::Device(&unknown),
            Auth::Device(&revoked),
            // A device token is not an admin token, and the admin token is no device token.
            Auth::Admin(&token),
            Auth::Device(&edge.admin),
        ]
        .into_iter()
        .map(|auth| edge.post(route, auth, body.clone()))
        .collect();
        for a in &answers {
            assert_eq!(a, &answers[0], "{route}: every refusal is the same");
        }
        assert_eq!(answers[0].status, 401, "{route}");
        let text = String::from_utf8_lossy(&answers[0].body);
        assert!(
            !text.contains("NEAR-1") && !text.contains(revoked_ws.device()),
            "{text}"
        );
    }
    // The trust list (a GET) is refused the same way.
    let trust = |auth: Option<&str>| {
        let mut request = edge
            .http
            .get(format!("{}{}", edge.hub.url, route::TRUST_LIST))
            .header("x-clinic-protocol", PROTOCOL_VERSION.to_string());
        if let Some(t) = auth {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        request.send().unwrap().status().as_u16()
    };
    assert_eq!(trust(None), 401);
    assert_eq!(trust(Some(&unknown)), 401);
    assert_eq!(trust(Some(&revoked)), 401);
    // Admin routes refuse device tokens and wrong admin tokens.
    for auth in [Auth::None, Auth::Admin(&token), Auth::Admin(&unknown)] {
        let answer = edge.post(
            route::ADMIN_ENROL,
            auth,
            encode(&AdminEnrolRequest {
                facility: CENTRE.into(),
                name: "x".into(),
                relay: false,
            }),
        );
        assert_eq!(answer.status, 401);
    }
    edge.assert_serving(&token);
}

#[test]
fn a_resident_outside_the_region_looks_exactly_like_no_resident() {
    let edge = Edge::start();
    let (_ws, token) = edge.workstation("ws");
    let store = &edge.hub.store;
    assert!(
        store
            .find_by_identifier(&card(FAR, "FAR-1"))
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .find_by_identifier(&card(FAR, "NOBODY"))
            .unwrap()
            .is_none()
    );

    // In the region the resident comes back: the look-up works at all.
    let near = edge.fetch(&token, card(CENTRE, "NEAR-1"));
    assert_eq!(near.status, 200);
    assert!(
        !decode::<FetchResponse>(&near.body)
            .unwrap()
            .changes
            .is_empty()
    );

    let far = edge.fetch(&token, card(FAR, "FAR-1"));
    let nobody = edge.fetch(&token, card(FAR, "NOBODY"));
    assert_eq!(far.status, 200);
    assert_eq!(far, nobody, "outside the region must look like unknown");
    assert!(
        decode::<FetchResponse>(&far.body)
            .unwrap()
            .changes
            .is_empty()
    );

    // Unenrolled and revoked devices learn nothing either: same answer, whoever they ask for.
    let (revoked_ws, revoked) = edge.workstation("revoked");
    edge.post(
        route::ADMIN_REVOKE,
        Auth::Admin(&edge.admin),
        encode(&AdminRevokeRequest {
            device: revoked_ws.device().into(),
        }),
    );
    let unknown = sync::server::random_secret(32);
    for t in [unknown.as_str(), revoked.as_str()] {
        let answers: Vec<Answer> = [
            card(CENTRE, "NEAR-1"),
            card(FAR, "FAR-1"),
            card(FAR, "NOBODY"),
        ]
        .into_iter()
        .map(|id| edge.fetch(t, id))
        .collect();
        assert_eq!(answers[0].status, 401);
        assert_eq!(answers[0], answers[1]);
        assert_eq!(answers[0], answers[2]);
    }
    edge.assert_serving(&token);
}

#[test]
fn an_enrolment_code_works_once() {
    let edge = Edge::start();
    let issued = edge.post(
        route::ADMIN_ENROL,
        Auth::Admin(&edge.admin),
        encode(&AdminEnrolRequest {
            facility: CENTRE.into(),
            name: "front desk".into(),
            relay: false,
        }),
    );
    assert_eq!(issued.status, 200);
    let code = decode::<AdminEnrolResponse>(&issued.body).unwrap().code;
    let enrol = |code: &str, device: &str| {
        edge.post(
            route::ENROL,
            Auth::None,
            encode(&EnrolRequest {
                code: code.into(),
                device: device.into(),
            }),
        )
    };
    let first = enrol(&code, "device-a");
    assert_eq!(first.status, 200);
    let answer = decode::<EnrolResponse>(&first.body).unwrap();
    assert_eq!(answer.facility, CENTRE);
    edge.assert_serving(&answer.token);

    // Again, as typed, or typed differently (case and dashes do not matter to a code).
    let spelled = code.replace('-', "").to_lowercase();
    for (again, device) in [
        (&code, "device-a"),
        (&code, "device-b"),
        (&spelled, "device-c"),
    ] {
        let refused = enrol(again, device);
        assert_eq!(refused.status, 401, "{again} for {device}");
        assert!(decode::<EnrolResponse>(&refused.body).is_err());
    }
    let devices: Vec<String> = edge
        .hub
        .store
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(devices, vec!["device-a".to_string()]);
    // A code never issued is refused the same way.
    assert_eq!(
        enrol("ABCD-EFGH-JKMN", "device-d"),
        enrol(&code, "device-d")
    );
    edge.assert_serving(&answer.token);

    // A fresh code cannot enrol under an enrolled workstation's id (its holder could push as
    // that workstation), and stays good for a workstation with its own id.
    let fresh = decode::<AdminEnrolResponse>(
        &edge
            .post(
                route::ADMIN_ENROL,
                Auth::Admin(&edge.admin),
                encode(&AdminEnrolRequest {
                    facility: CENTRE.into(),
                    name: "intruder".into(),
                    relay: false,
                }),
            )
            .body,
    )
    .unwrap()
    .code;
    let hijack = enrol(&fresh, "device-a");
    assert_eq!(hijack.status, 409);
    assert!(decode::<EnrolResponse>(&hijack.body).is_err());
    assert_eq!(enrol(&fresh, "device-e").status, 200);
    let mut ids: Vec<String> = edge
        .hub
        .store
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    ids.sort();
    assert_eq!(ids, vec!["device-a".to_string(), "device-e".to_string()]);
}

#[test]
fn a_malformed_change_in_a_push_is_rejected_alone() {
    let edge = Edge::start();
    let (ws, token) = edge.workstation("ws");
    let form = NewResident {
        name: "pushed resident".into(),
        birth_date: Some(Date::new(1980, 1, 2).unwrap()),
        ..Default::default()
    };
    ws.register(&actor(CENTRE, Role::FrontDesk), form).unwrap();
    let pending = ws.pending(0, 100).unwrap();
    assert_eq!(pending.len(), 2, "the resident and its audit entry");
    let good: Vec<PushEntry> = pending
        .iter()
        .map(|e| PushEntry {
            id: e.change.id,
            version: e.version,
            change: e.change.encode().unwrap(),
        })
        .collect();
    let mut truncated = good[0].change.clone();
    truncated.truncate(truncated.len() / 2);
    // Someone else's change, under its own id: this device may not push it.
    let mut forged = pending[0].change.clone();
    forged.id = ws.new_id();
    forged.origin.device = "another-device".into();
    let entries = vec![
        PushEntry {
            id: ws.new_id(),
            version: 1,
            change: b"not a change at all".to_vec(),
        },
        good[0].clone(),
        PushEntry {
            id: ws.new_id(),
            version: 1,
            change: truncated,
        },
        PushEntry {
            // A well-formed change under another entry id.
            id: ws.new_id(),
            version: 1,
            change: good[0].change.clone(),
        },
        PushEntry {
            id: forged.id,
            version: 1,
            change: forged.encode().unwrap(),
        },
        PushEntry {
            id: ws.new_id(),
            version: 1,
            change: Vec::new(),
        },
        good[1].clone(),
    ];
    let answer = edge.post(
        route::PUSH,
        Auth::Device(&token),
        encode(&PushRequest {
            entries: entries.clone(),
        }),
    );
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let results = decode::<PushResponse>(&answer.body).unwrap().results;
    assert_eq!(results.len(), entries.len());
    for (i, ((id, version, result), entry)) in results.iter().zip(&entries).enumerate() {
        assert_eq!(
            (*id, *version),
            (entry.id, entry.version),
            "entry {i} echoed"
        );
        let stored = i == 1 || i == entries.len() - 1;
        match result {
            EntryResult::Stored => assert!(stored, "entry {i} must be refused"),
            EntryResult::Rejected(reason) => {
                assert!(!stored, "entry {i} must be stored: {reason}")
            }
            EntryResult::Duplicate => panic!("entry {i}: nothing was held before"),
            EntryResult::Later(reason) => panic!("entry {i} deferred: {reason}"),
        }
    }
    // The good ones are held; the bad ones left nothing behind.
    let hub = &edge.hub.store;
    for (i, e) in entries.iter().enumerate() {
        let held = hub.change(e.id).unwrap().is_some();
        assert_eq!(held, i == 1 || i == entries.len() - 1, "entry {i}");
    }
    // A resend of the whole request: the good ones are duplicates, the bad ones still refused.
    let again = edge.post(
        route::PUSH,
        Auth::Device(&token),
        encode(&PushRequest { entries }),
    );
    let results = decode::<PushResponse>(&again.body).unwrap().results;
    let duplicates = results
        .iter()
        .filter(|(_, _, r)| *r == EntryResult::Duplicate)
        .count();
    assert_eq!(duplicates, 2);
    edge.assert_serving(&token);
}
