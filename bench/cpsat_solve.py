"""OR-Tools CP-SAT on a matching instance written by bench/peer_matching.py.

Run as a script by the interpreter that has OR-Tools (`.tandem/cpsat/bin/python`, see the
Makefile): it imports only the standard library, numpy and OR-Tools, never Tandem, because
OR-Tools pins a protobuf older than the one Tandem's Temporal SDK is locked at.

    python bench/cpsat_solve.py INSTANCE.npz SECONDS WORKERS

The instance: `rows`, `cols`, `weights` (one entry per compatible pair, integer-scaled score plus
the participation bonus), `slots` (each mentor's capacity) and `forced` (mentee, mentor pairs).
Prints one JSON object: the status, the chosen pairs and the seconds spent building and solving.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import ortools
from ortools.sat.python import cp_model


def build(instance: np.lib.npyio.NpzFile) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    rows, cols, weights = instance["rows"], instance["cols"], instance["weights"]
    slots = instance["slots"]
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"x{k}") for k in range(len(rows))]
    # Pair k is (rows[k], cols[k]); group the variables by mentee and by mentor.
    by_row: dict[int, list[cp_model.IntVar]] = {}
    by_col: dict[int, list[cp_model.IntVar]] = {}
    for var, i, j in zip(chosen, rows.tolist(), cols.tolist(), strict=True):
        by_row.setdefault(i, []).append(var)
        by_col.setdefault(j, []).append(var)
    for group in by_row.values():
        model.add_at_most_one(group)  # a mentee has one mentor at most
    for j, group in by_col.items():
        model.add(sum(group) <= int(slots[j]))  # a mentor takes up to their capacity
    index = {(i, j): k for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True))}
    for i, j in instance["forced"].tolist():
        model.add(chosen[index[(i, j)]] == 1)
    model.maximize(cp_model.LinearExpr.weighted_sum(chosen, weights.tolist()))
    return model, chosen


def main() -> None:
    path, seconds, workers = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    instance = np.load(path)
    started = time.perf_counter()
    model, chosen = build(instance)
    built = time.perf_counter()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    solved = time.perf_counter()
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    picked = [k for k, var in enumerate(chosen) if found and solver.boolean_value(var)]
    print(
        json.dumps(
            {
                "version": ortools.__version__,
                "status": solver.status_name(status),
                "picked": picked,
                "objective": solver.objective_value if found else None,
                "bound": solver.best_objective_bound,
                "build_s": built - started,
                "solve_s": solved - built,
            }
        )
    )


if __name__ == "__main__":
    main()
