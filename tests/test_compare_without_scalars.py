"""The compare page of experiments that reported no scalars: a template and its fresh clone."""
import pytest
import requests


@pytest.fixture(scope="module")
def unreported(server):
    """A template that never ran and its clone: neither has a scalar."""
    project = server.api("projects.create", name="compare without scalars")["id"]
    template = server.api("tasks.create", name="template", type="training", project=project,
                          hyperparams={"General": {"lr": {"section": "General", "name": "lr",
                                                          "value": "0.1"}}})["id"]
    clone = server.api("tasks.clone", task=template)["id"]
    return [template, clone]


def test_compare_twin_of_experiments_without_scalars(server, unreported):
    answer = requests.get(f"{server.web_url}/compare.json", params={"ids": ",".join(unreported)},
                          headers={"Authorization": f"Bearer {server.token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert sorted(row["id"] for row in page["experiments"]) == sorted(unreported)
    assert page["scalars"] == [] and page["choice"]["metric"] is None


@pytest.mark.browser
def test_compare_page_of_experiments_without_scalars(server, unreported, page):
    answer = page.goto(f"{server.web_url}/compare?ids={','.join(unreported)}")
    assert answer.status == 200
    assert page.locator("table.compare tbody tr").count() == 2
