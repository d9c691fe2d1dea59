"""Loading rule files: broken rules fail at start-up with the file, the rule, the field."""

from pathlib import Path

import pytest

from bot.diagnosis.rules import load_rule_file, load_rules
from bot.errors import RuleError

GOOD = """
id: my-rule
title: Something specific
severity: high
when:
  all:
    - field: exit_code
      equals: 3
    - log: 'lock file (?P<path>\\S+) exists'
explanation: Container {container} found the lock file {path}.
fixes:
  - "Delete {path}."
"""


def write(tmp_path: Path, text: str, name: str = "my-rule.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_a_valid_rule_loads_and_its_regex_groups_are_placeholders(tmp_path: Path) -> None:
    [rule] = load_rule_file(write(tmp_path, GOOD))
    assert rule.id == "my-rule"
    assert rule.matcher.variables() == frozenset({"path"})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("severity: high", "severity: urgent"), "severity"),
        (("title: Something specific", "title: Something specific\ncolour: red"), "colour"),
        (("      equals: 3", "      equals: 3\n      gte: 1"), "several operators"),
        (("field: exit_code", "field: exitcode"), "unknown field 'exitcode'"),
        (("log: 'lock file (?P<path>\\S+) exists'", "log: 'lock file ([a-z'"), "invalid regex"),
        (("Delete {path}.", "Delete {missing}."), "unknown placeholder {missing}"),
        (("id: my-rule", "id: My Rule"), "id"),
        (('fixes:\n  - "Delete {path}."', "fixes: []"), "fixes"),
    ],
    ids=[
        "bad-severity",
        "unknown-key",
        "two-operators",
        "unknown-field",
        "bad-regex",
        "unknown-placeholder",
        "bad-id",
        "no-fixes",
    ],
)
def test_broken_rule_names_file_rule_and_problem(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RuleError) as err:
        load_rule_file(path)
    message = str(err.value)
    assert str(path) in message
    assert expected in message


def test_a_condition_with_two_kinds_is_rejected(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    - field: exit_code\n      equals: 3\n",
        "    - field: exit_code\n      equals: 3\n      probe: liveness\n",
    )
    with pytest.raises(RuleError, match="exactly one of"):
        load_rule_file(write(tmp_path, text))


def test_unparsable_yaml_is_a_rule_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="cannot read YAML"):
        load_rule_file(write(tmp_path, "id: [unclosed"))


def test_duplicate_ids_in_one_folder_are_an_error(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(RuleError, match="duplicate rule id 'my-rule'"):
        load_rules([tmp_path], builtin=False)


def test_an_operator_folder_overrides_a_builtin_rule_by_id(tmp_path: Path) -> None:
    override = GOOD.replace("id: my-rule", "id: oom-cgroup").replace(
        "title: Something specific", "title: Our own OOM rule"
    )
    write(tmp_path, override, "oom-cgroup.yaml")
    rules = load_rules([tmp_path])
    rule = rules.get("oom-cgroup")
    assert rule is not None and rule.spec.title == "Our own OOM rule"
    assert len([r for r in rules.rules if r.id == "oom-cgroup"]) == 1


def test_supersedes_must_name_a_known_rule(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("severity: high", "severity: high\nsupersedes: [nope]"))
    with pytest.raises(RuleError, match="supersedes unknown rule 'nope'"):
        load_rules([tmp_path], builtin=False)


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="does not exist"):
        load_rules([tmp_path / "nowhere"], builtin=False)


def test_optional_adds_evidence_when_it_holds_and_never_blocks_a_match(tmp_path: Path) -> None:
    from bot.diagnosis.engine import diagnose
    from bot.diagnosis.rules import RuleSet
    from bot.facts import Container, PodFacts, Terminated

    text = """
id: exit-three
title: Exit three
severity: low
when:
  all:
    - field: exit_code
      equals: 3
    - optional:
        field: memory_limit
        exists: true
explanation: x
fixes: [y]
"""
    rules = RuleSet(tuple(load_rule_file(write(tmp_path, text))))
    with_limit = PodFacts(
        containers=(Container(name="a", memory_limit="1Gi", last_state=Terminated(exit_code=3)),)
    )
    without = PodFacts(containers=(Container(name="a", last_state=Terminated(exit_code=3)),))
    assert diagnose(with_limit, rules).findings[0].evidence == (
        "lastState.terminated.exitCode=3",
        "resources.limits.memory=1Gi",
    )
    assert diagnose(without, rules).findings[0].evidence == ("lastState.terminated.exitCode=3",)


def test_named_groups_of_a_field_regex_fill_the_title(tmp_path: Path) -> None:
    from bot.diagnosis.engine import diagnose
    from bot.facts import Container, PodFacts

    write(
        tmp_path,
        """
id: missing-secret
title: "Missing Secret {secret}"
severity: high
when:
  field: waiting_message
  regex: 'secret "(?P<secret>[a-z0-9.-]+)" not found'
explanation: The kubelet could not find {secret}.
fixes: ["Create {secret}."]
""",
        "missing-secret.yaml",
    )
    (tmp_path / "tests").mkdir()
    rules = load_rules([tmp_path])
    facts = PodFacts(
        containers=(
            Container(
                name="api",
                waiting_reason="CreateContainerConfigError",
                waiting_message='secret "db-creds" not found',
            ),
        )
    )
    titles = [f.title for f in diagnose(facts, rules).findings if f.rule_id == "missing-secret"]
    assert titles == ["Missing Secret db-creds"]
