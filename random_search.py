"""ClearML's manual random parameter search: clone the Keras template with random parameters."""
# ClearML - Manual Random Parameter Search: clone the Keras template task with randomly drawn
# parameters, and enqueue the clones for clearml-agent to run.
#
# Ported from ClearML's examples/automation/manual_random_param_search_example.py.
# Register the template once (python base_template_keras_simple.py), then for example:
#     python random_search.py --seed 1 --wait
# Every option is also a parameter of this controller task (General/...): edit them in a ClearML web
# UI and re-run the task with clearml-agent, and the edited values are used.
import argparse
import random
import re
import sys

import requests
from clearml import Task
from clearml.backend_api.session import Session
from clearml.backend_api.session.client import APIClient
from clearml.backend_api.session.defs import ENV_ACCESS_KEY, ENV_AUTH_TOKEN, ENV_SECRET_KEY
from clearml.config import config_obj

import search_report
from search_space import SearchSpaceError, sample_configurations, value_list, value_range

TEMPLATE_SCRIPT = 'base_template_keras_simple.py'
# The template connects its parameters under ClearML's default section.
TEMPLATE_SECTION = 'General'


class SearchError(Exception):
    """A problem the user can fix; the message says how."""


def parse_args(argv=None):
    """The command line; the defaults are the original example's behaviour."""
    parser = argparse.ArgumentParser(
        description='Random search over the Keras template task: clone it with random parameters '
                    'and enqueue the clones for clearml-agent.',
        epilog='Every option but --project and --dry-run is also a parameter of the controller '
               'task (General/...); when clearml-agent runs that task, its values win.')
    parser.add_argument('--total-number-of-experiments', '--experiments', type=int, default=3,
                        metavar='N', help='number of clones to launch (default: %(default)s)')
    parser.add_argument('--execution-queue-name', '--queue', default='default',
                        metavar='QUEUE', help='execution queue (default: %(default)s)')
    parser.add_argument('--experiment-template-name', '--template',
                        default='Keras HP optimization base', metavar='NAME',
                        help='template task name (default: %(default)s)')
    parser.add_argument('--experiment-template-project', '--template-project', default='examples',
                        metavar='PROJECT', help='template task project (default: %(default)s)')
    parser.add_argument('--experiment-template-id', '--template-id', default='',
                        metavar='ID', help='template task id, instead of its project and name')
    parser.add_argument('--project', default='examples',
                        help='project of this controller task and its clones '
                             '(default: %(default)s)')
    parser.add_argument('--batch-size', type=int, nargs='+', default=[64, 96, 128, 160, 192],
                        metavar='N', help='batch sizes to draw from (default: %(default)s)')
    for layer in ('layer-1', 'layer-2'):
        parser.add_argument(f'--{layer}', type=int, nargs=3, default=[128, 512, 32],
                            metavar=('START', 'STOP', 'STEP'),
                            help=f'{layer} units drawn from range(START, STOP, STEP) '
                                 f'(default: 128 512 32)')
    parser.add_argument('--seed', type=int, default=None,
                        help='seed of the random draw (default: a new one, printed and recorded)')
    parser.add_argument('--wait', action='store_true',
                        help='follow the clones to the end, then print and report a leaderboard')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the configurations that would be launched; touch nothing')
    return parser.parse_args(argv)


def check_server():
    """Raise SearchError unless a ClearML server is configured and answers within seconds.

    ClearML's SDK retries an unreachable server forever, so this asks first, with a short timeout.
    """
    host = Session.get_api_server_host()
    access_key = ENV_ACCESS_KEY.get(default=config_obj.get('api.credentials.access_key', None))
    secret_key = ENV_SECRET_KEY.get(default=config_obj.get('api.credentials.secret_key', None))
    if not ENV_AUTH_TOKEN.get() and not (access_key and secret_key):
        raise SearchError(
            f'no ClearML server is configured (no credentials; the API host would be {host}). '
            'Set CLEARML_CONFIG_FILE to a clearml.conf, or export the CLEARML_API_HOST, '
            'CLEARML_API_ACCESS_KEY and CLEARML_API_SECRET_KEY variables your server gives you '
            '(or run clearml-init).')
    try:
        answer = requests.get(f'{host}/debug.ping', timeout=3)
    except requests.RequestException as error:
        raise SearchError(f'the ClearML server at {host} is not reachable ({error}). Start it, or '
                          'point CLEARML_API_HOST (or api.api_server in clearml.conf) at it.')
    try:
        answer.json()['meta']
    except (ValueError, KeyError, TypeError):
        raise SearchError(f'{host} answered, but not as a ClearML API server (HTTP '
                          f'{answer.status_code}); check CLEARML_API_HOST or api.api_server.')


def draw_configurations(params):
    """Return the search space, the seed and the configurations drawn from it with that seed."""
    # This is a simple random search: batch sizes from a list, layer sizes from
    # range(start, stop, step).
    space = {
        'batch_size': value_list('batch_size', params['batch_size']),
        'layer_1': value_range('layer_1', params['layer_1']),
        'layer_2': value_range('layer_2', params['layer_2']),
    }
    seed = params['seed']
    try:
        seed = random.SystemRandom().randrange(2 ** 32) if seed in (None, '') else int(seed)
    except ValueError:
        raise SearchError(f'the seed must be an integer; got {seed!r}') from None
    return space, seed, sample_configurations(space, params['total_number_of_experiments'], seed)


