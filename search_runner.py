"""The random search's run: the checks before it clones, resume, retry, limits, and following
the clones to a leaderboard of its objective."""
import ast
import re
import signal
import sys
import time

import requests
from clearml import Task
from clearml.backend_api.session import Session
from clearml.backend_api.session.client import APIClient
from clearml.backend_api.session.defs import ENV_ACCESS_KEY, ENV_AUTH_TOKEN, ENV_SECRET_KEY
from clearml.config import config_obj

from search_report import (SIGNS, Objective, clones_of, compare_page, format_leaderboard,
                           leaderboard, parameter, report, search_tag, searched, status_of)
from search_space import KERAS_SPACE, section_name

TEMPLATE_SCRIPT = 'base_template_keras_simple.py'
# The parameters that define a search; a resumed search takes them from its controller task:
# the Keras example's space (KERAS_SPACE) unless it has a params_search, and these.
DEFINITION = ('total_number_of_experiments', 'execution_queue_name', 'experiment_template_name',
              'experiment_template_project', 'experiment_template_id', 'seed')
# Taken too when the controller task has them; older ones searched the Keras example's space for
# the highest evaluate/accuracy.
CHOSEN = ('params_search', 'params_override', 'objective_metric_title',
          'objective_metric_series', 'objective_metric_sign')
ACTIVE = ('queued', 'in_progress')
FINISHED = ('completed', 'failed', 'stopped', 'closed', 'published')
# Clones stopped with this message were stopped by Ctrl-C, not by a person: a resume reruns them.
STOPPED_BY_CTRL_C = 'stopped by random_search.py (Ctrl-C)'
CLONE_FIELDS = ['name', 'status', 'status_message', 'status_reason', 'hyperparams']


class SearchError(Exception):
    """A problem the user can fix; the message says how."""


def close_controller(mark):
    """Close the controller task, if there is one, then mark it. Closing before Python exits keeps
    ClearML's exit hooks from talking to the server during shutdown (and printing a traceback);
    closing marks the task completed, hence the mark after it."""
    controller = Task.current_task()
    if controller:
        controller.close()
        mark(controller)


def objective_of(params):
    """The search's objective from its parameters. Raises SearchError on an unknown sign or an
    empty title or series (a controller task edited in a web UI, say)."""
    objective = Objective(params['objective_metric_title'], params['objective_metric_series'],
                          params['objective_metric_sign'])
    if objective.sign not in SIGNS or not objective.title or not objective.series:
        raise SearchError(f"the objective {objective.label} ({objective.sign}) needs a title, a "
                          f"series and a sign among {', '.join(SIGNS)}")
    return objective


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


def resumed_params(controller_id, params):
    """`params` with the search's definition (space, objective, seed, number of experiments,
    template and queue) read from the controller task `controller_id`, the other options kept;
    `params` itself when `controller_id` is empty. Raises SearchError unless it is a search's
    controller task."""
    if not controller_id:
        return params
    found = Task.query_tasks(task_filter={'id': [controller_id]},
                             additional_return_fields=['hyperparams'])
    if not found:
        raise SearchError(f'no task with id {controller_id} to resume; give the id of a search '
                          f'controller task (random_search.py prints it: "created new task id=")')
    stored = {name: parameter(found[0], 'General', name, None)
              for name in (*KERAS_SPACE, *DEFINITION, *CHOSEN)}
    needed = DEFINITION if stored['params_search'] else (*KERAS_SPACE, *DEFINITION)
    missing = [name for name in needed if stored[name] is None]
    if missing:
        raise SearchError(f"task {controller_id} is not a random search's controller: it has no "
                          f"parameters {', '.join(f'General/{name}' for name in missing)}")
    print(f"Resuming search {controller_id} with its own space, seed {stored['seed']}, template "
          f"and queue '{stored['execution_queue_name']}'")
    return {**params, **{name: _cast(controller_id, name, text, params[name])
                         for name, text in stored.items() if text is not None}}


def _cast(controller_id, name, text, like):
    """A stored parameter's text as the type of `like`, the command line's value."""
    if isinstance(like, str):
        return text
    if text in ('', 'None'):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise SearchError(f'controller task {controller_id} has General/{name} = {text!r}, '
                          f'which is not a valid value; correct it in the web UI') from None


def how_to_register(params):
    """How the search's template task is registered: the Keras example's script, or any script
    with Task.init."""
    if params['params_search']:
        return 'Register it by running its script once (its Task.init registers it)'
    return f'Register it by running: python {TEMPLATE_SCRIPT}'


