"""Connecting to Temporal with the converter every Tandem payload is written with."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter


class TemporalUnreachable(RuntimeError):
    """No Temporal server answered at `address`; the transport's own error is the cause.

    A command line shows a sentence of its own for it: the transport's error (a dump of tonic's
    connection error) tells a coordinator nothing; a log line keeps it.
    """

    def __init__(self, address: str, error: RuntimeError) -> None:
        super().__init__(f"cannot reach Temporal at {address}: {error}")
        self.address = address


async def connect_client(address: str, namespace: str = "default") -> Client:
    try:
        return await Client.connect(
            address, namespace=namespace, data_converter=pydantic_data_converter
        )
    except RuntimeError as error:
        raise TemporalUnreachable(address, error) from error
