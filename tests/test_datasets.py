"""ClearML datasets end to end: the Dataset API (parents, upload, finalize, versions, get by
project and name, list, local copies, squash) and the clearml-data CLI."""
import subprocess
import sys
from pathlib import Path

import pytest
from clearml import Dataset

PROJECT = "datasets"
CLI = str(Path(sys.executable).parent / "clearml-data")


def write_files(folder, files):
    """Write {relative path: text} under folder; returns folder."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def read_files(folder):
    return {str(p.relative_to(folder)): p.read_text() for p in Path(folder).rglob("*")
            if p.is_file()}


def finished_dataset(name, folder, parents=(), project=PROJECT):
    dataset = Dataset.create(dataset_project=project, dataset_name=name,
                             parent_datasets=list(parents))
    dataset.add_files(str(folder))
    dataset.upload()
    dataset.finalize()
    return dataset


@pytest.fixture(scope="module")
def numbers(server, tmp_path_factory):
    """A parent dataset and a child that adds a file: (parent, child)."""
    root = tmp_path_factory.mktemp("numbers")
    parent = finished_dataset("numbers", write_files(root / "a", {"one.txt": "1"}))
    child = finished_dataset("numbers", write_files(root / "b", {"sub/two.txt": "2"}),
                             parents=[parent.id])
    return parent, child


def test_child_holds_its_parents_files(numbers):
    child = Dataset.get(dataset_id=numbers[1].id)
    assert sorted(child.list_files()) == ["one.txt", "sub/two.txt"]
    assert read_files(child.get_local_copy()) == {"one.txt": "1", "sub/two.txt": "2"}


def test_each_finalized_dataset_gets_the_next_version(numbers):
    assert [d.version for d in numbers] == ["1.0.0", "1.0.1"]


def test_get_by_project_and_name_is_the_newest_version(numbers):
    assert Dataset.get(dataset_project=PROJECT, dataset_name="numbers").id == numbers[1].id


def test_get_by_version(numbers):
    found = Dataset.get(dataset_project=PROJECT, dataset_name="numbers", dataset_version="1.0.0")
    assert found.id == numbers[0].id


def test_list_datasets_lists_every_version(numbers):
    listed = Dataset.list_datasets(dataset_project=PROJECT, partial_name="numbers")
    assert sorted((d["id"], d["version"]) for d in listed) == sorted(
        (d.id, d.version) for d in numbers)


def test_squash_merges_the_files(numbers, tmp_path):
    squashed = Dataset.squash(dataset_name="squashed", dataset_ids=[d.id for d in numbers])
    copy = squashed.get_mutable_local_copy(str(tmp_path / "copy"))
    assert read_files(copy) == {"one.txt": "1", "sub/two.txt": "2"}


def clearml_data(server, cwd, *args):
    result = subprocess.run([CLI, *args], cwd=cwd, env=server.env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_cli_create_add_close_search_list_get(server, tmp_path):
    write_files(tmp_path / "files", {"a.csv": "x,y\n1,2\n", "b/c.txt": "three"})
    created = clearml_data(server, tmp_path, "create", "--project", "cli", "--name", "files")
    dataset_id = created.split("New dataset created id=")[1].split()[0]
    clearml_data(server, tmp_path, "add", "--files", "files")
    clearml_data(server, tmp_path, "close")
    assert dataset_id in clearml_data(server, tmp_path, "search", "--project", "cli")
    listed = clearml_data(server, tmp_path, "list", "--project", "cli", "--name", "files")
    assert "a.csv" in listed and "b/c.txt" in listed
    clearml_data(server, tmp_path, "get", "--id", dataset_id, "--copy", "copy")
    assert read_files(tmp_path / "copy") == read_files(tmp_path / "files")