def check_template_exists(params):
    """Raise SearchError unless the template task is found, by id or by project and name."""
    if params['experiment_template_id']:
        if not Task.query_tasks(task_filter={'id': [params['experiment_template_id']]}):
            raise SearchError(f"no template task with id {params['experiment_template_id']}. "
                              f"{how_to_register(params)}")
        return
    project, name = params['experiment_template_project'], params['experiment_template_name']
    if not APIClient().projects.get_all(name=f'^{re.escape(project)}$', only_fields=['id']) or \
            not Task.query_tasks(project_name=project, task_name=f'^{re.escape(name)}$'):
        raise SearchError(f"template task '{name}' not found in project '{project}'. "
                          f"{how_to_register(params)}")


def check_template_parameters(template_task, names):
    """Raise SearchError, listing the template's parameters, unless the template has every
    parameter the search draws or fixes (a bare name is in General)."""
    parameters = template_task.get_parameters()
    missing = [section_name(name) for name in names if section_name(name) not in parameters]
    if missing:
        raise SearchError(f"template task '{template_task.name}' ({template_task.id}) has no "
                          f"parameter {', '.join(missing)}; its parameters are "
                          f"{', '.join(sorted(parameters)) or 'none'}")


def check_queue(name):
    """Raise SearchError unless the execution queue exists, before any clone is made."""
    if not APIClient().queues.get_all(name=f'^{re.escape(name)}$', only_fields=['id']):
        raise SearchError(f"queue '{name}' not found. Create it in the ClearML web UI (Workers & "
                          f"Queues), or pick an existing one with --queue.")


