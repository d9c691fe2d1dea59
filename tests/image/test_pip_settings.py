"""The machine's pip settings as the image build gets them (tests/image/pip_settings.py)."""

from __future__ import annotations

from pathlib import Path

from tests.image.pip_settings import (
    IMAGE_CA_BUNDLE,
    ca_bundle,
    image_sections,
    local_dirs,
    parse_config_list,
    render,
)

CONFIG_LIST = """\
:env:.cert='/etc/ssl/certs/ca-certificates.crt'
:env:.default-timeout='180'
:env:.find-links='/opt/wheels'
global.cert='/etc/ssl/certs/ca-certificates.crt'
global.constraint='/etc/xdg/pip/constraints.txt'
global.extra-index-url='file:///opt/pypi/simple file:///srv/more/simple'
global.find-links='/opt/other-wheels'
install.index-url='https://index.invalid/simple'
"""


def test_config_list_lines_become_sections_and_keys() -> None:
    config = parse_config_list(CONFIG_LIST)
    assert config[":env:"]["timeout"] == "180"  # default-timeout is the same option
    assert config["global"]["extra-index-url"] == "file:///opt/pypi/simple file:///srv/more/simple"
    assert config["install"] == {"index-url": "https://index.invalid/simple"}


def test_environment_wins_over_files_and_the_cert_points_at_the_images_bundle() -> None:
    sections = image_sections(parse_config_list(CONFIG_LIST))
    assert sections["global"]["find-links"] == "/opt/wheels"
    assert sections["global"]["timeout"] == "180"
    assert sections["global"]["cert"] == IMAGE_CA_BUNDLE
    assert sections["install"] == {"index-url": "https://index.invalid/simple"}


def test_machine_only_settings_stay_on_the_machine() -> None:
    text = render(image_sections(parse_config_list(CONFIG_LIST)))
    assert "constraint" not in text
    assert "[global]" in text and "[install]" in text


def test_pips_cert_is_the_bundle_copied_else_the_environments() -> None:
    config = parse_config_list(CONFIG_LIST)
    assert ca_bundle(config, {}) == Path("/etc/ssl/certs/ca-certificates.crt")
    assert ca_bundle({}, {"REQUESTS_CA_BUNDLE": "/srv/ca.pem"}) == Path("/srv/ca.pem")


def test_a_local_index_is_mounted_with_the_files_beside_it(tmp_path: Path) -> None:
    (tmp_path / "pypi" / "simple").mkdir(parents=True)
    (tmp_path / "wheels").mkdir()
    sections = {
        "global": {
            "extra-index-url": f"file://{tmp_path}/pypi/simple https://index.invalid/simple",
            "find-links": f"{tmp_path}/wheels {tmp_path}/missing",
        }
    }
    assert local_dirs(sections) == [str(tmp_path / "pypi"), str(tmp_path / "wheels")]
