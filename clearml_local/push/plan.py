"""What a push carries: the source's objects, or those of the projects asked for."""
from dataclasses import dataclass

from .source import SourceError


@dataclass
class Selection:
    projects: list  # Each after the projects above it.
    queues: list
    tasks: list  # Oldest first.
    models: list


def select(source, project_names=()):
    """Every object of the source, or with project_names those of the projects so named and
    of the projects below them, the projects above them included so that the hierarchy goes
    along. Every queue goes: tasks name theirs. Raises SourceError for an unknown name."""
    projects, tasks, models = source.projects(), source.tasks(), source.models()
    if not project_names:
        return Selection(projects, source.queues(), tasks, models)
    chosen = {project["id"] for project in projects
              if any(_within(project["name"], name) for name in project_names)}
    unknown = [name for name in project_names
               if not any(_within(project["name"], name) for project in projects)]
    if unknown:
        raise SourceError(f"no project named {', '.join(map(repr, unknown))} in the source")
    above = {up for project in projects if project["id"] in chosen for up in project["path"]}
    tasks = [task for task in tasks if task.get("project") in chosen]
    task_ids = {task["id"] for task in tasks}
    return Selection([p for p in projects if p["id"] in chosen | above], source.queues(), tasks,
                     [m for m in models if m.get("project") in chosen or m.get("task") in task_ids])


def _within(project_name, name):
    return project_name == name or project_name.startswith(name.rstrip("/") + "/")
