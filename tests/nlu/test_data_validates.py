"""Rasa's own validator accepts the training data, the domain and the stories."""

import subprocess

from bot.nlu_model import NluPaths, rasa_env


def test_rasa_data_validate_passes() -> None:
    paths = NluPaths()
    done = subprocess.run(
        [str(paths.rasa), "data", "validate", "--domain", "domain.yml",
         "--data", "nlu", "stories", "--config", "nlu/config.yml"],
        cwd=paths.project_dir, env=rasa_env(), capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
