"""Optional X-Ray subsegments around upstream calls, for sampled requests only.

Lambda's active tracing already records every invocation; this adds the upstream call's own
subsegment when TRACE_UPSTREAM is on. The X-Ray SDK is imported only then: it costs about 40 ms
of cold start, which an engineer's first curl of the day would pay.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class UpstreamTracer:
    def __init__(self, tracer: Any) -> None:
        self._provider = tracer.provider

    @contextmanager
    def span(self, name: str) -> Iterator[None]:
        """A subsegment `name` if Lambda sampled this request. A failure is annotated with its
        code only, and re-raised outside the subsegment: X-Ray records an exception crossing a
        subsegment with its message, and a message may hold data traces must never carry."""
        if "Sampled=1" not in os.environ.get("_X_AMZN_TRACE_ID", ""):
            yield
            return
        failure: BaseException | None = None
        with self._provider.in_subsegment(name) as subsegment:
            try:
                yield
            except Exception as error:
                failure = error
                code = getattr(error, "upstream_code", None)
                subsegment.put_annotation("upstream_error", code or type(error).__name__)
        if failure is not None:
            raise failure


def upstream_tracer() -> UpstreamTracer:
    from aws_lambda_powertools import Tracer  # only with tracing on: it imports the X-Ray SDK

    # No library patching: X-Ray's botocore patch costs every upstream call even unsampled.
    return UpstreamTracer(Tracer(patch_modules=[]))
