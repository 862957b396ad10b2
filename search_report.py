"""A random search's leaderboard: its clones found by tag, printed, tabled, plotted and reported."""
from clearml import Task
from clearml.backend_api.session import Session

METRIC = ('evaluate', 'accuracy')


def search_tag(controller_id):
    """The tag of a search's clones, ClearML HyperParameterOptimizer's convention
    (clearml/automation/optimization.py: 'opt: <optimizer task id>')."""
    return f'opt: {controller_id}'


def clones_of(controller_id, fields):
    """The search's clones, oldest first, as dicts of `fields` (and 'id'), in one query."""
    return Task.query_tasks(tags=[search_tag(controller_id)], additional_return_fields=fields,
                            task_filter={'order_by': ['created']})


def status_of(clone):
    """A clone's status as a string (the SDK returns an enum)."""
    return getattr(clone['status'], 'value', clone['status'])


def parameter(clone, section, name, default=''):
    """A parameter's value from a clone dict with 'hyperparams', or `default`."""
    item = ((clone.get('hyperparams') or {}).get(section) or {}).get(name)
    return default if item is None else item.value


def leaderboard(controller_id, parameter_names):
    """One row per clone of the search: name, id, status, attempts, parameters and
    evaluate/accuracy (of completed clones), best first."""
    rows = []
    for clone in clones_of(controller_id, ['name', 'status', 'hyperparams', 'last_metrics']):
        status = status_of(clone)
        rows.append({'name': clone['name'], 'id': clone['id'], 'status': status,
                     'accuracy': _accuracy(clone) if status == 'completed' else None,
                     'attempts': parameter(clone, 'properties', 'attempts', '1'),
                     'dataset': parameter(clone, 'properties', 'dataset'),
                     'parameters': {name: parameter(clone, 'General', name)
                                    for name in parameter_names}})
    return best_first(rows)


def _accuracy(clone):
    for variants in (clone.get('last_metrics') or {}).values():
        for metric in variants.values():
            if (metric.get('metric'), metric.get('variant')) == METRIC:
                return metric.get('value')
    return None


def best_first(rows):
    """Rows sorted by evaluate/accuracy, highest first; rows without a result last."""
    return sorted(rows, key=lambda row: (row['accuracy'] is None, -(row['accuracy'] or 0)))


def report(task, rows, parameter_names, finished):
    """Report the leaderboard to the controller task, as a table, a parallel coordinates plot and
    the best evaluate/accuracy so far against the number of finished clones."""
    logger = task.get_logger()
    logger.report_table(title='leaderboard', series='evaluate/accuracy', iteration=finished,
                        table_plot=table(rows, parameter_names))
    if any(row['accuracy'] is not None for row in rows):
        logger.report_plotly(title='parallel coordinates', series='evaluate/accuracy',
                             iteration=finished, figure=parallel_coordinates(rows, parameter_names))
        logger.report_scalar(title='best so far', series='evaluate/accuracy', iteration=finished,
                             value=rows[0]['accuracy'])
    logger.flush()


def compare_page(task, rows):
    """The ClearML web UI's comparison of the clones, on its parallel coordinates view."""
    ids = ','.join(row['id'] for row in rows)
    return (f'{Session.get_app_server_host()}/projects/{task.project}/compare-tasks;ids={ids}'
            '/hyper-params/graph')


def table(rows, parameter_names):
    """The leaderboard as a list of rows, the header first, for Logger.report_table."""
    header = ['rank', 'evaluate/accuracy', *parameter_names, 'status', 'attempts', 'dataset',
              'task', 'id']
    return [header] + [
        [rank, _accuracy_text(row), *row['parameters'].values(), row['status'], row['attempts'],
         row['dataset'], row['name'], row['id']]
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
