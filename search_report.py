"""A random search's leaderboard: its clones found by tag, ranked by the search's objective,
printed, tabled, plotted and reported."""
from dataclasses import dataclass

from clearml import Task
from clearml.backend_api.session import Session

# clearml-param-search's --objective-metric-sign: the last reported value's min or max, or the
# min or max of every value reported (HyperParameterOptimizer, clearml/automation/optimization.py).
SIGNS = ('min', 'max', 'min_global', 'max_global')
SIGN_WORDS = {'max': '', 'min': ' (lowest)', 'max_global': ' (highest at any iteration)',
              'min_global': ' (lowest at any iteration)'}


@dataclass(frozen=True)
class Objective:
    """The scalar a search ranks its clones by: a title, a series and a sign (SIGNS)."""
    title: str = 'evaluate'
    series: str = 'accuracy'
    sign: str = 'max'

    @property
    def label(self):
        return f'{self.title}/{self.series}'

    @property
    def lowest_first(self):
        return self.sign.startswith('min')

    def value_of(self, entry):
        """The objective's value from a task's last_metrics entry of its title and series."""
        if not self.sign.endswith('_global'):
            return entry.get('value')
        return entry.get('min_value' if self.lowest_first else 'max_value')

    def heading(self):
        return f'Leaderboard, best {self.label} first{SIGN_WORDS[self.sign]}:'


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


def searched(clone, name):
    """The value of a searched parameter, named as in the space: a bare name is in General."""
    section, key = name.split('/', 1) if '/' in name else ('General', name)
    return parameter(clone, section, key)


def leaderboard(controller_id, parameter_names, objective=Objective()):
    """One row per clone of the search: name, id, status, attempts, parameters and the objective
    (of completed clones), best first."""
    rows = []
    for clone in clones_of(controller_id, ['name', 'status', 'hyperparams', 'last_metrics']):
        status = status_of(clone)
        rows.append({'name': clone['name'], 'id': clone['id'], 'status': status,
                     'objective': _objective(clone, objective) if status == 'completed' else None,
                     'attempts': parameter(clone, 'properties', 'attempts', '1'),
                     'dataset': parameter(clone, 'properties', 'dataset'),
                     'parameters': {name: searched(clone, name) for name in parameter_names}})
    return best_first(rows, objective)


def _objective(clone, objective):
    for variants in (clone.get('last_metrics') or {}).values():
        for metric in variants.values():
            if (metric.get('metric'), metric.get('variant')) == (objective.title,
                                                                 objective.series):
                return objective.value_of(metric)
    return None


def result(row):
    """A row's objective value, or None. Rows written while the objective was always
    evaluate/accuracy name it 'accuracy'."""
    return row['objective'] if 'objective' in row else row.get('accuracy')


def best_first(rows, objective=Objective()):
    """Rows sorted by the objective, best first for its sign; rows without a result last."""
    direction = 1 if objective.lowest_first else -1
    return sorted(rows, key=lambda row: (result(row) is None, direction * (result(row) or 0)))


def report(task, rows, parameter_names, finished, objective=Objective()):
    """Report the leaderboard to the controller task, as a table, a parallel coordinates plot and
    the best objective so far against the number of finished clones."""
    logger = task.get_logger()
    logger.report_table(title='leaderboard', series=objective.label, iteration=finished,
                        table_plot=table(rows, parameter_names, objective))
    if any(result(row) is not None for row in rows):
        logger.report_plotly(title='parallel coordinates', series=objective.label,
                             iteration=finished,
                             figure=parallel_coordinates(rows, parameter_names, objective))
        logger.report_scalar(title='best so far', series=objective.label, iteration=finished,
                             value=result(rows[0]))
    logger.flush()


def compare_page(task, rows):
    """The ClearML web UI's comparison of the clones, on its parallel coordinates view."""
    ids = ','.join(row['id'] for row in rows)
    return (f'{Session.get_app_server_host()}/projects/{task.project}/compare-tasks;ids={ids}'
            '/hyper-params/graph')


def table(rows, parameter_names, objective=Objective()):
    """The leaderboard as a list of rows, the header first, for Logger.report_table; the dataset
    column only when a clone recorded one (the Keras template does)."""
    dataset = ['dataset'] if any(row['dataset'] for row in rows) else []
    header = ['rank', objective.label, *parameter_names, 'status', 'attempts', *dataset, 'task',
              'id']
    return [header] + [
        [rank, _result_text(row), *row['parameters'].values(), row['status'], row['attempts'],
         *[row[column] for column in dataset], row['name'], row['id']]
        for rank, row in _ranked(rows)]


def format_leaderboard(rows, parameter_names, objective=Objective()):
    """The leaderboard as aligned text under a heading naming the objective, best first, failed
    clones marked."""
    lines = table(rows, parameter_names, objective)
    widths = [max(len(str(line[column])) for line in lines) for column in range(len(lines[0]))]
    text = ['  '.join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip()
            for line in lines]
    return '\n'.join([objective.heading(), *text])


def parallel_coordinates(rows, parameter_names, objective=Objective()):
    """A plotly parcoords figure: one line per finished clone, coloured by the objective, the
    best brightest; a parameter whose values are not all numbers gets one tick per value."""
    finished = [row for row in rows if result(row) is not None]
    results = [result(row) for row in finished]
    dimensions = [_dimension(name, [row['parameters'][name] for row in finished])
                  for name in parameter_names]
    dimensions.append({'label': objective.label, 'values': results})
    return {'data': [{'type': 'parcoords', 'dimensions': dimensions,
                      'line': {'color': results, 'colorscale': 'Viridis', 'showscale': True,
                               'reversescale': objective.lowest_first}}],
            'layout': {'title': {'text': f'Random search: parameters and {objective.label}'}}}


def _dimension(name, values):
    try:
        return {'label': name, 'values': [float(value) for value in values]}
    except ValueError:
        categories = sorted(set(map(str, values)))
        return {'label': name, 'values': [categories.index(str(value)) for value in values],
                'tickvals': list(range(len(categories))), 'ticktext': categories}


def _ranked(rows):
    rank = 0
    for row in rows:
        if result(row) is None:
            yield '-', row
        else:
            rank += 1
            yield rank, row


def _result_text(row):
    value = result(row)
    if value is None:
        return row['status'].upper() if row['status'] != 'completed' else 'NO RESULT'
    return f'{value:.4f}' if value == 0 or 0.001 <= abs(value) < 1e9 else f'{value:.4e}'
