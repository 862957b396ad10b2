"""A finished random search on the real server, made by the real SDK in seconds (no Keras)."""
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
# batch_size, layer_1, layer_2 of each clone; the first one scores best.
COMBINATIONS = ("32,512,512", "64,256,128", "128,128,256")
_built = {}


@dataclass
class Search:
    project_id: str
    template_id: str
    controller_id: str
    clone_ids: list
    results_page: str  # The link the SDK printed for the template.


def sdk_env(server, workdir):
    """server.env with a clearml.conf that reports from a thread: close() takes ~1 s, not ~11."""
    conf = workdir / "clearml.conf"
    conf.write_text((server.data_dir / "clearml.conf").read_text()
                    + "sdk.development.report_use_subprocess: false\n")
    return {**server.env, "CLEARML_CONFIG_FILE": str(conf)}


def run(script, *args, env, cwd):
    done = subprocess.run([sys.executable, str(HERE / script), *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=180)
    if done.returncode:
        raise RuntimeError(f"{script} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def build_search(server, workdir, project="web search"):
    """The template, its clones (run and completed) and the controller, built once per server."""
    if server.data_dir in _built:
        return _built[server.data_dir]
    workdir.mkdir(parents=True, exist_ok=True)
    env = sdk_env(server, workdir)
    output = run("web_search_train.py", project, env=env, cwd=workdir)
    template_id = re.search(r"created new task id=(\w+)", output)[1]
    results_page = re.search(r"results page: (\S+)", output)[1]
    output = run("web_search_controller.py", project, template_id, *COMBINATIONS, env=env,
                 cwd=workdir)
    controller_id = re.search(r"created new task id=(\w+)", output)[1]
    clone_ids = re.search(r"clones: (.+)", output)[1].split()
    project_id = results_page.split("/projects/")[1].split("/")[0]
    _built[server.data_dir] = Search(project_id, template_id, controller_id, clone_ids,
                                     results_page)
    return _built[server.data_dir]
