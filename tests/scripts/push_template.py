"""A seconds-long search template for the push tests: the search's parameters, curves, a
debug sample per epoch; a clone whose layer_1 is General/fail_layer fails."""
import sys

import numpy as np
from clearml import Task

# The repository has no remote, so agents get the script itself.
Task.force_store_standalone_script()
task = Task.init(project_name="push search", task_name="push template", reuse_last_task_id=False)
params = task.connect({"batch_size": 64, "layer_1": 128, "layer_2": 256, "epochs": 2,
                       "fail_layer": int(sys.argv[1]) if len(sys.argv) > 1 else 0})
if int(params["layer_1"]) == int(params["fail_layer"]):
    raise SystemExit(f"layer_1 = {params['layer_1']} fails, as this search asks")
logger = task.get_logger()
# Wider layers and smaller batches score better, so the search has a clear best clone.
quality = (int(params["layer_1"]) + int(params["layer_2"])) / 2560 \
    - int(params["batch_size"]) / 1000
for epoch in range(int(params["epochs"])):
    accuracy = 0.5 + quality * (epoch + 1) / int(params["epochs"])
    logger.report_scalar("epoch_accuracy", "epoch_accuracy", accuracy, epoch)
    logger.report_image("samples", "digit", iteration=epoch,
                        image=np.full((8, 8), int(255 * accuracy), dtype=np.uint8))
    print(f"epoch {epoch}: accuracy {accuracy:.4f}")
logger.report_scalar("evaluate", "accuracy", 0.5 + quality, 0)
print("training done")
