"""The model is retrained when its training data change, and only then."""

import shutil
from pathlib import Path

from bot.nlu_model import PROJECT_DIR, fingerprint


def copy_project(target: Path) -> Path:
    for name in ("nlu", "stories"):
        shutil.copytree(PROJECT_DIR / name, target / name)
    shutil.copy(PROJECT_DIR / "domain.yml", target / "domain.yml")
    return target


def test_training_data_changes_the_fingerprint(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    before = fingerprint(project)
    with (project / "nlu" / "complaints.yml").open("a", encoding="utf-8") as data:
        data.write("\n")
    assert fingerprint(project) != before


def test_files_training_does_not_read_leave_it_alone(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    before = fingerprint(project)
    (project / "nlu" / "pipelines").mkdir(exist_ok=True)
    (project / "nlu" / "pipelines" / "another.yml").write_text("pipeline: []\n")
    (project / "nlu" / "credentials.yml").write_text("rest:\nsocketio:\n")
    (project / "nlu" / "baseline.py").write_text("# the benchmark's baseline changed\n")
    assert fingerprint(project) == before


def test_the_custom_components_code_is_an_input_and_its_byte_code_is_not(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    before = fingerprint(project)
    cache = project / "nlu" / "components" / "__pycache__"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "normaliser.cpython-310.pyc").write_bytes(b"\x00byte code")
    assert fingerprint(project) == before
    with (project / "nlu" / "components" / "normalise.py").open("a", encoding="utf-8") as code:
        code.write("\n")
    assert fingerprint(project) != before
