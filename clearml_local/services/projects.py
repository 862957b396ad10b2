"""The projects.* service."""
from ..storage import PROJECT_EDITABLE
from ._request import field, get_all as get_all_of, object_fields


def create(call):
    field(call, "name")
    return {"id": call.storage.create_project(object_fields(call, PROJECT_EDITABLE),
                                              call.identity)}


def get_by_id(call):
    return {"project": call.storage.get_project(field(call, "project"))}


def get_all(call):
    return get_all_of(call, "projects")


def update(call):
    fields = object_fields(call, PROJECT_EDITABLE)
    return {"updated": 1,
            "fields": call.storage.edit_project(field(call, "project"), fields)}


def delete(call):
    return call.storage.delete_project(field(call, "project"),
                                       field(call, "force", bool, required=False, default=False))
