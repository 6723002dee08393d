"""Training and serving the Rasa model from the Rasa environment, as subprocesses.

The bot's own environment never imports Rasa or TensorFlow: it runs `.venv-nlu/bin/rasa`.
A model is named after a fingerprint of its inputs, so it is retrained only when the
training data, the domain, the stories, the pipeline or the Rasa pin changed.

The NLU server never outlives the bot: it is killed by the kernel when the bot ends, even
by SIGKILL (see `bot.die_with_parent`), and runs in a process group of its own that a clean
stop ends whole. A port already taken by another process is reported, never used.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.die_with_parent import wrap

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONFIG = Path("nlu/config.yml")
CREDENTIALS = Path("nlu/credentials.yml")
DATA_PATHS = (Path("nlu"), Path("stories"))
DOMAIN = Path("domain.yml")
REQUIREMENTS = Path("nlu/requirements.txt")


class NluSetupError(RuntimeError):
    """The Rasa environment or model is missing or could not be built."""


class PortTaken(NluSetupError):
    """Another process already listens on the NLU server's port."""

    def __init__(self, port: int, what: str = "another process") -> None:
        super().__init__(
            f"port {port} on 127.0.0.1 is already in use by {what}, not by an NLU server "
            f"of this bot. Find it with: ss -ltnp 'sport = :{port}'  (or: lsof -iTCP:{port} "
            f"-sTCP:LISTEN); stop it, or set RASA_URL to a free port."
        )
        self.port = port


@dataclass(frozen=True)
class NluPaths:
    project_dir: Path = PROJECT_DIR
    venv: Path = PROJECT_DIR / ".venv-nlu"
    models: Path = PROJECT_DIR / "models"

    @property
    def rasa(self) -> Path:
        return self.venv / "bin" / "rasa"


# In nlu/ but not read by training: alternative pipelines to compare, the server's channels.
NOT_TRAINING_INPUTS = (Path("nlu/pipelines"), CREDENTIALS)


def training_inputs(project_dir: Path = PROJECT_DIR) -> Iterator[Path]:
    """Every file whose change calls for a new model, in a stable order."""
    excluded = [project_dir / path for path in NOT_TRAINING_INPUTS]
    for data in DATA_PATHS:
        for path in sorted(p for p in (project_dir / data).rglob("*") if p.is_file()):
            if not any(path == e or e in path.parents for e in excluded):
                yield path
    yield project_dir / DOMAIN


def fingerprint(project_dir: Path = PROJECT_DIR) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(project_dir):
        digest.update(str(path.relative_to(project_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_file(paths: NluPaths) -> Path:
    return paths.models / f"nlu-{fingerprint(paths.project_dir)}.tar.gz"


def rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore")
    return env


def ensure_model(paths: NluPaths | None = None) -> Path:
    """Returns the model for the current data, training it first if it does not exist."""
    paths = paths or NluPaths()
    target = model_file(paths)
    if target.exists():
        return target
    if not paths.rasa.exists():
        raise NluSetupError(f"Rasa is not installed in {paths.venv}; run scripts/setup.sh")
    paths.models.mkdir(parents=True, exist_ok=True)
    log.info("Training the NLU model %s (data changed or no model yet)", target.name)
    started = time.monotonic()
    command = [
        str(paths.rasa), "train",
        "--config", str(CONFIG), "--domain", str(DOMAIN),
        "--data", *map(str, DATA_PATHS),
        "--out", str(paths.models), "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=paths.project_dir, env=rasa_env(), check=False)
    if done.returncode != 0 or not target.exists():
        raise NluSetupError(f"rasa train failed with exit code {done.returncode}")
    log.info("Trained %s in %.0f s", target.name, time.monotonic() - started)
    for old in paths.models.glob("nlu-*.tar.gz"):
        if old != target:
            old.unlink()
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_listening(port: int, host: str = "127.0.0.1") -> bool:
    """Whether some process accepts connections on the port."""
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


class NluServer:
    """One `rasa run --enable-api` process serving a model on the loopback interface."""

    def __init__(
        self,
        model: Path,
        port: int,
        paths: NluPaths | None = None,
        log_file: Path | None = None,
        token: str | None = None,
    ) -> None:
        self.model, self.port, self.paths = model, port, paths or NluPaths()
        self.log_file, self.token = log_file, token
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Starts the server; raises PortTaken when another process holds the port."""
        if is_listening(self.port):
            raise PortTaken(self.port)
        if threading.current_thread() is not threading.main_thread():
            # The kernel's parent-death signal follows the thread that forked.
            log.warning("The NLU server is started outside the main thread; it dies with it")
        command = [
            str(self.paths.rasa), "run", "--enable-api",
            "--model", str(self.model), "--credentials", str(CREDENTIALS),
            "--interface", "127.0.0.1", "--port", str(self.port),
        ]  # fmt: skip
        if self.token:
            command += ["--auth-token", self.token]
        output = self.log_file.open("ab") if self.log_file else None
        self.process = subprocess.Popen(
            wrap(command),
            cwd=self.paths.project_dir,
            env=rasa_env(),
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            process_group=0,  # its own group: a terminal's Ctrl-C reaches the bot, which stops it
        )

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Blocks until the server answers with a loaded model, or raises NluSetupError."""
        deadline = time.monotonic() + timeout
        params = {"token": self.token} if self.token else None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise NluSetupError(f"the NLU server exited with code {self.process.returncode}")
            try:
                status = httpx.get(f"{self.url}/status", params=params, timeout=2.0)
                served = status.json().get("model_file") if status.status_code == 200 else None
            except (httpx.HTTPError, ValueError, AttributeError):
                served = None
            if served:
                if Path(str(served)).name != self.model.name:
                    self.stop()  # ours cannot have the port: someone took it meanwhile
                    raise PortTaken(self.port, f"a server with another model ({served})")
                return
            time.sleep(0.5)
        raise NluSetupError(f"the NLU server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        """Ends the server's whole process group: politely, then, after 20 s, by force."""
        if self.process is None or self.process.poll() is not None:
            return
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait()
        _signal_group(self.process.pid, signal.SIGKILL)  # anything it left behind


def _signal_group(group: int, sig: signal.Signals) -> None:
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        pass  # the group has ended already
