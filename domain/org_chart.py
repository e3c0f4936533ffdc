"""Management chains of any depth: who is above whom, through people outside the cohort.

A reverse-mentoring pair inside one management chain is what the programme must avoid, however
many levels apart the two are and whoever sits between them. The organisation is given as each
person's manager (`manager_of`); everyone above someone is their chain. A cycle (A manages B
manages A) is a mistake in the data: `reporting_cycles` finds them for the files to refuse, and
the chains stop where a cycle would repeat, so a chain is always finite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

ManagerOf = Mapping[str, str | None]


def chain_above(person: str, manager_of: ManagerOf) -> tuple[str, ...]:
    """The person's manager, their manager's manager and so on to the top, nearest first."""
    chain: list[str] = []
    seen = {person}
    current = manager_of.get(person)
    while current is not None and current not in seen:
        chain.append(current)
        seen.add(current)
        current = manager_of.get(current)
    return tuple(chain)


def cohort_lines(cohort: Iterable[str], manager_of: ManagerOf) -> dict[str, tuple[str, ...]]:
    """For each member of the cohort, the members above them (any depth, through anyone), sorted.

    Only the cohort's own people are kept: that is all a pairing needs to know, and it keeps
    people who are not enrolled out of whatever carries the result.
    """
    members = set(cohort)
    return {
        person: tuple(sorted(m for m in chain_above(person, manager_of) if m in members))
        for person in sorted(members)
    }


def same_line(a: str, a_above: Iterable[str], b: str, b_above: Iterable[str]) -> bool:
    """Whether one is above the other: the rule is the same both ways."""
    return a in set(b_above) or b in set(a_above)


def reporting_cycles(manager_of: ManagerOf) -> list[list[str]]:
    """Every cycle of managers (someone managing, directly or not, themselves), each once, in the
    order the chain walks it and starting from the person met first in `manager_of`."""
    done: set[str] = set()
    cycles: list[list[str]] = []
    for start in manager_of:
        path: list[str] = []
        position: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done and node not in position:
            position[node] = len(path)
            path.append(node)
            node = manager_of.get(node)
        if node is not None and node in position:
            cycles.append(path[position[node] :])
        done.update(path)
    return cycles
