"""The API guide's errors table names every problem the Lambda can answer, with its status."""

from __future__ import annotations

import inspect

from engagement_proxy import errors
from engagement_proxy.problems import INTERNAL_ERROR, ProblemKind, kind_of
from testing_support.docs import doc_table


def kinds_the_lambda_answers() -> set[ProblemKind]:
    """The problem of each domain error, and of anything unexpected."""
    found = {INTERNAL_ERROR}
    for _, cls in inspect.getmembers(errors, inspect.isclass):
        if issubclass(cls, errors.ProxyError) and cls is not errors.ProxyError:
            error = cls("detail", 1) if cls is errors.UpstreamThrottled else cls("detail")
            found.add(kind_of(error))
    return found


def test_every_problem_of_the_lambda_is_a_row_of_the_api_guides_errors_table() -> None:
    # Given every problem the Lambda can answer
    kinds = kinds_the_lambda_answers()
    # When the API guide's errors table is read
    rows = doc_table("docs/api.md", "Errors", "status")
    documented = {(int(status), slug.strip("`")) for status, slug, *_ in rows}
    # Then each problem is a row with its status, and no row names a problem there is not
    assert {(kind.status, kind.slug) for kind in kinds} == documented
