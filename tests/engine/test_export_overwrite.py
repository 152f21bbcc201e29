"""`export` never writes over the project it exports, and replaces an existing file of another
kind only with --force (issue 17: `export p.nwproj --python p.nwproj` replaced the project)."""
import pytest

import engine
from engine import templates
from engine.cli import run_cli


@pytest.fixture
def project(tmp_path):
    return engine.save(templates.load("mlp", (2,), 2), tmp_path / "p.nwproj")


@pytest.mark.parametrize("flag", ["--python", "--torchscript"])
def test_export_refuses_its_own_project_even_with_force(project, capsys, flag):
    before = project.read_bytes()
    assert run_cli(["export", str(project), flag, str(project), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "replace the project" in err
    assert project.read_bytes() == before and engine.load(project).graph


def test_export_replaces_a_file_of_another_kind_only_with_force(project, tmp_path, capsys):
    other = tmp_path / "other.nwproj"
    other.write_bytes(project.read_bytes())
    assert run_cli(["export", str(project), "--python", str(other)]) == 2
    assert "--force" in capsys.readouterr().err and engine.load(other)
    assert run_cli(["export", str(project), "--python", str(other), "--force"]) == 0
    assert other.read_text().lstrip().startswith(('"""', "#", "import", "from"))


def test_re_exporting_over_an_earlier_export_needs_no_force(project, tmp_path, capsys):
    out = tmp_path / "net.py"
    assert run_cli(["export", str(project), "--python", str(out)]) == 0
    assert run_cli(["export", str(project), "--python", str(out)]) == 0
    pt = tmp_path / "net.pt"
    assert run_cli(["export", str(project), "--torchscript", str(pt)]) == 0
    assert run_cli(["export", str(project), "--torchscript", str(pt)]) == 0
    assert run_cli(["export", str(project), "--torchscript", str(tmp_path / "p2.nwproj")]) == 0  # a new file
