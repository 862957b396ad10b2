"""A dataset of one file and a child version that adds another, in project argv[1]."""
import sys
from pathlib import Path

from clearml import Dataset

for name, text in (("parent/one.txt", "1"), ("child/sub/two.txt", "2")):
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(text)
parent = Dataset.create(dataset_project=sys.argv[1], dataset_name="numbers")
parent.add_files("parent")
parent.upload()
parent.finalize()
child = Dataset.create(dataset_project=sys.argv[1], dataset_name="numbers",
                       parent_datasets=[parent.id])
child.add_files("child")
child.upload()
child.finalize()
print(f"DATASETS {parent.id} {child.id}", flush=True)
