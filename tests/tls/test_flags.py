"""``federation serve --tls-cert/--tls-key`` over ``server.tls`` from the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from federation.cli import build_parser, serve_config
from federation.config import ServerTlsConfig
from federation.errors import ConfigError


def config_for(tmp_path: Path, yaml_text: str, *flags: str) -> ServerTlsConfig | None:
    (tmp_path / "gateway.yaml").write_text(yaml_text, encoding="utf-8")
    args = build_parser().parse_args(["serve", "--supergraph", "s.graphql", "--config",
                                      str(tmp_path / "gateway.yaml"), *flags])
    return serve_config(args, environ={}).server.tls


def test_the_flags_give_the_files_and_the_file_the_rest(tmp_path: Path) -> None:
    tls = config_for(tmp_path, "server: {tls: {reload_interval: 5, min_version: '1.3'}}",
                     "--tls-cert", "a.crt", "--tls-key", "a.key")
    assert tls == ServerTlsConfig("a.crt", "a.key", reload_interval=5.0, min_version="1.3")


def test_a_flag_certificate_replaces_the_files_pair(tmp_path: Path) -> None:
    tls = config_for(tmp_path, "server: {tls: {cert_file: f.crt, key_file: f.key}}", "--tls-cert", "both.pem")
    assert tls == ServerTlsConfig("both.pem", None)  # its key is in it, not the file's old one


def test_without_flags_the_file_decides(tmp_path: Path) -> None:
    assert config_for(tmp_path, "server: {port: 4001}") is None
    assert config_for(tmp_path, "server: {tls: {cert_file: f.crt}}") == ServerTlsConfig("f.crt")


def test_a_key_alone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--tls-key goes with --tls-cert"):
        config_for(tmp_path, "server: {port: 4001}", "--tls-key", "a.key")