class SearchRun:
    """One run of a search's controller: the clones it launched before (found by their tag),
    a limit on how many are queued or running, failed ones retried, progress reported while
    following them; Ctrl-C stops the clones not yet finished and exits with 130."""

    def __init__(self, task, space, params, poll_seconds=2.0):
        self.task, self.names, self.params = task, list(space), params
        self.objective = objective_of(params)
        self.poll_seconds, self.started = poll_seconds, time.monotonic()
        self.shown, self.finished, self.waiting, self.interrupted = {}, set(), False, []
        # A continued task (--resume, or run again by an agent) would report from its last
        # iteration on; "best so far" is plotted against the number of finished clones instead.
        task.set_initial_iteration(0)
        self.earlier = {}
        for clone in clones_of(task.id, CLONE_FIELDS):
            self.earlier.setdefault(self._key(clone), clone)
        if self.earlier:
            print(f'Search {task.id} launched {len(self.earlier)} of its configurations before; '
                  f'continuing their clones')
        # Ctrl-C only sets a flag, checked between polls: raised inside a ClearML call, the
        # KeyboardInterrupt could be cut short or swallowed there. A second Ctrl-C raises it.
        self.previous_handler = signal.signal(signal.SIGINT, self._on_ctrl_c)

    def _on_ctrl_c(self, signum, frame):
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted.append(signum)

    def _key(self, clone):
        return tuple(searched(clone, name) for name in self.names)

    def clone_tags(self, cloned_task):
        """The clone's tags with this search's, and without those of a search the template came
        from (a clone copies its template's tags)."""
        return [tag for tag in cloned_task.get_tags() if not tag.startswith('opt: ')] + [
            search_tag(self.task.id)]

    def resume_clone(self, i, configuration):
        """Whether an earlier run launched `configuration`; if it did, a clone of it that Ctrl-C
        stopped, or that was never enqueued, is enqueued (again) once there is a free slot."""
        clone = self.earlier.get(tuple(str(configuration[name]) for name in self.names))
        if clone is None:
            return False
        status = status_of(clone)
        print(f"Experiment {i} was launched before: {clone['name']} ({clone['id']}), {status}")
        if status == 'created' or (status == 'stopped'
                                   and clone['status_message'] == STOPPED_BY_CTRL_C):
            self.wait_for_a_free_slot()
            self._enqueue_again(clone, 'resumed after Ctrl-C' if status == 'stopped' else '')
        return True

    def wait_for_a_free_slot(self):
        """Return once fewer than --max-concurrent clones are queued or running (at once without
        a limit); on Ctrl-C, stop the clones and exit."""
        if self.interrupted:
            self._stop_and_exit()
        if self.params['max_concurrent']:
            self._say_waiting()
            while self.poll() >= self.params['max_concurrent']:
                self._sleep()

    def follow(self):
        """Wait for every clone of the search to finish, then print the leaderboard."""
        self._say_waiting()
        while self.poll():
            self._sleep()
        signal.signal(signal.SIGINT, self.previous_handler)
        rows = leaderboard(self.task.id, self.names, self.objective)
        print(format_leaderboard(rows, self.names, self.objective))
        print(f'Compare the clones, hyperparameters against metrics, at '
              f'{compare_page(self.task, rows)}')
        print(f'The leaderboard table and parallel coordinates plot are on the search task: '
              f'{self.task.get_output_log_web_page()}')

    def poll(self):
        """Read the search's clones in one query; print each status change, retry a failed clone
        that may be, report the leaderboard when more have finished; return how many are queued
        or running. On Ctrl-C, stop the clones and exit."""
        if self.interrupted:
            self._stop_and_exit()
        statuses = []
        for clone in clones_of(self.task.id, CLONE_FIELDS):
            status = status_of(clone)
            if status != self.shown.get(clone['id']):
                elapsed = time.monotonic() - self.started
                print(f"[{elapsed:5.0f}s] {clone['name']} ({clone['id']}): {status}", flush=True)
                self.shown[clone['id']] = status
            failures = int(parameter(clone, 'properties', 'failures', '0'))
            if status == 'failed' and failures < self.params['retry']:
                reason = clone['status_reason'] or clone['status_message'] or 'no reason given'
                status = self._enqueue_again(clone, f'the last attempt failed: {reason}')
            statuses.append((clone['id'], status))
        # Reported again whenever a clone finishes, or a finished one is retried and finishes.
        finished = {(clone_id, status) for clone_id, status in statuses if status in FINISHED}
        if finished != self.finished:
            self.finished = finished
            report(self.task, leaderboard(self.task.id, self.names, self.objective), self.names,
                   len(finished), self.objective)
        return sum(status in ACTIVE for _, status in statuses)

    def _enqueue_again(self, clone, reason):
        """Enqueue the clone; a stopped or failed one is reset first, and its attempts, failures
        and the reason are recorded as its user properties. Returns its new status."""
        clone_task = Task.get_task(task_id=clone['id'])
        if reason:
            attempts = int(parameter(clone, 'properties', 'attempts', '1')) + 1
            failures = int(parameter(clone, 'properties', 'failures', '0'))
            failures += status_of(clone) == 'failed'
            clone_task.reset(force=True)
            clone_task.set_user_properties(
                attempts=attempts, failures=failures,
                requeued={'value': reason, 'description': 'why random_search.py enqueued it again'})
            print(f"Enqueued {clone['name']} ({clone['id']}) again, attempt {attempts}: {reason}",
                  flush=True)
        Task.enqueue(clone_task, queue_name=self.params['execution_queue_name'])
        if not reason:
            print('Experiment id={} enqueue for execution'.format(clone['id']), flush=True)
        return 'queued'

    def _say_waiting(self):
        if self.waiting:
            return
        self.waiting = True
        queue, limit = self.params['execution_queue_name'], self.params['max_concurrent']
        at_most = f', at most {limit} queued or running at a time' if limit else ''
        print(f"Waiting for the clones on queue '{queue}'{at_most} (an agent must serve it, "
              f"e.g. clearml-agent daemon --queue {queue}); Ctrl-C stops them", flush=True)

    def _sleep(self):
        next_poll = time.monotonic() + self.poll_seconds
        while not self.interrupted and time.monotonic() < next_poll:
            time.sleep(0.1)

    def _stop_and_exit(self):
        """Dequeue and mark stopped every clone queued or running, then exit with 130."""
        for clone in clones_of(self.task.id, ['name', 'status']):
            if status_of(clone) not in ACTIVE:
                continue
            if status_of(clone) == 'queued':
                Task.dequeue(clone['id'])
            Task.get_task(task_id=clone['id']).mark_stopped(force=True,
                                                            status_message=STOPPED_BY_CTRL_C)
            print(f"Stopped {clone['name']} ({clone['id']})", flush=True)
        print(f'random_search.py: interrupted; continue the search with: '
              f'python random_search.py --resume {self.task.id}', file=sys.stderr, flush=True)
        close_controller(lambda task: task.mark_stopped(force=True,
                                                        status_message='interrupted (Ctrl-C)'))
        sys.exit(130)
