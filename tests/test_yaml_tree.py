"""YAML as coordinators write it, turned into the tree the checks in domain/ read."""

from __future__ import annotations

import pytest

from control.yaml_tree import yaml_tree
from domain.matching_file import parse_matching_problem
from domain.programme_file import ProgrammeFileError
from domain.tree import Kind, ListNode, MapNode, Scalar, plain

PEOPLE = """\
mentors:
  - id: lea
    levels: &levels {linkedin: 4}
mentees:
  - id: marc
    targets: {<<: *levels, excel: 2}
"""


def test_values_keep_their_line_and_what_yaml_means_by_them() -> None:
    root = yaml_tree("f.yaml", b"a: 12\nb: '12'\nc: yes\nd:\ne: [1.5]\n")

    assert isinstance(root, MapNode)
    values = {key.text: value for key, value in root.entries if isinstance(key, Scalar)}
    assert [(v.line, v.kind, v.value) for v in values.values() if isinstance(v, Scalar)] == [
        (1, Kind.INT, 12),
        (2, Kind.OTHER, "12"),
        (3, Kind.BOOL, True),
        (4, Kind.NULL, None),
    ]
    assert isinstance(values["e"], ListNode) and values["e"].line == 5


def test_merge_keys_are_merged_in_matching_files() -> None:
    problem = parse_matching_problem(
        "f.yaml", yaml_tree("f.yaml", PEOPLE.encode(), merge_keys=True)
    )
    assert problem.mentees[0].targets == {"linkedin": 4, "excel": 2}


def test_an_alias_that_contains_itself_is_one_node_not_an_endless_tree() -> None:
    root = yaml_tree("f.yaml", b"a: &a [*a]\n")
    assert isinstance(root, MapNode)
    loop = root.entries[0][1]
    assert isinstance(loop, ListNode) and loop.items == [loop]
    document = plain(root)
    assert isinstance(document, dict) and document["a"][0] is document["a"]


def test_a_key_that_is_a_list_is_a_problem_on_its_line() -> None:
    text = PEOPLE + "? [a, b]\n: 1\n"
    with pytest.raises(ProgrammeFileError) as caught:
        parse_matching_problem("f.yaml", yaml_tree("f.yaml", text.encode()))
    assert [str(p) for p in caught.value.problems] == ["f.yaml:7: file: a key must be a plain name"]


def test_a_tag_yaml_cannot_build_is_read_as_typed() -> None:
    root = yaml_tree("f.yaml", b"a: !!python/object:os.system x\nb: 2027-13-45\n")
    assert plain(root) == {"a": "x", "b": "2027-13-45"}
