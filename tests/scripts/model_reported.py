"""ClearML's examples/reporting/model_reporting_plots.py, on a file of its own: reports to a model."""
import sys

import numpy as np
import pandas as pd
from clearml import OutputModel, Task
from clearml.utilities.plotly_reporter import SeriesInfo

task = Task.init(project_name=sys.argv[1], task_name=sys.argv[2], reuse_last_task_id=False,
                 auto_connect_frameworks=False)
output_model = OutputModel(task=task, name="reported to")
output_model.update_labels({"background": 0, "cat": 1})
output_model.update_weights(register_uri="file:///tmp/model-reported.pt")
for iteration, value in enumerate((70.1, 72.7)):
    output_model.report_scalar("Reported Metrics", "Val - mAP@50", value, iteration)
output_model.report_single_value("Total epochs", 8)
output_model.report_table(title="Summary Table", series="Comparison", iteration=0,
                          table_plot=pd.DataFrame({"Model": ["n", "s"], "size": [640, 1280]}))
output_model.report_line_plot(title="Accuracy", series=[SeriesInfo(
    name="Validation", data=np.array([[0, 0.3], [1, 0.55], [2, 0.7]]))],
    xaxis="Iteration", yaxis="Validation Accuracy")
task.close()
