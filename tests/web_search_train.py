"""A seconds-long stand-in for the Keras template: one params dict, curves, a final evaluation."""
import sys
import wave
from pathlib import Path

import numpy as np
from clearml import OutputModel, Task

task = Task.init(project_name=sys.argv[1], task_name="Keras HP optimization base",
                 reuse_last_task_id=False, output_uri=True)
params = task.connect({"batch_size": 64, "layer_1": 128, "layer_2": 256, "epochs": 3})
logger = task.get_logger()
# Wider layers and smaller batches score better, so the search has a clear best clone.
quality = (int(params["layer_1"]) / 512 + int(params["layer_2"]) / 512) / 5 \
    - int(params["batch_size"]) / 1000
for epoch in range(int(params["epochs"])):
    accuracy = 0.5 + quality * (epoch + 1) / int(params["epochs"])
    logger.report_scalar("epoch_accuracy", "epoch_accuracy", accuracy, epoch)
    logger.report_scalar("epoch_accuracy", "validation: epoch_accuracy", accuracy - 0.03, epoch)
    logger.report_scalar("epoch_loss", "epoch_loss", 1.0 - accuracy, epoch)
    print(f"epoch {epoch}: accuracy {accuracy:.4f}")
    # A debug sample per epoch: a small grey image, brighter as the model gets better.
    logger.report_image("samples", "digit", iteration=epoch,
                        image=np.full((8, 8), int(255 * accuracy), dtype=np.uint8))
logger.report_scalar("evaluate", "accuracy", 0.5 + quality, 0)
logger.report_scalar("evaluate", "score", 0.5 - quality, 0)
task.upload_artifact("summary", {"quality": quality})
Path("model.txt").write_text(f"weights of a model of quality {quality}\n")
OutputModel(task=task, name="stand-in model").update_weights(weights_filename="model.txt")
with wave.open("tone.wav", "wb") as tone:  # A tenth of a second of silence, as media.
    tone.setnchannels(1)
    tone.setsampwidth(1)
    tone.setframerate(8000)
    tone.writeframes(bytes([128]) * 800)
logger.report_media("audio", "tone", iteration=0, local_path="tone.wav")
print("training done")
task.close()
