"""The Lambda entry point: read the event, call the flow, answer, write what operators see.

Both API Gateway entrances reach this one function: the REST API (v1 events, SigV4) and the
HTTP API (v2 events, JWT authorizer). `entrances` reads either; `service` does the rest.
"""

from __future__ import annotations

import gc

# Init allocates tens of thousands of objects that live as long as the container (botocore's
# models above all): collecting while they are created only scans them again and again. Paused
# here, frozen out of later collections once init is done.
gc.disable()

import os
from collections.abc import Mapping
from typing import Any

from engagement_proxy.entrances import read_request, request_id_of
from engagement_proxy.observe import (
    audit_record,
    log_invalid_configuration,
    observe,
    observe_error,
    start_request,
)
from engagement_proxy.problems import problem_for
from engagement_proxy.replies import problem_reply
from engagement_proxy.runtime import Runtime, build_runtime
from engagement_proxy.service import Progress, serve


def cold_start(environ: Mapping[str, str]) -> Runtime:
    """Built once per container; with bad settings it serves nobody, and says why at once."""
    runtime = build_runtime(environ)
    if runtime.settings is not None and runtime.upstream is not None:
        # The first request should not pay for loading the service model.
        runtime.upstream.client(runtime.settings.default_region)
    if runtime.config_error is not None:
        log_invalid_configuration(
            runtime.config_error, "Invalid configuration: no request will be served"
        )
    return runtime


RUNTIME = cold_start(os.environ)
gc.freeze()
gc.enable()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request_id = request_id_of(event)
    start_request(context, request_id)
    progress = Progress()
    error: Exception | None = None
    try:
        reply = serve(read_request(event), RUNTIME, progress)
    except Exception as failure:  # every error is answered, closed, and logged once
        error = failure
        problem = problem_for(error)
        observe_error(error, problem, RUNTIME.config_error)
        reply = problem_reply(problem, request_id)
    observe(audit_record(progress, reply.outcome, reply.status, error), progress)
    return reply.response()
