"""The PyTorch bindings of the SDK in one small run: torch.save and torch.load (models),
torch.utils.tensorboard and tensorboardX (scalars, images, histograms, a video)."""
import sys

import numpy as np
import torch
from clearml import Task
from tensorboardX import SummaryWriter as SummaryWriterX
from torch.utils.tensorboard import SummaryWriter

task = Task.init(project_name=sys.argv[1], task_name=sys.argv[2], reuse_last_task_id=False,
                 output_uri=True)
model = torch.nn.Linear(4, 2)
native, other = SummaryWriter("runs/native"), SummaryWriterX("runs/x")
for step in range(3):
    native.add_scalar("loss/train", 1.0 / (step + 1), step)
    other.add_scalar("accuracy/test", step / 3, step)
    picture = np.full((3, 8, 8), 60 * step, dtype=np.uint8)
    native.add_image("native/sample", picture, step)
    other.add_image("x/sample", picture, step)
    native.add_histogram("weights/native", model.weight.detach().numpy().ravel() + step, step)
    torch.save(model.state_dict(), "model.pt")  # An update of the same output model.
other.add_video("clip", torch.zeros(1, 4, 3, 8, 8, dtype=torch.uint8), 0, fps=4)
native.close()
other.close()
model.load_state_dict(torch.load("model.pt"))
task.close()
