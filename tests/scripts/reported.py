"""A run that reports debug images and plots over three iterations, an artifact and a model."""
import sys

import numpy as np
from clearml import Logger, OutputModel, Task

task = Task.init(project_name=sys.argv[1], task_name=sys.argv[2], reuse_last_task_id=False,
                 output_uri=True, auto_connect_frameworks=False)
task.connect({"lr": 0.1, "epochs": 3})
logger = Logger.current_logger()
for iteration in range(3):
    for variant in ("first", "second"):
        logger.report_image("samples", variant, iteration=iteration,
                            image=np.full((4, 4, 3), 40 * iteration, dtype=np.uint8))
        logger.report_scatter2d("curve", variant, np.array([[0, iteration], [1, iteration]]),
                                iteration=iteration)
    logger.report_scalar("loss", "train", 1.0 / (iteration + 1), iteration)
logger.report_single_value("accuracy", 0.75)
task.upload_artifact("table", {"rows": 3}, wait_on_upload=True)
with open("weights.bin", "wb") as weights:
    weights.write(b"weights")
OutputModel(task=task, name="reported model").update_weights("weights.bin")
task.close()
