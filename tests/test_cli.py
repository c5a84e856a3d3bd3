"""The command line: one actionable line and a non-zero exit for user mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from features import migrate
from features.engine import make_engine
from flows.cli import main


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "db" in result.stdout


def test_unreachable_server_is_one_line_and_masks_the_password() -> None:
    result = run_cli("--database-url", "mysql+pymysql://root:s3cret@127.0.0.1:1/x", "db", "upgrade")
    assert_one_line_error(result, "cannot reach the server", "***")
    assert "s3cret" not in result.stderr + result.stdout


def test_unknown_scheme_and_missing_driver_and_bad_sqlite_path() -> None:
    assert_one_line_error(run_cli("--database-url", "nosuchdb://x/y", "db", "current"),
                          "Unsupported database URL scheme")
    assert_one_line_error(run_cli("--database-url", "mysql+mysqldb://root@127.0.0.1/x",
                                  "db", "current"), "driver", "not installed")
    assert_one_line_error(run_cli("--database-url", "sqlite:////no/such/dir/x.db",
                                  "db", "upgrade"), "cannot open the SQLite file")


def test_unknown_mysql_database_says_how_to_create_it(mysql_server) -> None:
    result = run_cli("--database-url", "mysql+pymysql://root@127.0.0.1:3306/learnerai_no_such_db",
                     "db", "current")
    assert_one_line_error(result, "does not exist", "CREATE DATABASE")


def test_db_upgrade_current_downgrade_round_trip(empty_db_url: str, capsys) -> None:
    assert main(["--database-url", empty_db_url, "db", "upgrade"]) == 0
    assert main(["db", "current", "--database-url", empty_db_url]) == 0
    assert f"{migrate.head_revision()} (up to date)" in capsys.readouterr().out
    assert main(["--database-url", empty_db_url, "db", "downgrade", "base"]) == 0
    assert migrate.current_revision(make_engine(empty_db_url)) is None


def test_default_database_is_learnerai_db_in_the_working_directory(tmp_path: Path) -> None:
    result = run_cli("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "learnerai.db").exists()


@pytest.mark.parametrize("url", ["mysql+pymysql://u:pa55word@db.example:3306/x",
                                 "sqlite:///learnerai.db"])
def test_mask_url_never_shows_the_password(url: str) -> None:
    from features.settings import mask_url
    assert "pa55word" not in mask_url(url)
    assert mask_url("not a url") == "<unparseable URL>"
