# Engagement Proxy: one entry point for every task. `make test` is what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1

.PHONY: venv lint format test unit

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

test: lint
	$(BIN)/pytest

unit: venv
	$(BIN)/pytest tests/unit tests/handler

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
# Prints a curl command per local identity; Ctrl-C stops everything.
.PHONY: local

local: venv
	$(BIN)/python -m local

# --- Dependency audit ------------------------------------------------------------------------
# Known vulnerabilities in the installed pinned dependencies fail the build; packages whose
# vulnerability data cannot be fetched are listed as unaudited, never reported as clean.
.PHONY: audit

audit: venv
	$(BIN)/python -m tools.dependency_audit

# --- Benchmark ---------------------------------------------------------------------------------
# Not part of `make test`: timings on a shared machine are evidence, not pass/fail. Against the
# local SSM Contacts endpoint over loopback: warm handler vs bare boto3, cache hits, 304 vs 200,
# cold starts, and a polling simulation. Writes benchmarks/results.md; last stdout line:
# `bench: warm_ratio=... cache_hit_ratio=... not_modified_ratio=... cold_ratio=... upstream_per_request=...`
.PHONY: bench

bench: venv
	$(BIN)/python -m benchmarks.bench

# --- Local bearer tokens ---------------------------------------------------------------------
# Tokens from local mode's development identity provider (local/dev-signing-key.pem, trusted
# only by the local gateway). `make -s token` lists the identities (local/token_identities.json);
# `make -s token WHO=commander` prints only a bearer token, valid for an hour, e.g.
#   curl -H "Authorization: Bearer $(make -s token WHO=commander)" http://127.0.0.1:8080/engagements/...
.PHONY: token

token: venv
	@$(BIN)/python -m local.tokens $(WHO)

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
