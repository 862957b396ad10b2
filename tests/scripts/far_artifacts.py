"""A task for an agent on another machine: uploads an artifact and a model whose bytes its seed
decides, so that the first machine can check them byte for byte."""
import hashlib
from pathlib import Path

from clearml import OutputModel, Task


def payload(seed, kind, size=200_000):
    """size bytes drawn from the seed: the same on every machine."""
    block = hashlib.sha256(f"{kind}:{seed}".encode()).digest()
    return (block * (size // len(block) + 1))[:size]


Task.force_store_standalone_script()
task = Task.init(project_name="second host", task_name="far artifacts", output_uri=True,
                 reuse_last_task_id=False)
params = task.connect({"seed": 1})
Path("blob.bin").write_bytes(payload(params["seed"], "artifact"))
task.upload_artifact("blob", artifact_object=Path("blob.bin"), wait_on_upload=True)
Path("weights.bin").write_bytes(payload(params["seed"], "model"))
OutputModel(task=task, name="far model").update_weights("weights.bin", auto_delete_file=False)
print(f"UPLOADED seed={params['seed']}", flush=True)
task.close()
