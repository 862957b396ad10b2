"""The random search's command line: its options (the space and objective named as in
clearml-param-search), the errors it explains, and the dry run."""
import argparse
import json
import sys

from search_report import SIGNS
from search_runner import SearchError, close_controller
from search_space import (KERAS_SPACE, SearchSpaceError, describe, json_objects,
                          sample_configurations, search_overrides, search_seed, search_space)

PARAMS_SEARCH_HELP = (
    'the search space in clearml-param-search\'s format: JSON objects such as {"name": '
    '"Args/lr", "type": "LogUniformParameterRange", "min_value": -4, "max_value": -1} '
    '(types: DiscreteParameterRange with "values"; UniformParameterRange, '
    'UniformIntegerParameterRange and LogUniformParameterRange with "min_value", "max_value", '
    '"step_size", "include_max_value"; log-uniform bounds are exponents of "base", default 10), '
    'or @FILE.json holding a list of them; a bare name is in General/. Replaces the Keras '
    "example's --batch-size, --layer-1 and --layer-2")


def parse_args(argv=None):
    """The command line; the defaults are the original example's behaviour. Raises
    SearchSpaceError on a space that cannot be drawn from, before anything is made."""
    parser = _parser()
    options = parser.parse_args(argv)
    problem = run_options_problem(options.wait, options.retry, options.max_concurrent)
    if problem:
        parser.error(problem)
    if options.dry_run and options.resume:
        parser.error('--dry-run draws a new search without a server; it cannot --resume one')
    _read_space(options)
    return options


def _read_space(options):
    """Set the options' space: --params-search and --params-override as stored JSON lists and the
    Keras example's flags empty, or those flags' values (their defaults when not given); then
    check that the space can be drawn from."""
    keras = {name: getattr(options, name) for name in KERAS_SPACE}
    if options.params_search:
        given = [name for name, value in keras.items() if value is not None]
        if given:
            raise SearchSpaceError(f"--{given[0].replace('_', '-')} shapes the Keras example's "
                                   f"space; with --params-search, give every parameter there")
        options.params_search = json.dumps(json_objects('--params-search', options.params_search))
        keras = dict.fromkeys(KERAS_SPACE, '')
    else:
        options.params_search = ''
        keras = {name: KERAS_SPACE[name] if value is None else value
                 for name, value in keras.items()}
    vars(options).update(keras)
    options.params_override = json.dumps(json_objects(
        '--params-override', options.params_override)) if options.params_override else ''
    search_overrides(vars(options), search_space(vars(options)))


def _parser():
    parser = argparse.ArgumentParser(
        prog='random_search.py',
        description='Random search over a template task: clone it with random parameters and '
                    'enqueue the clones for clearml-agent. Without --params-search, the Keras '
                    "template's batch size and layer sizes, as in ClearML's example.",
        epilog='Every option but --project, --resume and --dry-run is also a parameter of the '
               'controller task (General/...); when clearml-agent runs that task, its values win, '
               'and a controller task that clearml-agent runs again resumes its search.')
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
    parser.add_argument('--params-search', nargs='+', metavar='JSON', help=PARAMS_SEARCH_HELP)
    parser.add_argument('--params-override', nargs='+', metavar='JSON',
                        help='fixed values written into every clone: JSON objects such as '
                             '{"name": "Args/epochs", "value": 1}, or @FILE.json')
    parser.add_argument('--objective-metric-title', default='evaluate', metavar='TITLE',
                        help='title of the scalar the search ranks by (default: %(default)s)')
    parser.add_argument('--objective-metric-series', default='accuracy', metavar='SERIES',
                        help='series of that scalar (default: %(default)s)')
    parser.add_argument('--objective-metric-sign', default='max', choices=SIGNS,
                        help='min or max of its last value; min_global or max_global of every '
                             'value reported (default: %(default)s)')
    parser.add_argument('--batch-size', type=int, nargs='+', metavar='N',
                        help=f"batch sizes to draw from (default: {KERAS_SPACE['batch_size']})")
    for layer in ('layer-1', 'layer-2'):
        parser.add_argument(f'--{layer}', type=int, nargs=3, metavar=('START', 'STOP', 'STEP'),
                            help=f'{layer} units drawn from range(START, STOP, STEP) '
                                 f'(default: 128 512 32)')
    parser.add_argument('--seed', type=int, default=None,
                        help='seed of the random draw (default: a new one, printed and recorded)')
    parser.add_argument('--wait', action='store_true',
                        help='follow the clones to the end, then print and report a leaderboard')
    parser.add_argument('--retry', type=_at_least(0), default=0, metavar='N',
                        help='with --wait: reset and enqueue a failed clone again, up to N times '
                             '(a stopped one is not retried) (default: %(default)s)')
    parser.add_argument('--max-concurrent', type=_at_least(1), default=0, metavar='K',
                        help='with --wait: at most K clones queued or running at a time; the next '
                             'is enqueued as one finishes (default: no limit)')
    parser.add_argument('--resume', metavar='CONTROLLER_ID', default='',
                        help="continue the search of that controller task: its space, objective, "
                             "seed, template and queue; launch the configurations it has not "
                             "launched, enqueue again the clones Ctrl-C stopped, and follow them")
    parser.add_argument('--dry-run', action='store_true',
                        help='print the configurations that would be launched and the values '
                             'each parameter takes; touch nothing')
    return parser


