"""The images of ClearML's examples/frameworks/tensorflow/tensorboard_toy.py, ten steps of them:
tf.summary.image, reported by the SDK's TensorBoard binding."""
import sys

import numpy as np
import tensorflow as tf
from clearml import Task

task = Task.init(project_name=sys.argv[1], task_name=sys.argv[2], reuse_last_task_id=False)
writer = tf.summary.create_file_writer("tensorboard")
image = np.random.default_rng(0).integers(0, 255, size=(1, 240, 160, 3), dtype=np.uint8)
with writer.as_default():
    for step in range(10):
        tf.summary.image("test", image, max_outputs=10, step=step)
        tf.summary.image("test_gray", image[:, :, :, :1], max_outputs=10, step=step)
writer.flush()
task.close()
