"""Following a random search's clones to the end; its leaderboard, printed, tabled and plotted."""
import signal
import time

from clearml import Task
from clearml.backend_api.session import Session

FINISHED = ('completed', 'failed', 'stopped', 'closed', 'published')
METRIC = ('evaluate', 'accuracy')


def follow(task, clones, parameter_names, queue_name, poll_seconds=5.0):
    """Wait for every clone to finish, then print the leaderboard and report it to `task`.

    On Ctrl-C the clones that have not finished are stopped, and KeyboardInterrupt is raised.
    """
    # Ctrl-C only sets a flag, checked between polls: raised inside a ClearML call, the
    # KeyboardInterrupt could be cut short or swallowed there.
    interrupted = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
    try:
        print(f"Waiting for {len(clones)} clones on queue '{queue_name}' (an agent must serve it, "
              f"e.g. clearml-agent daemon --queue {queue_name}); Ctrl-C stops them", flush=True)
        wait_for(clones, poll_seconds, interrupted)
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        for clone in stop(clones):
            print(f'Stopped {clone.name} ({clone.id})', flush=True)
        raise KeyboardInterrupt
    rows = leaderboard(clones, parameter_names)
    print(format_leaderboard(rows, parameter_names))
    logger = task.get_logger()
    logger.report_table(title='leaderboard', series='evaluate/accuracy', iteration=0,
                        table_plot=table(rows, parameter_names))
    if any(row['accuracy'] is not None for row in rows):
        logger.report_plotly(title='parallel coordinates', series='evaluate/accuracy', iteration=0,
                             figure=parallel_coordinates(rows, parameter_names))
    logger.flush()
    print(f'Compare the clones, hyperparameters against metrics, at {compare_page(task, clones)}')
    print(f'The leaderboard table and parallel coordinates plot are on the search task: '
          f'{task.get_output_log_web_page()}')


def compare_page(task, clones):
    """The ClearML web UI's comparison of the clones, on its parallel coordinates view."""
    ids = ','.join(clone.id for clone in clones)
    return (f'{Session.get_app_server_host()}/projects/{task.project}/compare-tasks;ids={ids}'
            '/hyper-params/graph')


def wait_for(clones, poll_seconds, interrupted):
    """Poll the clones' statuses, printing a line at each change, until all have finished or
    `interrupted` is no longer empty."""
    started, last = time.monotonic(), {}
    while not interrupted:
        for clone in clones:
            status = clone.get_status()
            if status != last.get(clone.id):
                elapsed = time.monotonic() - started
                print(f'[{elapsed:5.0f}s] {clone.name} ({clone.id}): {status}', flush=True)
                last[clone.id] = status
        if all(status in FINISHED for status in last.values()):
            return
        next_poll = time.monotonic() + poll_seconds
        while not interrupted and time.monotonic() < next_poll:
            time.sleep(0.1)


def stop(clones):
    """Dequeue and mark stopped every clone not yet finished; return those it stopped."""
    stopped = []
    for clone in clones:
        status = clone.get_status()
        if status in FINISHED:
            continue
        if status == 'queued':
            Task.dequeue(clone)
        clone.mark_stopped(force=True, status_message='stopped by random_search.py (Ctrl-C)')
        stopped.append(clone)
    return stopped


def leaderboard(clones, parameter_names):
    """One row per clone: its name, id, status, parameters and evaluate/accuracy, best first."""
    rows = []
    for clone in clones:
        clone.reload()
        parameters = clone.get_parameters()
        metric = clone.get_last_scalar_metrics().get(METRIC[0], {}).get(METRIC[1], {})
        accuracy = metric.get('last') if clone.status == 'completed' else None
        rows.append({'name': clone.name, 'id': clone.id, 'status': clone.status,
                     'accuracy': accuracy,
                     'dataset': parameters.get('properties/dataset', ''),
                     'parameters': {name: parameters.get(f'General/{name}', '')
                                    for name in parameter_names}})
    return best_first(rows)


def best_first(rows):
    """Rows sorted by evaluate/accuracy, highest first; rows without a result last."""
    return sorted(rows, key=lambda row: (row['accuracy'] is None, -(row['accuracy'] or 0)))


def table(rows, parameter_names):
    """The leaderboard as a list of rows, the header first, for Logger.report_table."""
    header = ['rank', 'evaluate/accuracy', *parameter_names, 'status', 'dataset', 'task', 'id']
    return [header] + [
        [rank, _accuracy_text(row), *row['parameters'].values(), row['status'], row['dataset'],
         row['name'], row['id']]
        for rank, row in _ranked(rows)]


def format_leaderboard(rows, parameter_names):
    """The leaderboard as aligned text, best first, failed clones marked."""
    lines = table(rows, parameter_names)
    widths = [max(len(str(line[column])) for line in lines) for column in range(len(lines[0]))]
    text = ['  '.join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip()
            for line in lines]
    return '\n'.join(['Leaderboard, best evaluate/accuracy first:', *text])


def parallel_coordinates(rows, parameter_names):
    """A plotly parcoords figure: one line per finished clone, coloured by evaluate/accuracy."""
    finished = [row for row in rows if row['accuracy'] is not None]
    accuracies = [row['accuracy'] for row in finished]
    dimensions = [{'label': name, 'values': [float(row['parameters'][name]) for row in finished]}
                  for name in parameter_names]
    dimensions.append({'label': 'evaluate/accuracy', 'values': accuracies})
    return {'data': [{'type': 'parcoords', 'dimensions': dimensions,
                      'line': {'color': accuracies, 'colorscale': 'Viridis', 'showscale': True}}],
            'layout': {'title': {'text': 'Random search: parameters and evaluate/accuracy'}}}


def _ranked(rows):
    rank = 0
    for row in rows:
        if row['accuracy'] is None:
            yield '-', row
        else:
            rank += 1
            yield rank, row


def _accuracy_text(row):
    if row['accuracy'] is None:
        return row['status'].upper() if row['status'] != 'completed' else 'NO RESULT'
    return f"{row['accuracy']:.4f}"