def find_template(params):
    """The template task, by id or by project and name; SearchError if there is none."""
    how_to_register = f'Register it by running: python {TEMPLATE_SCRIPT}'
    if params['experiment_template_id']:
        template_id = params['experiment_template_id']
        if not Task.query_tasks(task_filter={'id': [template_id]}):
            raise SearchError(f'no template task with id {template_id}. {how_to_register}')
        return Task.get_task(task_id=template_id)
    project, name = params['experiment_template_project'], params['experiment_template_name']
    try:
        template_task = Task.get_task(project_name=project, task_name=name)
    except ValueError:  # Raised by ClearML when the project does not exist.
        template_task = None
    if template_task is None:
        raise SearchError(f"template task '{name}' not found in project '{project}'. "
                          f"{how_to_register}")
    return template_task


def check_queue(name):
    """Raise SearchError unless the execution queue exists, before any clone is made."""
    if not APIClient().queues.get_all(name=f'^{re.escape(name)}$', only_fields=['id']):
        raise SearchError(f"queue '{name}' not found. Create it in the ClearML web UI (Workers & "
                          f"Queues), or pick an existing one with --queue.")


def check_template_parameters(template_task, space):
    """Raise SearchError unless the template has every parameter the search draws."""
    parameters = template_task.get_parameters()
    missing = [f'{TEMPLATE_SECTION}/{name}' for name in space
               if f'{TEMPLATE_SECTION}/{name}' not in parameters]
    if missing:
        raise SearchError(f"template task '{template_task.name}' ({template_task.id}) has no "
                          f"parameters {', '.join(missing)}; register the template with "
                          f"python {TEMPLATE_SCRIPT}")


def main(argv=None):
    options = parse_args(argv)

    # The hyper-parameter dictionary for the task: the search space and the search's options.
    params = {
        'batch_size': options.batch_size,
        'layer_1': options.layer_1,
        'layer_2': options.layer_2,
        # Number of random samples to test from the space.
        'total_number_of_experiments': options.total_number_of_experiments,
        # Execution queue to add experiments to.
        'execution_queue_name': options.execution_queue_name,
        # Experiment template to optimize with random parameter search (an id overrides the name).
        'experiment_template_name': options.experiment_template_name,
        'experiment_template_project': options.experiment_template_project,
        'experiment_template_id': options.experiment_template_id,
        'seed': options.seed,
        'wait': options.wait,
    }

    # A dry run draws the configurations without a server: it creates, clones and enqueues nothing.
    if options.dry_run:
        space, seed, configurations = draw_configurations(params)
        template = params['experiment_template_id'] or (
            f"'{params['experiment_template_name']}' "
            f"(project '{params['experiment_template_project']}')")
        print(f"Dry run: would clone template {template} {len(configurations)} times and enqueue "
              f"the clones on queue '{params['execution_queue_name']}'")
        for i, configuration in enumerate(configurations):
            print('Experiment {} would be set with parameters {}'.format(i, configuration))
        print(f'Seed: {seed} (nothing was created, cloned or enqueued)')
        return

    check_server()

    # Connecting ClearML; every search is a task of its own, with its seed, clones and leaderboard.
    task = Task.init(project_name=options.project,
                     task_name='Random Hyper-Parameter Search Example',
                     task_type=Task.TaskTypes.optimizer, reuse_last_task_id=False,
                     auto_connect_arg_parser=False)

    # Track the parameters dictionary; when an agent runs this task, the task's values come back.
    params = task.connect(params)

    # Draw distinct configurations, and record the seed so that the draw can be repeated.
    space, seed, configurations = draw_configurations(params)
    task.set_parameter('General/seed', seed)
    print(f'Seed: {seed} (run with --seed {seed} to draw the same configurations)')

    # Select the base template task, and check the queue before cloning anything.
    template_task = find_template(params)
    check_template_parameters(template_task, space)
    check_queue(params['execution_queue_name'])

    clones = []
    for i, configuration in enumerate(configurations):
        # Clone the template task into a new write-enabled task (where we can change parameters).
        cloned_task = Task.clone(source_task=template_task,
                                 name=template_task.name + ' {}'.format(i),
                                 parent=template_task.id, project=task.project)

        # Get the original template parameters.
        cloned_task_parameters = cloned_task.get_parameters()

        # Override them with the random sample, in the template's own parameter section.
        for name, value in configuration.items():
            cloned_task_parameters[f'{TEMPLATE_SECTION}/{name}'] = value

        # Put them back into the new cloned task.
        cloned_task.set_parameters(cloned_task_parameters)
        print('Experiment {} set with parameters {}'.format(i, configuration))

        # Enqueue the task for execution.
        Task.enqueue(cloned_task.id, queue_name=params['execution_queue_name'])
        print('Experiment id={} enqueue for execution'.format(cloned_task.id))
        clones.append(cloned_task)

    # We are done; the next step is to watch the experiments, here or in the web UI.
    print('Done')
    if params['wait']:
        search_report.follow(task, clones, list(space), params['execution_queue_name'])


def close_controller(mark, reason):
    """Close the controller task, if there is one, then mark it. Closing before Python exits keeps
    ClearML's exit hooks from talking to the server during shutdown (and printing a traceback);
    closing marks the task completed, hence the mark after it."""
    controller = Task.current_task()
    if controller:
        controller.close()
        mark(controller, reason)


if __name__ == '__main__':
    try:
        main()
    except (SearchError, SearchSpaceError) as error:
        print(f'random_search.py: error: {error}', file=sys.stderr, flush=True)
        close_controller(lambda task, reason: task.mark_failed(status_reason=reason, force=True),
                         str(error))
        sys.exit(1)
    except KeyboardInterrupt:
        print('random_search.py: interrupted', file=sys.stderr, flush=True)
        close_controller(lambda task, reason: task.mark_stopped(force=True, status_message=reason),
                         'interrupted (Ctrl-C)')
        sys.exit(130)