def _at_least(minimum):
    def integer(text):
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f'must be at least {minimum}; got {value}')
        return value
    integer.__name__ = 'integer'  # argparse names the type in its error messages.
    return integer


def run_options_problem(wait, retry, max_concurrent):
    """Why --retry or --max-concurrent cannot be used without --wait, or None."""
    if max_concurrent and not wait:
        return ('--max-concurrent needs --wait: the next clone is enqueued only as one finishes, '
                'so the controller must stay and follow the clones')
    if retry and not wait:
        return ('--retry needs --wait: a failed clone is enqueued again only by a controller that '
                'stays and follows the clones')
    return None


def check_run_options(params):
    """Raise SearchError if the task's parameters (edited in a web UI, say) cannot run."""
    problem = run_options_problem(params['wait'], params['retry'], params['max_concurrent'])
    if problem:
        raise SearchError(problem.replace('--max-concurrent', 'max_concurrent')
                          .replace('--retry', 'retry').replace('--wait', 'wait'))


def explain_errors():
    """End the script on a SearchError or SearchSpaceError with its message instead of a
    traceback, and on Ctrl-C with a word; the controller task, if any, is marked failed or
    stopped. Other exceptions keep their traceback."""
    previous = sys.excepthook

    def explained(kind, error, traceback):
        if issubclass(kind, (SearchError, SearchSpaceError)):
            print(f'random_search.py: error: {error}', file=sys.stderr, flush=True)
            close_controller(lambda task: task.mark_failed(status_reason=str(error), force=True))
        elif issubclass(kind, KeyboardInterrupt):
            print('random_search.py: interrupted', file=sys.stderr, flush=True)
            close_controller(lambda task: task.mark_stopped(
                force=True, status_message='interrupted (Ctrl-C)'))
        else:
            previous(kind, error, traceback)
    sys.excepthook = explained


def print_dry_run(params):
    """Print the values each parameter takes and the configurations a search with these
    parameters would launch."""
    seed = search_seed(params['seed'])
    space = search_space(params)
    configurations = sample_configurations(space, params['total_number_of_experiments'], seed)
    template = params['experiment_template_id'] or (
        f"'{params['experiment_template_name']}' "
        f"(project '{params['experiment_template_project']}')")
    print(f"Dry run: would clone template {template} {len(configurations)} times and enqueue "
          f"the clones on queue '{params['execution_queue_name']}', ranked by "
          f"{params['objective_metric_title']}/{params['objective_metric_series']} "
          f"({params['objective_metric_sign']})")
    for name, values in space.items():
        print(f'  {describe(name, values)}')
    for name, value in search_overrides(params, space).items():
        print(f'  {name}: {value} (fixed)')
    for i, configuration in enumerate(configurations):
        print('Experiment {} would be set with parameters {}'.format(i, configuration))
    print(f'Seed: {seed} (nothing was created, cloned or enqueued)')
