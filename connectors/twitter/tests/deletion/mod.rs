//! Deleting direct-message events (`DELETE /2/dm_events/:id`) against a
//! local server in the documented X API v2 shapes.

use inbox_connector_api::Location;
use inbox_connector_api::delete::Deletion;
use inbox_connector_x::XCredentials;
use serde_json::json;
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

fn at(n: u32) -> Location {
    Location {
        folder: ONE_TO_ONE.into(),
        remote_id: id(n),
    }
}

async fn answer(server: &MockServer, n: u32, response: ResponseTemplate) {
    Mock::given(method("DELETE"))
        .and(path(format!("{DM_EVENTS}/{}", id(n))))
        .and(header_exists("authorization"))
        .respond_with(response)
        .mount(server)
        .await;
}

#[tokio::test]
async fn deleted_and_missing_events_are_gone_server_errors_are_not() {
    let server = MockServer::start().await;
    answer(
        &server,
        1,
        ResponseTemplate::new(200).set_body_json(json!({"data": {"deleted": true}})),
    )
    .await;
    answer(&server, 2, ResponseTemplate::new(204)).await;
    let not_found = error_body(404, "Not Found Error", "Could not find the event");
    answer(
        &server,
        3,
        ResponseTemplate::new(404).set_body_json(not_found),
    )
    .await;
    let failing = error_body(500, "Internal Error", "Something broke");
    answer(
        &server,
        4,
        ResponseTemplate::new(500).set_body_json(failing),
    )
    .await;
    let weird = Location {
        folder: ONE_TO_ONE.into(),
        remote_id: "../users/me".into(),
    };
    let locations = [at(1), at(2), at(3), at(4), weird];
    let report = oauth1_connector(&server).delete(&locations).await;
    let outcomes: Vec<&Deletion> = report.outcomes.iter().map(|(_, d)| d).collect();
    assert_eq!(
        outcomes[..3],
        [
            &Deletion::Deleted,
            &Deletion::Deleted,
            &Deletion::AlreadyGone
        ]
    );
    assert!(
        matches!(outcomes[3], Deletion::Failed(why) if why.contains("500")),
        "{:?}",
        outcomes[3]
    );
    assert!(matches!(outcomes[4], Deletion::Failed(why) if why.contains("not an X event id")));
    assert_eq!(report.outcomes[3].0, at(4));
    // The 500 was retried as the policy says; the bad id never left.
    let path_4 = format!("{DM_EVENTS}/{}", id(4));
    assert_eq!(
        requests_to(&server, &path_4).await,
        fast_retry().attempts as usize
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3 + 3);
}

#[tokio::test]
async fn refused_credentials_stop_the_deletion() {
    let server = MockServer::start().await;
    let refusal = error_body(401, "Unauthorized", "Unauthorized");
    answer(
        &server,
        1,
        ResponseTemplate::new(401).set_body_json(refusal),
    )
    .await;
    answer(&server, 2, ResponseTemplate::new(204)).await;
    let report = connector(&server, XCredentials::OAuth1(oauth1_keys()))
        .delete(&[at(1), at(2)])
        .await;
    for (_, outcome) in &report.outcomes {
        assert!(
            matches!(outcome, Deletion::Failed(why) if why.contains("re-authorization")),
            "{outcome:?}"
        );
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
