"""A small script tracked by the real ClearML SDK: every tracking call the server must take."""
import sys

from clearml import Logger, OutputModel, Task

Task.force_store_standalone_script()
task = Task.init(project_name=sys.argv[1], task_name=sys.argv[2], output_uri=True,
                 reuse_last_task_id=False)
params = task.connect({"batch_size": 32, "lr": 0.1, "layers": [16, 8], "name": "mlp"})
config = task.connect_configuration({"optimizer": "rmsprop", "momentum": 0.9}, name="training")
task.set_model_label_enumeration({"zero": 0, "one": 1})
logger = Logger.current_logger()
for iteration in range(5):
    logger.report_scalar("loss", "train", 1.0 / (iteration + 1), iteration)
    logger.report_scalar("loss", "validation: loss", 2.0 / (iteration + 1), iteration)
logger.report_text("a line of text")
logger.report_table("leaderboard", "table", iteration=0,
                    table_plot=[["name", "accuracy"], ["a", 0.9], ["b", 0.8]])
logger.report_plotly("parallel", "coordinates", iteration=0, figure={
    "data": [{"type": "parcoords", "dimensions": [{"label": "lr", "values": [0.1, 0.2]}]}]})
with open("weights.bin", "wb") as weights:
    weights.write(b"\x00\x01weights")
model = OutputModel(task=task, name="tracked model", framework="Keras")
model.update_weights("weights.bin", auto_delete_file=False)
task.upload_artifact("summary", {"params": params, "config": config})
print(f"PARAMS {params}")
print(f"CONFIG {config}")
if len(sys.argv) > 3 and sys.argv[3] == "crash":
    raise RuntimeError("deliberate crash")
task.close()
