# Engagement Proxy: one entry point for every task. `make test` is what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
# Local mode's own virtualenv: the runtime only (65 MB, seconds to install), so that
# `make local` never waits for the development toolchain.
LOCAL_VENV := .venv-local
LOCAL_BIN := $(LOCAL_VENV)/bin
LOCAL_STAMP := $(LOCAL_VENV)/.installed-$(shell cksum < requirements-local.txt | cut -d' ' -f1)

# jsii (which runs the CDK library) calls Node 20 end-of-life and supports Node 22 and 24; on
# Node 20 it still works, but prints a 12-line banner on every start. This machine has Node 20
# only (v20.20.2), so the banner is silenced for Node 20 alone; Node 22 or 24 needs no setting.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1

.PHONY: venv lint format test check

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Everything CI runs: lint, then every test layer (unit, handler, property, infra, e2e).
test: lint
	$(BIN)/pytest

# The fast layers only, for the edit-test loop: pure logic, the handler through lambda_handler,
# and the property tests with the same derandomized examples as `make test`. No synth, no
# servers; 18 to 39 s on this shared 2-core machine, by load.
check: venv
	$(BIN)/pytest tests/unit tests/handler tests/property

# --- Infrastructure (CDK) ---------------------------------------------------------------
# `synth` needs only the venv (and Node, which jsii uses): it runs app.py, which reads cdk.json
# itself, so no CDK CLI and no AWS credentials. deploy, diff and destroy use the CLI pinned in
# package.json, installed by `npm ci` on first use.
CDK := npx --no-install cdk
# W3005: CDK adds DependsOn next to a GetAtt it already depends on; harmless, CDK's own doing.
CFN_LINT_IGNORE := W3005

.PHONY: synth cfn-lint deploy diff destroy

synth: venv
	rm -rf cdk.out
	$(BIN)/python app.py
	@$(MAKE) --no-print-directory cfn-lint

cfn-lint: venv
	$(BIN)/cfn-lint --ignore-checks $(CFN_LINT_IGNORE) -- cdk.out/*.template.json
	@echo "cfn-lint: no findings in $$(ls cdk.out/*.template.json) ($(CFN_LINT_IGNORE) ignored)"

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

deploy: venv node_modules/.package-lock.json
	$(CDK) deploy --require-approval broadening

diff: venv node_modules/.package-lock.json
	$(CDK) diff

destroy: venv node_modules/.package-lock.json
	$(CDK) destroy

# --- Local mode ------------------------------------------------------------------------------
# The whole proxy on this machine, no AWS account: a local SSM Contacts endpoint, the Lambda as
# worker processes, and a SigV4-checking gateway on 127.0.0.1:8080 (PORT=... to change).
# Prints a curl command per local identity; Ctrl-C stops everything. Runs in .venv-local, from
# requirements-local.txt; installing it prints each step on stderr, so that stdout holds only
# what local mode (or `make -s token`) prints.
.PHONY: local

$(LOCAL_STAMP): requirements-local.txt
	@test -x $(LOCAL_BIN)/python || { \
		echo "local: creating $(LOCAL_VENV) with $(PYTHON) -m venv (runtime only)" >&2; \
		$(PYTHON) -m venv --without-pip $(LOCAL_VENV); }
	@# The interpreter's own pip installs into it (pip 22.3+: --python), which saves the seconds
	@# ensurepip takes to put a pip of its own there; without one, ensurepip it is.
	@if $(PYTHON) -m pip --python $(LOCAL_BIN)/python --version >/dev/null 2>&1; then \
		pip="$(PYTHON) -m pip --python $(LOCAL_BIN)/python"; \
	else \
		echo "local: adding pip to $(LOCAL_VENV) (no pip with --python beside $(PYTHON))" >&2; \
		$(LOCAL_BIN)/python -m ensurepip --default-pip >&2 || exit 1; \
		pip="$(LOCAL_BIN)/python -m pip"; \
	fi; \
	echo "local: installing requirements-local.txt (boto3, Powertools, PyJWT) into $(LOCAL_VENV)" >&2; \
	$$pip install --disable-pip-version-check --progress-bar off -r requirements-local.txt >&2
	@rm -f $(LOCAL_VENV)/.installed-*
	@touch $@
	@echo "local: $(LOCAL_VENV) is ready" >&2

local: $(LOCAL_STAMP)
	$(LOCAL_BIN)/python -m local

# --- Dependency audit ------------------------------------------------------------------------
# Known vulnerabilities in the installed pinned dependencies fail the build; packages whose
# vulnerability data cannot be fetched are listed as unaudited, never reported as clean.
.PHONY: audit

audit: venv
	$(BIN)/python -m tools.dependency_audit

# --- Benchmark ---------------------------------------------------------------------------------
# Not part of `make test`: timings on a shared machine are evidence, not pass/fail. The handler
# and a bare boto3 client each in a process of their own (as their own Lambda containers),
# against the local SSM Contacts endpoint: CPU over the bare call warm (cache off, hits, 304s),
# cold starts with peak RSS, wall time against a 15 ms upstream, and dashboards polling. About 4
# minutes; BENCH_QUICK=1 for a short smoke run (figures meaningless). Writes
# benchmarks/results.md; last stdout line:
# `bench: warm_overhead_us=... hit_us=... cold_overhead_ms=... memory_ratio=... realistic_ratio=... upstream_per_request=...`
.PHONY: bench

bench: venv
	$(BIN)/python -m benchmarks.bench

# --- Local bearer tokens ---------------------------------------------------------------------
# Tokens from local mode's development identity provider (local/dev-signing-key.pem, trusted
# only by the local gateway). `make -s token` lists the identities (local/token_identities.json);
# `make -s token WHO=commander` prints only a bearer token, valid for an hour, e.g.
#   curl -H "Authorization: Bearer $(make -s token WHO=commander)" http://127.0.0.1:8080/engagements/...
.PHONY: token

token: $(LOCAL_STAMP)
	@$(LOCAL_BIN)/python -m local.tokens $(WHO)

# --- Bounded load ----------------------------------------------------------------------------
# 5,000 signed requests at 50 concurrent against a local stack of its own on a free loopback
# port (cache on): every identity, the three spellings, the second region, 304s, caller mistakes
# and fault switches. Stops by itself; fails unless lost=0 and mistiered=0. Last stdout line:
# `load: requests=... ok=... expected_errors=... lost=... mistiered=... p50_ms=... p99_ms=...`
.PHONY: load

load: venv
	$(BIN)/python -m benchmarks.load

# --- Fuzzing ---------------------------------------------------------------------------------
# The property tests (tests/property) with hypothesis' `fuzz` profile: at least 2,000 random
# examples per property instead of `make test`'s small derandomized run. Failing examples are
# kept in .hypothesis/ and replayed first next time. Then Schemathesis against a local stack
# (tests/e2e/test_schemathesis.py): 100 random examples per operation and caller instead of 6,
# and its coverage phase; SCHEMATHESIS_MAX_EXAMPLES=... for another number.
.PHONY: fuzz

fuzz: venv
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/property
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/e2e/test_schemathesis.py
