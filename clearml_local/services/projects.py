"""The projects.* service."""
from ..storage import PROJECT_EDITABLE
from . import field, get_all_filters, object_fields, only, paging


def create(call):
    field(call, "name")
    return {"id": call.storage.create_project(object_fields(call, PROJECT_EDITABLE),
                                              call.identity)}


def get_by_id(call):
    return {"project": call.storage.get_project(field(call, "project"))}


def get_all(call):
    filters = get_all_filters(call, "id", "name", "tags", "system_tags", "search_text",
                              "search_hidden")
    page, page_size = paging(call)
    projects = call.storage.query("projects", filters,
                                  field(call, "order_by", list, required=False), page, page_size)
    only_fields = field(call, "only_fields", list, required=False)
    return {"projects": [only(project, only_fields) for project in projects]}


def update(call):
    fields = object_fields(call, PROJECT_EDITABLE)
    return {"updated": 1,
            "fields": call.storage.edit_project(field(call, "project"), fields)}


def delete(call):
    return call.storage.delete_project(field(call, "project"),
                                       field(call, "force", bool, required=False, default=False))
