"""Role permissions: each endpoint needs one; a credential without it gets 403 in its API's own words."""

from simtest_helpers import GET_ACCOUNT, POLICY_READ, fetch_token, first_error, sample

from simulator import ALL_PERMISSIONS, DEFAULT_API1_ACCESS_KEY, DEFAULT_API2_CLIENT_ID

DASHBOARD_READ = "Account | Dashboard | Read"


def test_get_account_declares_the_dashboard_read_permission(admin):
    declared = {e["path"]: e["permission"] for e in admin.endpoints()}
    assert declared[GET_ACCOUNT] == DASHBOARD_READ


def test_credentials_have_every_integration_permission_by_default(admin):
    credentials = admin.credentials()
    assert set(credentials["api1"][0]["permissions"]) == ALL_PERMISSIONS
    assert set(credentials["api2"][0]["permissions"]) == ALL_PERMISSIONS
    # Every permission an endpoint needs is one the built-in credentials hold.
    assert {e["permission"] for e in admin.endpoints() if e["permission"]} == ALL_PERMISSIONS


def test_api2_client_without_the_permission_gets_app_forbidden(admin, api2):
    admin.set_permissions(sorted(ALL_PERMISSIONS - {DASHBOARD_READ}), client_id=DEFAULT_API2_CLIENT_ID)
    response = api2()
    assert response.status_code == 403
    assert response.json() == sample("error_api2_app_forbidden.json")
    # Only the endpoint needing the removed permission is refused.
    assert api2(POLICY_READ).status_code == 200


def test_api1_binding_without_the_permission_gets_forbidden(admin, api1):
    admin.set_permissions(sorted(ALL_PERMISSIONS - {DASHBOARD_READ}), access_key=DEFAULT_API1_ACCESS_KEY)
    response = api1()
    assert response.status_code == 403
    assert response.json()["meta"]["status"] == 403
    assert first_error(response) == {"code": "err_xdk_forbidden", "message": "Forbidden", "retryable": False}
    assert api1(POLICY_READ).status_code == 200


def test_permissions_granted_again_at_run_time_take_effect(admin, api1, api2):
    admin.set_permissions([], access_key=DEFAULT_API1_ACCESS_KEY)
    admin.set_permissions([], client_id=DEFAULT_API2_CLIENT_ID)
    assert api1().status_code == 403
    assert api2().status_code == 403
    admin.set_permissions([DASHBOARD_READ], access_key=DEFAULT_API1_ACCESS_KEY)
    admin.set_permissions([DASHBOARD_READ], client_id=DEFAULT_API2_CLIENT_ID)
    assert api1().status_code == 200
    assert api2().status_code == 200
    assert api2(POLICY_READ).status_code == 403


def test_credential_added_with_limited_permissions(sim, admin, api2):
    admin.add_api2_client("reader", "reader-secret", permissions=["Gateway | Policies | Read"])
    token = fetch_token(sim.url, "reader", "reader-secret").json()["access_token"]
    assert api2(token=token).status_code == 403
    assert api2(POLICY_READ, token=token).status_code == 200
