"""HyperParameterOptimizer over hpo_objective.py's x and y; --strategy --template --queue --jobs."""
import argparse

import optuna

from clearml import Task
from clearml.automation import (DiscreteParameterRange, GridSearch, HyperParameterOptimizer,
                                RandomSearch, UniformIntegerParameterRange)
from clearml.automation.optuna import OptimizerOptuna

STRATEGIES = {"random": RandomSearch, "grid": GridSearch, "optuna": OptimizerOptuna}
parser = argparse.ArgumentParser()
parser.add_argument("--strategy", choices=sorted(STRATEGIES), required=True)
parser.add_argument("--template", required=True)
parser.add_argument("--queue", required=True)
parser.add_argument("--jobs", type=int, default=2)
args = parser.parse_args()
# Optuna's default sampler is unseeded and may repeat a draw (a pruned trial); seeded, the
# first two trials are the same distinct pair on every run.
seeded = {"optuna_sampler": optuna.samplers.TPESampler(seed=7)} if args.strategy == "optuna" else {}

task = Task.init(project_name="automation", task_name=f"hpo {args.strategy}",
                 task_type=Task.TaskTypes.optimizer, reuse_last_task_id=False)
optimizer = HyperParameterOptimizer(
    base_task_id=args.template,
    hyper_parameters=[UniformIntegerParameterRange("General/x", min_value=1, max_value=3),
                      DiscreteParameterRange("General/y", values=[5, 7])],
    objective_metric_title="objective", objective_metric_series="score",
    objective_metric_sign="max", optimizer_class=STRATEGIES[args.strategy],
    execution_queue=args.queue, max_number_of_concurrent_tasks=1,
    total_max_jobs=args.jobs, max_iteration_per_job=10, pool_period_min=0.01, seed=7,
    **seeded)
optimizer.set_report_period(0.01)
optimizer.start()
optimizer.wait()
optimizer.stop()
for job in optimizer.get_top_experiments(top_k=args.jobs):
    print(f"JOB {job.id}", flush=True)
print(f"OPTIMIZER {task.id}", flush=True)
