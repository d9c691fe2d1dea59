"""Settings: the documented example is valid, errors name the key, env wins."""

from pathlib import Path

import pytest

from bot.config import load_file, load_settings
from bot.errors import ConfigError

DOC = Path(__file__).parents[2] / "docs" / "configuration.md"


def documented_example(tmp_path: Path) -> Path:
    text = DOC.read_text().split("```yaml", 1)[1].split("```", 1)[0]
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_the_documented_example_is_valid(tmp_path: Path) -> None:
    cfg = load_file(documented_example(tmp_path))
    assert [c.name for c in cfg.clusters] == ["prod", "staging"]
    assert cfg.access.scope_for("C0PAYMENTS").allows("payments-eu", "prod")
    assert not cfg.access.scope_for("C0PAYMENTS").allows("orders", "prod")
    assert cfg.access.scope_for("CANY").allows("orders", None)


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    env = {
        "CRASHLOOP_CONFIG": str(documented_example(tmp_path)),
        "CRASHLOOP_ALERT_CHANNEL": "C0FROMENV",
        "CRASHLOOP_STATE": str(tmp_path / "s.sqlite3"),
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
    }
    settings = load_settings(env)
    assert settings.alert_channel == "C0FROMENV"
    assert settings.state_path == tmp_path / "s.sqlite3"
    settings.check_for_serving()


@pytest.mark.parametrize(
    ("yaml_text", "key"),
    [
        ("limits:\n  concurrency: 0\n", "limits.concurrency"),
        ("acess: {}\n", "acess"),
        ("clusters:\n  - {name: a}\n  - {name: a}\n", "duplicate name 'a'"),
        ("default_cluster: nope\n", "default_cluster"),
        ("routing:\n  - namespaces: [x]\n", "routing.0.channel"),
    ],
)
def test_invalid_file_names_the_key(tmp_path: Path, yaml_text: str, key: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as err:
        load_file(path)
    assert key in str(err.value)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({}, "SLACK_BOT_TOKEN is required"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is required"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-wrong"}, "starting with xapp-"),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_SIGNING_SECRET": "s",
                "CRASHLOOP_WEBHOOK_USER": "am",
            },
            "must be set together",
        ),
    ],
)
def test_serving_needs_a_coherent_combination(env: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load_settings(env).check_for_serving()


def test_secrets_do_not_show_in_the_settings_repr() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-very-secret", "SLACK_SIGNING_SECRET": "s"})
    assert "xoxb-very-secret" not in repr(settings)
