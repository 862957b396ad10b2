"""Projects, nested by their names ("a/b/c"): create, rename, delete.

Rules from clearml-server apiserver/bll/project/project_bll.py and sub_projects.py.
"""
from .. import errors
from .lists import in_values
from .rows import Rows, _decode, now

PROJECT_EDITABLE = ("name", "description", "tags", "system_tags", "default_output_destination")
MAX_PROJECT_DEPTH = 10  # clearml-server services.projects.sub_projects.max_depth


def _project_name(name):
    """A project name cleaned as clearml-server does (sub_projects.py _validate_project_name)."""
    if not isinstance(name, str):
        raise errors.InvalidProjectName(f"invalid project name {name!r}")
    parts = [part.strip() for part in name.split("/") if part]
    if len(parts) > MAX_PROJECT_DEPTH:
        raise errors.ProjectPathExceedsMax(
            f"project {name!r} is deeper than {MAX_PROJECT_DEPTH} levels")
    if not parts or not all(parts):
        raise errors.InvalidProjectName(f"invalid project name {name!r}")
    return "/".join(parts)


class Projects(Rows):
    """Projects and the tree their names make."""

    def get_project(self, project_id):
        return self._get("projects", project_id)

    def project_rows(self):
        """Every project but the hidden ones, by name."""
        return self.query("projects", order_by=["name"])

    def every_project(self):
        """Every project, hidden ones too, by name: each after the projects above it."""
        return self.query("projects", {"search_hidden": True}, ["name"])

    def create_project(self, fields, identity):
        """Create a project; the projects its name places it under ("a" and "a/b" for "a/b/c")
        are created when missing (clearml-server bll/project/sub_projects.py _ensure_project).

        Raises InvalidProjectName for an empty name, ProjectPathExceedsMax past 10 levels,
        ExpectedUniqueData when the project exists.
        """
        name = _project_name(fields.get("name"))
        with self.transaction():
            if self.db.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone():
                raise errors.ExpectedUniqueData(f"project {name!r} already exists", name=name)
            parent = self._ensure_project(name.rpartition("/")[0], identity)
            return self._create_under(dict(fields, name=name), parent, identity)

    def _ensure_project(self, name, identity):
        """The project named name (created with its parents when missing), or None for ''."""
        if not name:
            return None
        row = self.db.execute("SELECT * FROM projects WHERE name = ?", (name,)).fetchone()
        if row:
            return _decode("projects", row)
        parent = self._ensure_project(name.rpartition("/")[0], identity)
        return self.get_project(self._create_under({"name": name}, parent, identity))

    def _create_under(self, fields, parent, identity):
        path = parent["path"] + [parent["id"]] if parent else []
        if parent:
            self._update("projects", parent["id"], {"last_update": now()})
        return self._create("projects", fields, basename=fields["name"].rpartition("/")[2],
                            parent=parent["id"] if parent else None, path=path,
                            user=identity["user"], company=identity["company"])

    def project_descendants(self, project_ids):
        """The ids of the projects below the given ones, at any depth."""
        if not project_ids:
            return []
        listed, args = in_values("value", list(project_ids))
        return [row["id"] for row in self.db.execute(
            "SELECT id FROM projects WHERE EXISTS (SELECT 1 FROM json_each(projects.path)"
            f" WHERE {listed})", args)]

    def edit_project(self, project_id, fields):
        """Edit a project; a new name renames the projects below it too, and may not move it
        (CannotUpdateProjectLocation, as clearml-server bll/project/project_bll.py update)."""
        with self.transaction():
            project = self.get_project(project_id)
            if "name" not in fields:
                return self._edit("projects", project_id, fields)
            name = _project_name(fields["name"])
            if name.rpartition("/")[0] != project["name"].rpartition("/")[0]:
                raise errors.CannotUpdateProjectLocation(
                    f"cannot move project {project['name']!r} to {name!r}", name=name)
            if name != project["name"] and self.db.execute(
                    "SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone():
                raise errors.ExpectedUniqueData(f"project {name!r} already exists", name=name)
            for child in self.get_all("projects", {"id": self.project_descendants([project_id])}):
                self._update("projects", child["id"], {
                    "name": name + child["name"][len(project["name"]):], "last_update": now()})
            return self._edit("projects", project_id,
                              dict(fields, name=name, basename=name.rpartition("/")[2]))

    def delete_project(self, project_id, force=False):
        """Delete a project and the projects below it; their tasks and models are kept,
        without a project. Raises ProjectHasTasks when they have tasks, unless force."""
        with self.transaction():
            self._get("projects", project_id)
            ids = [project_id] + self.project_descendants([project_id])
            listed, args = in_values("project", ids)
            count = self.db.execute(f"SELECT COUNT(*) FROM tasks WHERE {listed}",
                                    args).fetchone()[0]
            if count and not force:
                raise errors.ProjectHasTasks(f"project has {count} tasks", tasks=count)
            for table in ("tasks", "models"):
                self.db.execute(f"UPDATE {table} SET project = NULL WHERE {listed}", args)
            listed, args = in_values("id", ids)
            self.db.execute(f"DELETE FROM projects WHERE {listed}", args)
            return {"deleted": 1, "disassociated_tasks": count}
