"""ClearML's manual random parameter search: clone a template task with random parameters."""
# ClearML - Manual Random Parameter Search: clone the Keras template task (or any task, with
# --params-search) with randomly drawn parameters, and enqueue the clones for clearml-agent to run.
#
# Ported from ClearML's examples/automation/manual_random_param_search_example.py; its steps are
# below in the same order. The command line, its errors and the dry run are in search_command.py;
# the checks and following the clones (--wait, --retry, --max-concurrent, --resume, Ctrl-C) in
# search_runner.py.
# Register the template once (python base_template_keras_simple.py), then for example:
#     python random_search.py --seed 1 --wait
# Any task registered with Task.init is searched the same way, with clearml-param-search's options:
#     python random_search.py --template-id <id> --params-search '{"name": "Args/lr",
#         "type": "LogUniformParameterRange", "min_value": -4, "max_value": -1}' \
#         --objective-metric-title validation --objective-metric-series loss \
#         --objective-metric-sign min --wait
# Every option is also a parameter of this controller task (General/...): edit them in a ClearML web
# UI and re-run the task with clearml-agent, and the edited values are used.
import sys

from clearml import Task

import search_command
import search_runner
from search_space import sample_configurations, search_overrides, search_seed, search_space, \
    section_name

# Errors the user can fix end the script with a message that says how, instead of a traceback.
search_command.explain_errors()
options = search_command.parse_args()

# Create a hyper-parameter dictionary for the task: the search space, its objective and the
# search's options.
params = {
    # The original's space: batch sizes from a list, layer sizes from range(start, stop, step).
    'batch_size': options.batch_size,
    'layer_1': options.layer_1,
    'layer_2': options.layer_2,
    # Or any template's space, in clearml-param-search's format (then the three above are empty),
    # and values fixed in every clone.
    'params_search': options.params_search,
    'params_override': options.params_override,
    # The scalar to maximize or minimize, as clearml-param-search names it.
    'objective_metric_title': options.objective_metric_title,
    'objective_metric_series': options.objective_metric_series,
    'objective_metric_sign': options.objective_metric_sign,
    # Number of random samples to test from the space.
    'total_number_of_experiments': options.total_number_of_experiments,
    # Execution queue to add experiments to.
    'execution_queue_name': options.execution_queue_name,
    # Experiment template to optimize with random parameter search (an id overrides the name).
    'experiment_template_name': options.experiment_template_name,
    'experiment_template_project': options.experiment_template_project,
    'experiment_template_id': options.experiment_template_id,
    'seed': options.seed,
    # How this run follows the clones: wait for them, retry failed ones, limit how many run at once.
    'wait': options.wait,
    'retry': options.retry,
    'max_concurrent': options.max_concurrent,
}

# A dry run prints the configurations without a server: it creates, clones and enqueues nothing.
if options.dry_run:
    search_command.print_dry_run(params)
    sys.exit(0)

# Check that the server answers, and when resuming a search, take its space and seed from its
# controller task.
search_runner.check_server()
params = search_runner.resumed_params(options.resume, params)

# Connecting ClearML with the current process; every search is a task of its own, and a resumed
# search continues its own. Under clearml-agent, Task.init returns the task the agent runs.
task = Task.init(project_name=options.project,
                 task_name='Random Hyper-Parameter Search Example',
                 task_type=Task.TaskTypes.optimizer, reuse_last_task_id=False,
                 continue_last_task=options.resume or False, auto_connect_arg_parser=False)

# Track the parameters dictionary; when an agent runs this task, the task's values come back.
params = task.connect(params)
search_command.check_run_options(params)

# Define the random search space: by default batch sizes from a list, layer sizes from
# range(start, stop, step); with --params-search, ClearML's own parameter classes read it, and
# --params-override fixes other values (this is a simple random search; it can be integrated with
# 'bayesian-optimization' etc.).
space = search_space(params)
overrides = search_overrides(params, space)

# Draw distinct configurations, and record the seed so that the draw can be repeated and resumed.
seed = search_seed(params['seed'])
configurations = sample_configurations(space, params['total_number_of_experiments'], seed)
task.set_parameter('General/seed', seed)
print(f'Seed: {seed} (run with --seed {seed} to draw the same configurations)')

# Select the base template task, by id or by project and name, and check it and the queue before
# cloning anything.
search_runner.check_template_exists(params)
template_task = Task.get_task(task_id=params['experiment_template_id'] or None,
                              project_name=params['experiment_template_project'],
                              task_name=params['experiment_template_name'])
search_runner.check_template_parameters(template_task, [*space, *overrides])
search_runner.check_queue(params['execution_queue_name'])

# Find the clones this search launched before: resumed with --resume, or re-run by clearml-agent
# (then task.running_locally() is False and the task id is the same), it continues them.
search = search_runner.SearchRun(task, space, params)

for i, configuration in enumerate(configurations):
    # Continue the clone an earlier run launched for this configuration, rather than a new one.
    if search.resume_clone(i, configuration):
        continue

    # Wait until fewer than --max-concurrent clones are queued or running (without it, go on).
    search.wait_for_a_free_slot()

    # Clone the template task into a new write-enabled task (where we can change parameters).
    cloned_task = Task.clone(source_task=template_task,
                             name=template_task.name + ' {}'.format(i),
                             parent=template_task.id, project=task.project)

    # Get the original template parameters.
    cloned_task_parameters = cloned_task.get_parameters()

    # Override them with the random sample and the fixed values (a bare name is in General).
    for name, value in {**configuration, **overrides}.items():
        cloned_task_parameters[section_name(name)] = value

    # Put them back into the new cloned task, and tag it 'opt: <this task id>' as ClearML's
    # HyperParameterOptimizer does: the web UI and a resumed search find the clones by it.
    cloned_task.set_parameters(cloned_task_parameters)
    cloned_task.set_tags(search.clone_tags(cloned_task))
    print('Experiment {} set with parameters {}'.format(i, configuration))

    # Enqueue the task for execution.
    Task.enqueue(cloned_task.id, queue_name=params['execution_queue_name'])
    print('Experiment id={} enqueue for execution'.format(cloned_task.id))

# We are done; the next step is to watch the experiments, here (--wait) or in the web UI.
print('Done')
if params['wait']:
    search.follow()
