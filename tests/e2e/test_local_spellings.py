"""The three spellings of an engagement id, and the region query, over the local stack."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from local.stack import EXAMPLE_ARN, EXAMPLE_PATH
from testing_support.stack import RunningStack
from tests.e2e.clients import curl_get, curl_has_sigv4, identity, signed_get

pytestmark = pytest.mark.e2e

COMMANDER = identity("IncidentCommander")
WEST_ARN = (
    "arn:aws:ssm-contacts:us-west-2:111122223333:engagement/edge_oncall/"
    "e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170"
)
SPELLINGS = {
    "contact-and-uuid": EXAMPLE_PATH,
    "raw-arn": f"/engagements/{EXAMPLE_ARN}",
    "encoded-arn": f"/engagements/{quote(EXAMPLE_ARN, safe='')}",
}


def test_all_three_spellings_give_the_same_bytes(local_stack: RunningStack) -> None:
    # Given the example engagement spelled three ways
    # When the commander reads each, signing with botocore
    answers = {
        name: signed_get(local_stack.url + path, COMMANDER) for name, path in SPELLINGS.items()
    }
    # Then each is served, byte for byte the same
    assert {name: answer.status for name, answer in answers.items()} == dict.fromkeys(
        SPELLINGS, 200
    )
    assert len({answer.body for answer in answers.values()}) == 1
    assert answers["raw-arn"].json()["EngagementArn"] == EXAMPLE_ARN


def test_region_query_reads_the_second_region(local_stack: RunningStack) -> None:
    # Given the us-west-2 engagement by contact and uuid, with the region named in the query
    path = "/engagements/edge_oncall/e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170?region=us-west-2"
    # When the commander reads it
    answer = signed_get(local_stack.url + path, COMMANDER)
    # Then it is the second region's engagement, the same as by its ARN
    assert answer.status == 200
    assert answer.json()["EngagementArn"] == WEST_ARN
    assert answer.body == signed_get(f"{local_stack.url}/engagements/{WEST_ARN}", COMMANDER).body


def test_without_region_query_the_first_served_region_is_used(local_stack: RunningStack) -> None:
    # Given the us-west-2 engagement's contact and uuid, without a region
    path = "/engagements/edge_oncall/e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170"
    # When the commander reads it
    answer = signed_get(local_stack.url + path, COMMANDER)
    # Then us-east-2 is asked, which has no such engagement
    assert answer.status == 404
    assert answer.json()["type"] == "urn:problem:engagement-proxy:engagement-not-found"


def test_curl_raw_arn_spelling_behaves_as_against_api_gateway(local_stack: RunningStack) -> None:
    if not curl_has_sigv4():
        pytest.skip("this machine's curl has no --aws-sigv4 (needs curl 7.75 or later)")
    # Given the raw-ARN curl command that `make local` prints
    url = f"{local_stack.url}/engagements/{EXAMPLE_ARN}"
    # When this machine's curl runs it
    answer, trace = curl_get(url, COMMANDER)
    # Then, as API Gateway would: a curl that signs the path encoded (curl 8.x, which prints
    # its canonical request with -v) is served; an older one that signs the colons raw (7.88)
    # is refused with a signature mismatch
    if "/engagements/arn%3Aaws%3Assm-contacts" in trace:
        assert answer.status == 200
        assert answer.body == signed_get(local_stack.url + EXAMPLE_PATH, COMMANDER).body
    else:
        assert answer.status == 403
        assert answer.json()["title"] == "Invalid signature"
